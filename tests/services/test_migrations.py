"""The Alembic migrations and the SQLAlchemy models describe the same schema.

Runs on the test database (SQLite, or PostgreSQL when ``THIDUA_TEST_DATABASE_URL`` is set):
drop everything, ``upgrade head`` -> ``downgrade base`` -> ``upgrade head`` through
Flask-Migrate, then ``compare_metadata`` must report no difference. It builds its own app
(``make_app``) instead of the ``app`` fixture, which uses ``create_all``.

Generic on purpose: it reads the revisions from ``migrations/`` and knows no table names.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, inspect, text

from core.config import PROJECT_ROOT
from core.extensions import db
from tests.support import database_kind, make_app

MIGRATIONS = str(PROJECT_ROOT / "migrations")


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """``migrations/env.py`` calls ``logging.config.fileConfig``, which replaces the root
    handlers and disables every existing logger; put the logging set-up back afterwards so
    later tests (``caplog``) are not affected."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, logger in logging.Logger.manager.loggerDict.items():
        if not isinstance(logger, logging.Logger):
            continue
        if name in saved:
            logger.disabled, logger.level, handlers, logger.propagate = saved[name]
            logger.handlers[:] = handlers
        else:
            logger.disabled = False


def _drop_everything() -> None:
    """Drop every table the database has (not only the models' ones), Alembic's
    ``alembic_version`` included, and on PostgreSQL any enum type left behind."""
    engine = db.engine
    reflected = MetaData()
    reflected.reflect(bind=engine)
    reflected.drop_all(bind=engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if engine.dialect.name == "postgresql":
            for enum in inspect(connection).get_enums():
                connection.execute(text(f'DROP TYPE IF EXISTS "{enum["name"]}"'))


def _user_tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _same_tables(expected: set[str]) -> None:
    actual = _user_tables()
    assert actual == expected, (
        f"tables in the models but made by no migration: {sorted(expected - actual)}; "
        f"tables made by the migrations but not in the models: {sorted(actual - expected)}")


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, db.metadata)


@pytest.fixture
def migration_app(tmp_path, keep_logging):
    app = make_app(tmp_path)
    with app.app_context():
        _drop_everything()
        try:
            yield app
        finally:
            db.session.remove()
            _drop_everything()
            db.engine.dispose()


def test_there_is_one_head_and_a_base(migration_app):
    script = ScriptDirectory(MIGRATIONS)
    heads = script.get_heads()
    assert len(heads) == 1, f"several Alembic heads, merge them: {heads}"
    assert len(script.get_bases()) == 1
    # Every revision is reachable from the head down to the base.
    assert len(list(script.walk_revisions())) >= 1


def test_upgrade_downgrade_upgrade_matches_models(migration_app):
    head = ScriptDirectory(MIGRATIONS).get_current_head()
    model_tables = {table.name for table in db.metadata.sorted_tables}
    assert model_tables, "the models registered no table"
    assert _user_tables() == set()

    upgrade(directory=MIGRATIONS)
    assert _current_revision() == head
    _same_tables(model_tables)
    assert _differences() == []

    downgrade(directory=MIGRATIONS, revision="base")
    assert _current_revision() is None
    assert _user_tables() == set(), "downgrade base left tables behind"
    if database_kind() == "postgresql":
        leftover = [e["name"] for e in inspect(db.engine).get_enums()]
        assert leftover == [], f"downgrade base left enum types behind: {leftover}"

    upgrade(directory=MIGRATIONS)
    assert _current_revision() == head
    _same_tables(model_tables)
    differences = _differences()
    assert differences == [], f"models and migrations disagree: {differences}"


def test_migrated_schema_takes_the_demo(migration_app):
    """The schema built by the migrations (not ``create_all``) holds the demo data."""
    from sqlalchemy import func, select

    from core.cli import build_demo
    from core.models import Campaign, User

    upgrade(directory=MIGRATIONS)
    build_demo()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 1
    assert db.session.scalar(select(User.username).where(User.username == "tttt.canbo")) \
        == "tttt.canbo"
