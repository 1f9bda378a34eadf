"""Shared fixtures (the Flask tutorial's app / client / runner, with a temporary database).

The suite runs on SQLite by default and on PostgreSQL when ``THIDUA_TEST_DATABASE_URL`` is
set (``make test`` sets it when a server answers on 127.0.0.1:5432).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import create_app
from core.config import TIMEZONE
from core.extensions import db, limiter

BASE_TEST_DATABASE_URL = os.environ.get("THIDUA_TEST_DATABASE_URL", "")
# On PostgreSQL each pytest process gets its own database (created in pytest_configure),
# so parallel runs never drop each other's tables.
TEST_DATABASE_URL = BASE_TEST_DATABASE_URL
DEMO_PASSWORD = "ThiDua@2021"
TEST_PLUGINS_DIR = Path(__file__).parent / "plugins_fixture"
SHIPPED_EXTRAS = ("khoi_vhxh", "toan_tinh")


def pytest_configure(config) -> None:
    global TEST_DATABASE_URL
    if not BASE_TEST_DATABASE_URL.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(BASE_TEST_DATABASE_URL)
    name = f"{base.database or 'test'}_thidua_{os.getpid()}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    TEST_DATABASE_URL = base.set(database=name).render_as_string(hide_password=False)
    config._thidua_database = (base, name)


def pytest_unconfigure(config) -> None:
    created = getattr(config, "_thidua_database", None)
    if created is None:
        return
    from sqlalchemy import create_engine, text

    base, name = created
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def database_kind() -> str:
    return "postgresql" if TEST_DATABASE_URL.startswith("postgresql") else "sqlite"


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
        # shipped plugins are tested on their own (tests/shipped_plugins) with nothing disabled.
        "THIDUA_DISABLED_PLUGINS": list(SHIPPED_EXTRAS)
        if "THIDUA_DISABLED_PLUGINS" not in os.environ else None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Cheap argon2 parameters in tests only: production keeps argon2-cffi's defaults.
        "THIDUA_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    }
    config.update(overrides)
    if config["THIDUA_DISABLED_PLUGINS"] is None:
        del config["THIDUA_DISABLED_PLUGINS"]  # the environment's list applies
    return create_app(config)


def without_extras(names):
    """Plugin names (or rows with a "name") minus the shipped plugins the core tests ignore."""
    return [n for n in names if (n["name"] if isinstance(n, dict) else n) not in SHIPPED_EXTRAS]


@pytest.fixture
def app(tmp_path) -> Iterator:
    app = make_app(tmp_path)
    with app.app_context():
        db.drop_all()
        db.create_all()
        limiter.reset()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The Khối 8 2021 demo: 8 units, admin, board, an officer and a head per unit."""
    from core.cli import build_demo

    build_demo()
    return app


def login(client, username: str, password: str = DEMO_PASSWORD):
    return client.post("/login", data={"username": username, "password": password},
                       follow_redirects=False)


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
