"""Shared fixtures (the Flask tutorial's app / client / runner, with a temporary database).

The suite runs on SQLite by default and on PostgreSQL when ``THIDUA_TEST_DATABASE_URL`` is
set (``make test`` sets it when a server answers on 127.0.0.1:5432). The helpers tests import
are in ``tests/support``.

Speed: the ``app`` fixture's database is a copy of a template built once per pytest process
(the empty schema; the demo when the test asks for ``demo``; the played year when it asks
for ``played_year``): see ``tests/support/databases.py``. Each xdist worker has its own
databases. Test connections skip fsync (SQLite ``synchronous=OFF``, PostgreSQL
``synchronous_commit=off``): nothing here tests durability.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.extensions import db, limiter
from tests import support
from tests.support.databases import DATABASES
from tests.support.shares import keep_issued_shares
from tests.support.year import build_year  # noqa: F401  (registers the "year" template)

# The counting committee keeps the key shares each poll hands out when it opens (the default
# seal): tests close with two of them (tests/support/shares.py).
keep_issued_shares()


def pytest_configure(config) -> None:
    if not hasattr(config, "workerinput"):
        # pytest-playwright empties its --output folder when a session starts: under xdist
        # each worker would, while another writes its screenshots. So it is done here, once
        # (``delete_output_dir`` below turns the plugin's own fixture off).
        output = config.getoption("--output", None)
        if output:
            shutil.rmtree(Path(config.rootpath) / output, ignore_errors=True)
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return  # the xdist controller runs no test: its workers make their own databases
    support.TEST_DATABASE_URL = DATABASES.configure(support.BASE_TEST_DATABASE_URL)
    config._thidua_databases = DATABASES


def pytest_unconfigure(config) -> None:
    databases = getattr(config, "_thidua_databases", None)
    if databases is not None:
        databases.close()


@event.listens_for(Engine, "connect")
def _no_fsync(dbapi_connection, connection_record) -> None:
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.close()
    elif module.startswith("psycopg"):
        dbapi_connection.execute("SET synchronous_commit TO off")
        if not dbapi_connection.autocommit:
            dbapi_connection.commit()


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir() -> None:
    """pytest-playwright's fixture of this name empties --output in every xdist worker, maybe
    while another worker writes its screenshots: pytest_configure empties it once instead."""


@pytest.fixture
def app(request, tmp_path) -> Iterator:
    """An app over a fresh database holding the schema; when the test also asks for
    ``demo`` (or ``played_year``), the demo (or the played year) is already in it, copied
    from a template built once per process."""
    names = request.fixturenames
    template = "year" if "played_year" in names else "demo" if "demo" in names else "schema"
    app = DATABASES.fresh_app(tmp_path, template, scratch=True)
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()
    DATABASES.release(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The Khối 8 2021 demo: 8 units, admin, board, an officer and a head per unit."""
    if DATABASES.is_intact(app, "demo") or DATABASES.is_intact(app, "year"):
        return app  # the app fixture copied it from the template
    # A fixture changed the app's plugins or clock after it was made: build the demo as
    # these rules make it, on an empty schema.
    from core.cli import build_demo

    db.session.remove()
    db.drop_all()
    db.create_all()
    build_demo()
    return app


@pytest.fixture
def played_year(app):
    """The demo with Khối 8's whole 2021 year played through the API (``play_year`` of
    tests/support/year.py), the clock where it leaves it (25/02/2022 08:00)."""
    from tests.support.cycle import at
    from tests.support.year import YEAR_END, play_year

    if DATABASES.is_intact(app, "year"):
        at(app, *YEAR_END)
        return app  # the app fixture copied it from the year template
    from core.cli import build_demo

    db.session.remove()
    db.drop_all()
    db.create_all()
    build_demo()
    play_year(app, app.test_client())
    return app
