"""Fixtures for the real-browser tests: Debian's Chromium, and the app served on loopback.

``live_server`` serves a database of its own holding the Khối 8 2021 demo (a copy of the
demo template, tests/support/databases.py) with werkzeug in a background thread on
127.0.0.1 at a free port (so xdist workers never collide), and yields a ``Server`` (URL and
app). It is module-scoped: a module that needs another state serves its own app with
``serve(app)`` (tests/support/browser.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.browser import Server, serve
from tests.support.databases import DATABASES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (make test does)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh",
            "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[Server]:
    """The Khối 8 2021 demo served on loopback, CSRF on as in production (the browser posts
    the form's hidden token). Yields a ``Server``: its ``url``, its ``app``, and ``at(...)``
    to move the app's clock."""
    app = DATABASES.fresh_app(tmp_path_factory.mktemp("live"), "demo", WTF_CSRF_ENABLED=True)
    try:
        with serve(app) as server:
            yield server
    finally:
        DATABASES.release(app)


@pytest.fixture
def requested_urls(page) -> list[str]:
    """Every URL the page asks for, to show that nothing leaves the machine."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


@pytest.fixture(autouse=True)
def no_csp_violations(request) -> Iterator[None]:
    """Every browser test also checks that the Content-Security-Policy (issue 14) blocked
    nothing: no inline script, no inline style (style-src 'self'), no image refused."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield
    assert refused == []
