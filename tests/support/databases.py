"""Test databases filled from templates built once per pytest process.

Building the schema (``create_all``) and the demo for every test cost most of the suite's
time, on SQLite (one fsync per DDL statement) as on PostgreSQL. So each *template* (the
empty schema, the Khối 8 2021 demo, the played year, or any state registered with a builder)
is built once per process, the first time a test needs it, and every test gets a fresh copy
that it writes to freely:

- SQLite: the template is a file; a test's database is a copy of it (``shutil.copyfile``)
  at ``tmp_path/test.sqlite``, where ``make_app(tmp_path)`` looks.
- PostgreSQL: each process keeps a few databases ("slots"), made once with ``create_all``:
  the *scratch* slot ``<base>_thidua_<pid>`` (the ``app`` fixture's, and the one
  ``make_app(tmp_path)`` uses) and ``<base>_thidua_<pid>_<n>`` for apps living beside it
  (live servers, CSRF apps). The template's rows are kept in memory (``COPY … TO STDOUT``
  in binary) with its sequences; filling a slot deletes every row, copies the template's
  rows in and sets the sequences back, in one transaction (~15 ms, where ``CREATE DATABASE``
  + ``DROP DATABASE`` cost 0.1–2 s and a checkpoint each). If a test changed the schema
  (the migration tests drop everything), the slot's schema fingerprint differs and the
  slot's schema is made again first.

A template is keyed by its name *and* by what the app it was built with would change in it
(the plugins loaded and the frozen clock), so a test whose environment loads other plugins
gets a template of its own, never a demo built under other rules. The empty schema is one
template whatever the plugins.

Every process (every xdist worker) has its own databases, dropped when it ends; those of
dead processes are dropped at the next start.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

Builder = Callable[[Flask], None]

# What a schema is made of, in public: relations, columns, constraints, functions, triggers.
FINGERPRINT_SQL = """
SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) FROM (
  SELECT 'r:' || c.relname || ':' || c.relkind::text
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'a:' || c.relname || ':' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)
         || ':' || a.attnotnull::text
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
   WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'c:' || conrelid::regclass::text || ':' || conname || ':' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'd:' || d.adrelid::regclass::text || ':' || d.adnum::text || ':'
         || pg_get_expr(d.adbin, d.adrelid)
    FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
   WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'p:' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'g:' || tgrelid::regclass::text || ':' || tgname
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
) s(x)
"""


def state_key(app: Flask) -> tuple:
    """What, besides the builder, decides what a template holds: the plugins the app loaded
    (and their status and version) and the clock it starts at."""
    host = app.extensions["thidua"]
    plugins = tuple(sorted((name, record.status, record.version)
                           for name, record in host.records.items()))
    return plugins, str(app.config.get("THIDUA_NOW"))


@dataclass
class Issued:
    """A database handed to an app: where, from which template, the app's state then (to
    tell whether a fixture changed it since)."""

    url: str
    template: str
    state: tuple
    slot: Slot | None = None


@dataclass
class Dump:
    """A PostgreSQL template in memory: each table's rows (binary COPY) and the sequences."""

    rows: dict[str, bytes]
    sequences: list[tuple[str, int, int | None]]


@dataclass
class Slot:
    """A PostgreSQL database this process fills again and again."""

    name: str
    url: str
    connection: Any = None  # psycopg, autocommit: resets and checks
    busy: bool = False
    extra: dict = field(default_factory=dict)


