"""Fixtures of the page tests: the catalogs compiled from the .po files of the working tree,
and a CSRF-enabled app (the HTML reader is tests/support/html.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.extensions import babel, limiter
from tests.support import TRANSLATIONS
from tests.support.databases import DATABASES


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
    app = DATABASES.fresh_app(tmp_path, "demo", WTF_CSRF_ENABLED=True)
    with app.app_context():
        limiter.reset()
    yield app
    DATABASES.release(app)
