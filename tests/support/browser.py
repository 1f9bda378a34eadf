"""Helpers of the real-browser tests: the app served on loopback, the hosts a page asked,
signing in as a person does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import make_server

from core.config import TIMEZONE
from tests.support import DEMO_PASSWORD


@dataclass
class Server:
    """A live app: its base URL and the app itself (to move its clock, or read its data)."""

    url: str
    app: Flask

    def at(self, *moment: int) -> None:
        """Move the application clock (Asia/Ho_Chi_Minh)."""
        self.app.config["THIDUA_NOW"] = datetime(*moment, tzinfo=TIMEZONE)


@contextmanager
def serve(app: Flask) -> Iterator[Server]:
    """Serve ``app`` with werkzeug in a background thread on 127.0.0.1, at a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def hosts(urls: list[str]) -> set[str]:
    return {urlsplit(url).hostname or "" for url in urls}


def sign_in(page, server: Server, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form, as a person does (any earlier session forgotten), and wait
    for the home page's greeting."""
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto(f"{server.url}/login")
    page.get_by_label("Tên đăng nhập", exact=True).fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