class Databases:
    def __init__(self) -> None:
        self.base_url = ""
        self.workdir: Path | None = None
        self.templates: dict[tuple, Any] = {}  # SQLite: a file path; PostgreSQL: a Dump
        self.builders: dict[str, Builder] = {}
        self.issued: weakref.WeakKeyDictionary[Flask, Issued] = weakref.WeakKeyDictionary()
        self.counter = itertools.count(1)
        self.lock = threading.RLock()
        self.slots: list[Slot] = []
        self.tables: list[str] = []
        self.fingerprint = ""
        self._admin = None
        self._prefix = ""
        self._scratch_name = ""

    # -- set-up ------------------------------------------------------------------------------
    @property
    def postgresql(self) -> bool:
        return self.base_url.startswith("postgresql")

    def configure(self, base_url: str) -> str:
        """Start: returns the scratch database's URL ("" on SQLite: each test's tmp_path)."""
        self.base_url = base_url
        self.workdir = Path(tempfile.mkdtemp(prefix="thidua-templates-"))
        if not self.postgresql:
            return ""
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        base = make_url(base_url)
        self._admin = create_engine(base, isolation_level="AUTOCOMMIT")
        self._prefix = f"{base.database or 'test'}_thidua_"
        self._drop_leftovers()
        self._scratch_name = f"{self._prefix}{os.getpid()}"
        scratch = self._new_slot(self._scratch_name)
        return scratch.url

    def close(self) -> None:
        """End: drop every database of this process, remove the template files."""
        for slot in self.slots:
            if slot.connection is not None:
                slot.connection.close()
        if self.postgresql and self._admin is not None:
            for slot in self.slots:
                self._execute(f'DROP DATABASE IF EXISTS "{slot.name}" WITH (FORCE)')
            self._admin.dispose()
        self.slots.clear()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- the public helpers ------------------------------------------------------------------
    def register(self, name: str, builder: Builder) -> None:
        """A template other than "schema" and "demo": ``builder(app)`` runs once per process,
        in an app context over the empty schema; its writes are committed."""
        with self.lock:
            if self.builders.get(name, builder) is not builder:
                raise ValueError(f"template {name!r} is already registered with another builder")
            self.builders[name] = builder

    def fresh_app(self, tmp_path: Path, template: str = "schema", *, scratch: bool = False,
                  **overrides) -> Flask:
        """An app over a fresh copy of ``template``. ``scratch``: on PostgreSQL, fill the
        process's scratch database (the one ``make_app(tmp_path)`` uses: the ``app``
        fixture's); otherwise a database of its own, for apps that live beside it. On SQLite
        the database is ``tmp_path/test.sqlite`` either way, as with ``make_app``. Give the
        app back with ``release``."""
        from tests.support import make_app

        with self.lock:
            slot = None
            if self.postgresql:
                slot = self._acquire(scratch)
                url = slot.url
            else:
                url = f"sqlite:///{Path(tmp_path) / 'test.sqlite'}"
            try:
                app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url, **overrides)
                state = state_key(app)
                source = self._template(template, state, overrides)
                if slot is not None:
                    self._fill(slot, source)
                else:
                    target = Path(tmp_path) / "test.sqlite"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
            except BaseException:
                if slot is not None:
                    slot.busy = False
                raise
            self.issued[app] = Issued(url, template, state, slot)
            return app

    def is_intact(self, app: Flask, template: str) -> bool:
        """Whether ``app`` still runs over an untouched copy of ``template`` as far as its
        configuration goes (same plugins, same clock as when it was made)."""
        issued = self.issued.get(app)
        return issued is not None and issued.template == template and \
            state_key(app) == issued.state

    def release(self, app: Flask) -> None:
        """Close the app's connections and give its database back: on SQLite the file is
        deleted; on PostgreSQL the slot is free again, and the scratch slot is left with an
        empty schema (as ``drop_all`` left it before) for the apps tests make themselves."""
        from core.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        issued = self.issued.pop(app, None)
        if issued is None:
            return
        if issued.slot is not None:
            with self.lock:
                if issued.slot.name == self._scratch_name:
                    self._fill(issued.slot, self._template("schema", (), {}))
                issued.slot.busy = False
        else:
            Path(issued.url.removeprefix("sqlite:///")).unlink(missing_ok=True)

    # -- templates ---------------------------------------------------------------------------
    def _template(self, template: str, state: tuple, overrides: dict) -> Any:
        # The empty schema is the same whatever the plugins: one template for all.
        key = (template,) if template == "schema" else (template, state)
        if key in self.templates:
            return self.templates[key]
        builder = self._builder(template)
        from core.extensions import db, limiter
        from tests.support import make_app

        if self.postgresql and template == "schema":
            # No row, every sequence at its start.
            sequences = self.slots[0].connection.execute(
                "SELECT sequencename, start_value, NULL FROM pg_sequences "
                "WHERE schemaname = 'public' ORDER BY sequencename").fetchall()
            self.templates[key] = Dump({}, [tuple(row) for row in sequences])
            return self.templates[key]
        n = next(self.counter)
        slot = None
        if self.postgresql:
            slot = self._acquire(False)
            self._fill(slot, self._template("schema", (), {}))
            url = slot.url
        else:
            url = f"sqlite:///{self.workdir / f'template-{n}.sqlite'}"
        try:
            build_config = {k: v for k, v in overrides.items()
                            if k != "SQLALCHEMY_DATABASE_URI"}
            app = make_app(self.workdir / f"template-{n}", SQLALCHEMY_DATABASE_URI=url,
                           **build_config)
            if template != "schema" and state_key(app) != state:
                raise RuntimeError(f"the template {template!r} would be built under other "
                                   f"rules ({state_key(app)} != {state})")
            with app.app_context():
                db.create_all()
                limiter.reset()
                builder(app)
                db.session.commit()
                db.session.remove()
                db.engine.dispose()
            limiter.reset()
            self.templates[key] = self._dump(slot) if slot is not None else \
                Path(url.removeprefix("sqlite:///"))
        finally:
            if slot is not None:
                slot.busy = False
        return self.templates[key]

    def _builder(self, template: str) -> Builder:
        if template == "schema":
            return lambda app: None
        if template == "demo":
            def demo(app: Flask) -> None:
                from core.cli import build_demo

                build_demo()
            return demo
        try:
            return self.builders[template]
        except KeyError:
            raise KeyError(f"no template named {template!r}: register it first") from None

    # -- PostgreSQL slots --------------------------------------------------------------------
    def _acquire(self, scratch: bool) -> Slot:
        if scratch:
            slot = self.slots[0]
        else:
            free = [s for s in self.slots[1:] if not s.busy]
            slot = free[0] if free else self._new_slot(f"{self._scratch_name}_{next(self.counter)}")
        slot.busy = True
        return slot

    def _new_slot(self, name: str) -> Slot:
        """A database with the schema (``create_all``) and its reset connection."""
        import psycopg
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        import core.models  # noqa: F401  (every table in the metadata)
        from core.extensions import db

        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                      f'CREATE DATABASE "{name}"')
        url = self._url(name)
        engine = create_engine(url, poolclass=NullPool)
        db.metadata.create_all(engine)
        engine.dispose()
        connection = psycopg.connect(**self._conninfo(name), autocommit=True)
        connection.execute("SET synchronous_commit TO off")
        slot = Slot(name, url, connection)
        fingerprint = connection.execute(FINGERPRINT_SQL).fetchone()[0]
        if not self.fingerprint:
            self.fingerprint = fingerprint
            self.tables = [table.name for table in db.metadata.sorted_tables]
        elif fingerprint != self.fingerprint:
            raise RuntimeError(f"{name}: create_all made another schema than before")
        self.slots.append(slot)
        return slot

    def _fill(self, slot: Slot, dump: Dump) -> None:
        """The slot holds exactly the template's rows and sequences (one transaction)."""
        connection = slot.connection
        # Connections a test left open (idle in a transaction, holding locks) would block.
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        if connection.execute(FINGERPRINT_SQL).fetchone()[0] != self.fingerprint:
            self._remake_schema(slot)
        with connection.transaction():
            connection.execute("SET LOCAL lock_timeout = '10s'")
            connection.execute("".join(f'DELETE FROM "{table}";'
                                       for table in reversed(self.tables)))
            for table, rows in dump.rows.items():
                with connection.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT BINARY)') as copy:
                    copy.write(rows)
            if dump.sequences:
                connection.execute("SELECT " + ", ".join(
                    f"setval('\"{name}\"', {start if last is None else last}, "
                    f"{'false' if last is None else 'true'})"
                    for name, start, last in dump.sequences))

    def _dump(self, slot: Slot) -> Dump:
        connection = slot.connection
        rows = {}
        for table in self.tables:
            data = bytearray()
            with connection.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT BINARY)') as copy:
                for chunk in copy:
                    data += chunk
            # A binary COPY of no rows is its header and trailer only (21 bytes).
            if len(data) > 21:
                rows[table] = bytes(data)
        sequences = connection.execute(
            "SELECT sequencename, start_value, last_value FROM pg_sequences "
            "WHERE schemaname = 'public' ORDER BY sequencename").fetchall()
        return Dump(rows, [tuple(row) for row in sequences])

    def _remake_schema(self, slot: Slot) -> None:
        """A test changed the schema (dropped tables, ran migrations): make it again."""
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from core.extensions import db

        slot.connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
                                "GRANT ALL ON SCHEMA public TO public")
        engine = create_engine(slot.url, poolclass=NullPool)
        db.metadata.create_all(engine)
        engine.dispose()
        fingerprint = slot.connection.execute(FINGERPRINT_SQL).fetchone()[0]
        if fingerprint != self.fingerprint:
            raise RuntimeError(f"{slot.name}: the schema made again differs from the first")

    # -- PostgreSQL plumbing -----------------------------------------------------------------
    def _url(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.base_url).set(database=name).render_as_string(hide_password=False)

    def _conninfo(self, name: str) -> dict:
        from sqlalchemy.engine import make_url

        url = make_url(self.base_url)
        info = {"dbname": name, "host": url.host, "port": url.port, "user": url.username,
                "password": url.password}
        info.update(url.query)
        return {k: v for k, v in info.items() if v is not None}

    def _execute(self, *statements: str) -> None:
        from sqlalchemy import text

        with self._admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))

    def _drop_leftovers(self) -> None:
        """Drop the databases left by test processes that no longer run (killed runs)."""
        from sqlalchemy import text

        with self._admin.connect() as connection:
            names = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": self._prefix.replace("_", r"\_") + "%"}).scalars().all()
            for name in names:
                match = re.fullmatch(re.escape(self._prefix) + r"(\d+)(_\d+)?", name)
                if match and not _alive(int(match.group(1))):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


DATABASES = Databases()
