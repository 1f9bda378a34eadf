"""Backup and restore of everything the app keeps: the database, the attachments and the issued
documents (blobs of the store, by SHA-256), with the audit chain's checkpoint (issue 14).

**Why a logical dump through SQLAlchemy** (and not ``pg_dump`` / ``sqlite3 .backup``): one
format for both databases, so a backup of a SQLite installation restores into PostgreSQL
(moving a pilot to the province's server) and back; no client binaries of the right major
version on the machine; and the restore can check every row count, blob and the audit chain
inside the transaction that writes them, committing only what verified. The price is speed
(a province's data is tens of megabytes: seconds) and that only the tables of the models are
saved (the schema itself comes from the migrations: ``flask --app wsgi db upgrade`` first).

Layout of a backup folder::

    manifest.json          format, when, from which database and migration, per table its
                           row count and file hash, every blob and its size, the checkpoint,
                           keyed (HMAC) with the audit key: a changed manifest is refused
    checkpoint.json        audit.checkpoint() taken in the same snapshot as the rows
    tables/<table>.jsonl   one JSON object per row, ordered by primary key (never by physical
                           order: ballots are stored in random-id order and stay so)
    blobs/<2 hex>/<sha256> the store's files the rows refer to

The dump reads every table in one snapshot (``REPEATABLE READ, READ ONLY`` on PostgreSQL, one
read transaction on SQLite), so rows, blobs and checkpoint agree. The manifest is written
last: a folder without one is not a backup.

Restore writes into an **empty** database (the schema made by the migrations, no row in any
table), in dependency order (a table's references to itself are set after its rows), copies
the blobs into the store (each checked against its name), resets PostgreSQL's sequences, then
verifies in the same transaction: the row counts, every referenced blob's SHA-256, the audit
chain against the backup's checkpoint, the accounts' seals and the polls' counts. Only then
is it committed, with an audit event ``backup.restore``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    LargeBinary,
    Numeric,
    Table,
    Uuid,
    bindparam,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.types import TypeDecorator

from core.extensions import db
from core.services import attachments, audit, clock

FORMAT = "thidua-backup"
VERSION = 1
BATCH = 500


class BackupError(RuntimeError):
    """The backup or the restore cannot go on; the message says why, in Vietnamese."""


# -- values to JSON and back, per column type ---------------------------------------------------

def _codec(column) -> str:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return "decimal"
    if isinstance(kind, LargeBinary):
        return "bytes"
    if isinstance(kind, Uuid):
        return "uuid"
    return "plain"


def _encode(codec: str, value: Any) -> Any:
    if value is None or codec in ("plain", "json"):
        return value
    if codec in ("datetime", "date"):
        return value.isoformat()
    if codec == "decimal":
        return str(value)
    if codec == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)  # uuid


def _decode(codec: str, value: Any) -> Any:
    if value is None or codec in ("plain", "json"):
        return value
    if codec == "datetime":
        return datetime.fromisoformat(value)
    if codec == "date":
        return date.fromisoformat(value)
    if codec == "decimal":
        return Decimal(value)
    if codec == "bytes":
        return base64.b64decode(value)
    import uuid

    return uuid.UUID(value)


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def _canonical(manifest: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))


def _alembic_revision() -> str | None:
    if not inspect(db.session.connection()).has_table("alembic_version"):
        return None
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _begin_snapshot() -> None:
    """Start the session's transaction as one consistent, read-only snapshot."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                 "postgresql_readonly": True})
    else:
        connection = db.session.connection()
        if db.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")  # one read transaction for every SELECT


# -- backup ---------------------------------------------------------------------------------

