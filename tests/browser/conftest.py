"""Fixtures for the real-browser tests: Debian's Chromium, and the app served on loopback.

``live_server`` serves a fresh database holding the Khối 8 2021 demo with werkzeug in a
background thread on 127.0.0.1 at a free port, and yields the base URL. It is module-scoped:
on PostgreSQL the browser tests share the test database with the rest of the suite, so the
tables are created when a browser module starts and dropped when it ends.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import make_app
from werkzeug.serving import make_server

from core.extensions import db, limiter

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
def live_server(tmp_path_factory) -> Iterator[str]:
    from core.cli import build_demo

    tmp_path = tmp_path_factory.mktemp("live")
    # CSRF on, as in production: the browser posts the form's hidden token.
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.drop_all()
        db.create_all()
        limiter.reset()
        build_demo()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def requested_urls(page) -> list[str]:
    """Every URL the page asks for, to show that nothing leaves the machine."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def hosts(urls: list[str]) -> set[str]:
    return {urlsplit(url).hostname or "" for url in urls}
