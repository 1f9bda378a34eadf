"""A tiny HTML reader for the page tests (stdlib only), the CSRF token of a form, and row
counts in a fresh app context."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from core.extensions import db
from tests.support import row_counts

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



def counts(app) -> dict[str, int]:
    """``row_counts()`` in a fresh app context."""
    with app.app_context():
        try:
            return row_counts()
        finally:
            db.session.remove()