def backup(out: Path) -> dict[str, Any]:
    """Write a backup of everything into the folder ``out`` (new or empty); return the
    manifest."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"Thư mục {out} đã có dữ liệu: hãy chọn một thư mục mới.")
    (out / "tables").mkdir(parents=True, exist_ok=True)
    _begin_snapshot()
    try:
        tables = []
        for table in _tables():
            tables.append(_dump_table(table, out / "tables" / f"{table.name}.jsonl"))
        blobs = _copy_blobs(out / "blobs")
        checkpoint = audit.checkpoint()
        revision = _alembic_revision()
        dialect = db.engine.dialect.name
    finally:
        db.session.close()  # ends the read-only snapshot (nothing was written)
    (out / "checkpoint.json").write_text(json.dumps(checkpoint, indent=2) + "\n",
                                         encoding="utf-8")
    manifest = {
        "format": FORMAT, "version": VERSION, "created_at": clock.now().isoformat(),
        "database": dialect, "alembic_revision": revision, "tables": tables,
        "blobs": blobs, "checkpoint": checkpoint,
    }
    manifest["mac"] = audit.keyed("backup-manifest", _canonical(manifest))
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out / "manifest.json")
    return manifest


def _dump_table(table: Table, path: Path) -> dict[str, Any]:
    codecs = [(column.name, _codec(column)) for column in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    digest = hashlib.sha256()
    rows = 0
    with open(path, "wb") as handle:
        result = db.session.execute(select(table).order_by(*order)
                                    .execution_options(yield_per=BATCH))
        for row in result.mappings():
            line = json.dumps({name: _encode(codec, row[name]) for name, codec in codecs},
                              ensure_ascii=False, sort_keys=True,
                              separators=(",", ":")).encode("utf-8") + b"\n"
            handle.write(line)
            digest.update(line)
            rows += 1
    return {"name": table.name, "rows": rows, "sha256": digest.hexdigest(),
            "columns": [name for name, _codec_ in codecs]}


def _copy_blobs(target: Path) -> dict[str, int]:
    """Copy every blob the snapshot's rows refer to, checking each one's hash."""
    copied: dict[str, int] = {}
    problems = []
    for sha256, tables in sorted(attachments.referenced_blobs().items()):
        source = attachments.storage_path(sha256)
        if not source.is_file():
            problems.append(f"thiếu tệp {sha256} ({', '.join(sorted(tables))})")
            continue
        destination = target / sha256[:2] / sha256
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        if attachments.file_sha256(destination) != sha256:
            problems.append(f"tệp {sha256} không khớp mã SHA-256 của nó (hỏng)")
            continue
        copied[sha256] = destination.stat().st_size
    if problems:
        raise BackupError("Kho tệp không toàn vẹn, không sao lưu được:\n" + "\n".join(problems))
    return copied


# -- restore --------------------------------------------------------------------------------

@dataclass
class RestoreReport:
    """What a restore wrote and verified."""
    tables: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    audit_events: int = 0
    head: str = ""


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, checked: its format and its key (the audit key of the
    installation that made it)."""
    path = Path(folder) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{folder}: không có manifest.json (không phải bản sao lưu, hoặc "
                          f"bản sao lưu chưa ghi xong).") from exc
    except ValueError as exc:
        raise BackupError(f"{path}: không đọc được ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: không phải bản sao lưu thidua.")
    if manifest.get("version") != VERSION:
        raise BackupError(f"{path}: phiên bản {manifest.get('version')!r} không được hỗ trợ.")
    expected = audit.keyed("backup-manifest", _canonical(manifest))
    if not hmac.compare_digest(expected, str(manifest.get("mac", ""))):
        raise BackupError(f"{path}: chữ ký không đúng khóa nhật ký (manifest bị sửa, hoặc "
                          f"THIDUA_AUDIT_KEY khác với hệ thống đã sao lưu).")
    return manifest


def _check_files(folder: Path, manifest: dict[str, Any]) -> None:
    """Every table file and blob of the backup matches the manifest, before anything is
    written."""
    problems = []
    for entry in manifest["tables"]:
        path = folder / "tables" / f"{entry['name']}.jsonl"
        if not path.is_file():
            problems.append(f"thiếu tables/{entry['name']}.jsonl")
        elif attachments.file_sha256(path) != entry["sha256"]:
            problems.append(f"tables/{entry['name']}.jsonl bị thay đổi (mã SHA-256 khác)")
    for sha256, size in manifest["blobs"].items():
        path = folder / "blobs" / sha256[:2] / sha256
        if not path.is_file():
            problems.append(f"thiếu tệp blobs/{sha256[:2]}/{sha256}")
        elif path.stat().st_size != size or attachments.file_sha256(path) != sha256:
            problems.append(f"tệp blobs/{sha256[:2]}/{sha256} bị hỏng (mã SHA-256 khác)")
    if problems:
        raise BackupError("Bản sao lưu không toàn vẹn:\n" + "\n".join(problems))


def _check_target(manifest: dict[str, Any]) -> None:
    """The database must hold the same schema, and no row in any table."""
    tables = {table.name: table for table in _tables()}
    inspector = inspect(db.session.connection())
    missing = [name for name in tables if not inspector.has_table(name)]
    if missing:
        raise BackupError("Cơ sở dữ liệu chưa có lược đồ (thiếu bảng " + ", ".join(missing[:5])
                          + "): chạy `flask --app wsgi db upgrade` trước khi khôi phục.")
    problems = []
    for entry in manifest["tables"]:
        table = tables.get(entry["name"])
        if table is None:
            problems.append(f"bảng {entry['name']} không có trong phiên bản này")
        elif set(entry["columns"]) != {c.name for c in table.columns}:
            problems.append(f"bảng {entry['name']}: các cột khác với bản sao lưu")
    extra = set(tables) - {entry["name"] for entry in manifest["tables"]}
    problems += [f"bảng {name} không có trong bản sao lưu" for name in sorted(extra)]
    here, there = _alembic_revision(), manifest.get("alembic_revision")
    if here and there and here != there:
        problems.append(f"phiên bản lược đồ {here} khác bản sao lưu ({there})")
    if problems:
        raise BackupError("Bản sao lưu không khớp lược đồ của cơ sở dữ liệu:\n"
                          + "\n".join(problems))
    filled = [name for name, table in tables.items()
              if db.session.execute(select(func.count()).select_from(table)).scalar()]
    if filled:
        raise BackupError("Chỉ khôi phục vào cơ sở dữ liệu trống; đã có dữ liệu trong bảng "
                          + ", ".join(filled[:5]) + (" …" if len(filled) > 5 else "") + ".")


