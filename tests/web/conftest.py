"""Helpers for the page tests: a tiny HTML reader (stdlib only), the catalogs compiled from
the .po files of the working tree, and a CSRF-enabled app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import make_app, row_counts

from core.extensions import babel, db, limiter

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "core" / "translations"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    @property
    def text(self) -> str:
        """The text content, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: Element) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)
        walk(self)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list[Element]:
        """Descendants with this tag and these attributes (``class_`` for class; True means
        present; a class matches one of the element's classes)."""
        found = []
        for el in self.iter():
            if tag and el.tag != tag:
                continue
            ok = True
            for key, value in attrs.items():
                name = key.rstrip("_").replace("_", "-")
                have = el.attrs.get(name)
                if value is True:
                    ok = name in el.attrs
                elif name == "class":
                    ok = value in (have or "").split()
                else:
                    ok = have == value
                if not ok:
                    break
            if ok:
                found.append(el)
        return found

    def find(self, tag: str | None = None, **attrs: str | bool) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def by_id(self, ident: str) -> Element:
        return self.find(id=ident)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        el = Element(tag, dict(attrs), self.current)
        self.current.children.append(el)
        if tag not in VOID:
            self.current = el

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response_or_html) -> Element:
    """The page as a tree of Elements."""
    text = response_or_html if isinstance(response_or_html, str) else \
        response_or_html.get_data(as_text=True)
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on a page (GET)."""
    page = parse(client.get(path))
    return page.find("input", name="csrf_token").attrs["value"]


@pytest.fixture(scope="session")
def compiled_catalogs(tmp_path_factory) -> Path:
    """The working tree's .po files compiled to .mo in a temporary folder, so the English
    tests read the catalogs as they are now (the .mo files are not in git)."""
    out = tmp_path_factory.mktemp("translations")
    for language in ("vi", "en"):
        with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
            catalog = read_po(f, locale=language)
        target = out / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as f:
            write_mo(f, catalog)
    return out


@pytest.fixture
def catalogs(app, compiled_catalogs) -> Iterator[Path]:
    """Serve the freshly compiled catalogs. Flask-Babel caches translations on the shared
    Babel object across apps, so the cache is emptied before and after."""
    app.extensions["babel"].translation_directories = [str(compiled_catalogs)]
    babel.domain_instance.cache.clear()
    yield compiled_catalogs
    babel.domain_instance.cache.clear()


@pytest.fixture
def csrf_app(tmp_path) -> Iterator:
    """The demo with CSRF protection on, as in production. Unlike the ``app`` fixture it does
    not hold an app context while the test runs, so each request gets its own (and its own
    ``g``), as under a real server; use ``counts(app)`` for the row counts."""
    from core.cli import build_demo

    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.drop_all()
        db.create_all()
        limiter.reset()
        build_demo()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def counts(app) -> dict[str, int]:
    """``row_counts()`` in a fresh app context."""
    with app.app_context():
        try:
            return row_counts()
        finally:
            db.session.remove()
