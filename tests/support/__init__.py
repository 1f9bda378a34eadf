"""Shared test helpers, importable from any test as ``tests.support`` (the fixtures are in
``tests/conftest.py``): the app factory with the test configuration, sign-in and API-token
helpers, row counts. The other modules of this package hold the helpers of one area:
``cycle`` / ``voting`` / ``year`` (the year through the API), ``html`` (the page reader),
``*_pages`` (page clients), ``plugins`` (the test plugins), ``bulk`` / ``many_blocs``
(big worlds for the query-count tests), ``browser``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from jinja2 import BytecodeCache
from sqlalchemy import event, func, select

from core import create_app
from core.config import TIMEZONE
from core.extensions import db
from tests.support.speed import cache_rule_builders

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "core" / "translations"
BASE_TEST_DATABASE_URL = os.environ.get("THIDUA_TEST_DATABASE_URL", "")
# On PostgreSQL each pytest process gets its own database (created by tests/conftest.py's
# pytest_configure, which sets this), so parallel runs never drop each other's tables.
TEST_DATABASE_URL = BASE_TEST_DATABASE_URL
DEMO_PASSWORD = "ThiDua@2021"
TEST_PLUGINS_DIR = Path(__file__).resolve().parents[1] / "plugins" / "fixtures"
SHIPPED_EXTRAS = ("khoi_vhxh", "toan_tinh")


def database_kind() -> str:
    return "postgresql" if TEST_DATABASE_URL.startswith("postgresql") else "sqlite"


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app of the process: each test makes its own app,
    and compiling the same templates again for each one cost a tenth of a second a test.
    Keyed (by Jinja) on the template's name and file and checked against its source."""

    def __init__(self) -> None:
        self.codes: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket) -> None:
        checksum, code = self.codes.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket) -> None:
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


BYTECODE_CACHE = SharedBytecodeCache()
cache_rule_builders()


def make_app(tmp_path: Path, **overrides):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite'}"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "THIDUA_NOW": datetime(2021, 6, 10, 9, 0, tzinfo=TIMEZONE),
        "THIDUA_ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        "THIDUA_LOAD_ENTRY_POINTS": False,
        # The core's tests run against Khối 8 and the test plugins under tests/; the other
        # shipped plugins are tested on their own (tests/plugins/test_second_bloc.py) with nothing disabled.
        "THIDUA_DISABLED_PLUGINS": list(SHIPPED_EXTRAS)
        if "THIDUA_DISABLED_PLUGINS" not in os.environ else None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Cheap argon2 parameters in tests only: production keeps argon2-cffi's defaults.
        "THIDUA_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        # Tests move the frozen clock through a whole year with the tokens they got at its
        # start: tokens last 20 years here (the expiry tests set their own lifetime).
        "THIDUA_TOKEN_TTL_HOURS": 20 * 365 * 24,
        # One audit key for every test database (the templates are copied between apps);
        # each app's anchor file in its own folder.
        "THIDUA_AUDIT_KEY": "test-audit-key",
        "THIDUA_AUDIT_ANCHOR": str(tmp_path / "audit-anchor.json"),
    }
    config.update(overrides)
    if config["THIDUA_DISABLED_PLUGINS"] is None:
        del config["THIDUA_DISABLED_PLUGINS"]  # the environment's list applies
    app = create_app(config)
    app.jinja_env.bytecode_cache = BYTECODE_CACHE
    return app


def without_extras(names):
    """Plugin names (or rows with a "name") minus the shipped plugins the core tests ignore."""
    return [n for n in names if (n["name"] if isinstance(n, dict) else n) not in SHIPPED_EXTRAS]


def login(client, username: str, password: str = DEMO_PASSWORD):
    return client.post("/login", data={"username": username, "password": password},
                       follow_redirects=False)


def page_client(app, username: str | None):
    """A test client signed in as ``username`` (None: anonymous)."""
    client = app.test_client()
    if username:
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def text(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


def api_token(client, username: str, password: str = DEMO_PASSWORD) -> str:
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def row_counts() -> dict[str, int]:
    """Rows per table, to show that a rejected request changed nothing."""
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    return counts


@contextmanager
def counting() -> Iterator[list[str]]:
    """The SQL statements run inside the block (for the constant-query tests)."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