def restore(folder: Path) -> RestoreReport:
    """Restore a backup into this (empty) database and the store, verified; the caller's unit
    of work commits. Raises :class:`BackupError` and writes no row when anything is wrong
    (blobs already copied are content-addressed: at worst orphans)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    _check_files(folder, manifest)
    _check_target(manifest)
    report = RestoreReport()
    for sha256 in manifest["blobs"]:
        data = (folder / "blobs" / sha256[:2] / sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BackupError(f"Tệp {sha256} bị hỏng trong bản sao lưu.")
        attachments.write_blob(sha256, data)
        report.blobs += 1
    tables = {table.name: table for table in _tables()}
    for entry in manifest["tables"]:
        report.tables[entry["name"]] = _load_table(tables[entry["name"]],
                                                   folder / "tables" / f"{entry['name']}.jsonl")
    db.session.flush()
    _reset_sequences(tables.values())
    _verify(manifest, report)
    audit.record("backup.restore", "backup", manifest["created_at"], actor=None,
                 details={"created_at": manifest["created_at"],
                          "from": manifest["database"], "rows": sum(report.tables.values()),
                          "blobs": report.blobs, "checkpoint": manifest["checkpoint"]["hash"]})
    return report


def _load_table(table: Table, path: Path) -> int:
    codecs = {column.name: _codec(column) for column in table.columns}
    # A table's references to itself (a criterion's parent, the document that replaced
    # another, a runoff's poll) are set once every row is in.
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    pk = list(table.primary_key.columns)
    later: dict[str, list[dict[str, Any]]] = {name: [] for name in self_refs}
    batch: list[dict[str, Any]] = []
    count = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            raw = json.loads(line)
            row = {name: _decode(codecs[name], value) for name, value in raw.items()}
            for name in self_refs:
                if row[name] is not None:
                    later[name].append({**{f"_pk_{c.name}": row[c.name] for c in pk},
                                        "_value": row[name]})
                    row[name] = None
            batch.append(row)
            count += 1
            if len(batch) >= BATCH:
                db.session.execute(insert(table), batch)
                batch = []
    if batch:
        db.session.execute(insert(table), batch)
    for name, values in later.items():
        if values:
            statement = update(table).where(
                *[c == bindparam(f"_pk_{c.name}") for c in pk]).values(
                {name: bindparam("_value")})
            db.session.execute(statement, values,
                               execution_options={"synchronize_session": False})
    return count


def _reset_sequences(tables) -> None:
    """PostgreSQL: move each table's id sequence past the restored rows."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        highest = select(func.max(column)).scalar_subquery()
        db.session.execute(select(func.setval(
            func.pg_get_serial_sequence(table.name, column.name),
            func.coalesce(highest, 0) + 1, False)))


def _verify(manifest: dict[str, Any], report: RestoreReport) -> None:
    """Row counts, blobs, audit chain against the backup's checkpoint, accounts' seals and
    polls' counts: in the transaction that wrote them."""
    from core.services import account_seal, voting

    problems = []
    tables = {table.name: table for table in _tables()}
    for entry in manifest["tables"]:
        stored = db.session.execute(select(func.count())
                                    .select_from(tables[entry["name"]])).scalar()
        if stored != entry["rows"]:
            problems.append(f"bảng {entry['name']}: {stored} dòng, bản sao lưu có "
                            f"{entry['rows']}")
    for sha256, names in sorted(attachments.referenced_blobs().items()):
        path = attachments.storage_path(sha256)
        if not path.is_file() or attachments.file_sha256(path) != sha256:
            problems.append(f"tệp {sha256} ({', '.join(sorted(names))}) thiếu hoặc hỏng")
    verification = audit.verify(against=[("của bản sao lưu", manifest["checkpoint"])],
                                use_anchor=False)
    if not verification.chain.ok:
        problems.append(f"chuỗi nhật ký hỏng tại sự kiện #{verification.chain.broken_at}: "
                        f"{verification.chain.reason}")
    problems += verification.problems
    problems += [f"tài khoản {name}: dấu niêm phong không khớp"
                 for name in account_seal.broken_accounts()]
    problems += voting.consistency_problems()
    if problems:
        raise BackupError("Khôi phục không kiểm chứng được (không ghi gì):\n"
                          + "\n".join(problems))
    report.audit_events = verification.chain.checked
    report.head = verification.chain.head
