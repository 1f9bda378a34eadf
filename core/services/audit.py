"""The audit log: every write appends one event, in the same transaction as the write.

Tamper evidence against whoever can write the database (issue 14):

- Each event's hash is an HMAC-SHA-256, keyed with the **audit key**, over its content and the
  previous event's hash. The key is not in the database (``THIDUA_AUDIT_KEY``, else the
  instance file ``audit_key``, else derived from the secret key), so rewriting an event and
  recomputing the chain needs the key: ``flask --app wsgi audit verify`` names the first event
  whose link or content is wrong.
- Deleting the newest events leaves a valid, shorter chain. Two things outside the database
  catch it: the **anchor** (a small file, by default ``instance/audit-anchor.json``, rewritten
  after every commit that recorded events with the newest event's id and hash, keyed), and
  **checkpoints** (``flask --app wsgi audit checkpoint --out FILE``: the head, keyed, to keep
  elsewhere; ``audit verify --against FILE`` compares). Events deleted after the last anchor
  write are not detectable: the anchor is written right after each commit.
- ``prev_hash`` is unique in the database, so two concurrent writers cannot fork the chain
  (one of them fails and its whole action is rolled back). On PostgreSQL a transaction-scoped
  advisory lock serialises appends.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, has_app_context
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from core.extensions import db
from core.models import GENESIS_HASH, AuditEvent, User
from core.services import clock

_ADVISORY_LOCK_KEY = 0x7468_6964  # "thid"
AUDIT_KEY_FILE = "audit_key"
CHECKPOINT_VERSION = 1


class MissingAuditKey(RuntimeError):
    """Neither an audit key nor a secret key is configured."""


def audit_key() -> bytes:
    """The key of the chain: ``THIDUA_AUDIT_KEY``, else the instance file ``audit_key``, else
    derived (HKDF) from the secret key. Never stored in the database."""
    app = current_app
    material = app.config.get("THIDUA_AUDIT_KEY") or ""
    if not material:
        path = Path(app.instance_path) / AUDIT_KEY_FILE
        try:
            material = path.read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            material = ""
    if not material:
        material = app.config.get("SECRET_KEY") or ""
    if not material:
        raise MissingAuditKey("No audit key: set THIDUA_AUDIT_KEY or THIDUA_SECRET_KEY.")
    cache = app.extensions.setdefault("thidua_audit_keys", {})
    key = cache.get(material)
    if key is None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"thidua audit chain v1").derive(str(material).encode("utf-8"))
        cache[material] = key
    return key


def keyed(label: str, payload: str) -> str:
    """HMAC-SHA-256 of ``payload`` under the audit key, for the purpose ``label``."""
    return hmac.new(audit_key(), f"{label}\n{payload}".encode(), hashlib.sha256).hexdigest()


def _digest(prev_hash: str, at: datetime, actor: str, action: str, object_type: str,
            object_id: str, details: dict[str, Any]) -> str:
    payload = json.dumps(
        [prev_hash, at.astimezone(UTC).isoformat(timespec="microseconds"), actor, action, object_type,
         object_id, details],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return keyed("event", payload)


def head_hash() -> str:
    """The hash of the newest event (the genesis hash when the log is empty)."""
    last = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS_HASH


def lock() -> None:
    """Serialise audited writes until the end of the transaction: on PostgreSQL, take the
    transaction-scoped advisory lock (taking it again in the same transaction does not wait;
    it is released when the unit of work commits or rolls back). Other databases serialise
    writers themselves. A service may take it early, before checking what a concurrent
    writer may have just done."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})


def record(action: str, object_type: str, object_id: Any, *, actor: User | None,
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Append an event to the current transaction; the unit of work commits it with the
    write it records. Several events in one transaction chain in the order they are
    recorded (each one is flushed before the next reads the head)."""
    session = db.session
    lock()
    session.flush()
    prev = head_hash()
    at = clock.now()
    actor_name = actor.username if actor is not None else "system"
    details = json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))
    event = AuditEvent(
        at=at, actor_id=actor.id if actor is not None else None, actor=actor_name,
        action=action, object_type=object_type, object_id=str(object_id),
        details=details, prev_hash=prev,
        hash=_digest(prev, at, actor_name, action, object_type, str(object_id), details),
    )
    session.add(event)
    session.flush()
    session.info["thidua_audit_recorded"] = True
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str
    broken_at: int | None = None
    reason: str = ""
    head_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain() -> ChainReport:
    """Recompute every keyed hash in order; report the first event whose link or content is
    wrong (a rewritten event, an inserted one, or one deleted inside the chain)."""
    prev = GENESIS_HASH
    checked = 0
    head_id = None
    for ev in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if ev.prev_hash != prev:
            return ChainReport(checked, prev, ev.id, "previous hash does not match", head_id)
        expected = _digest(prev, ev.at, ev.actor, ev.action, ev.object_type,
                           ev.object_id, ev.details)
        if not hmac.compare_digest(expected, ev.hash):
            return ChainReport(checked, prev, ev.id, "content does not match its keyed hash",
                               head_id)
        prev = ev.hash
        head_id = ev.id
        checked += 1
    return ChainReport(checked, prev, head_id=head_id)


# -- checkpoints and the anchor: the head, kept outside the database ----------------------

def _signed_head(event_id: int, event_hash: str, count: int | None) -> dict[str, Any]:
    body = {"version": CHECKPOINT_VERSION, "event_id": event_id, "hash": event_hash,
            "count": count, "at": clock.now().isoformat()}
    body["mac"] = keyed("checkpoint", _canonical(body))
    return body


def _canonical(body: dict[str, Any]) -> str:
    return json.dumps({k: body[k] for k in ("version", "event_id", "hash", "count")},
                      sort_keys=True, separators=(",", ":"))


def checkpoint() -> dict[str, Any]:
    """The chain's head now, keyed: to export and keep outside the database."""
    row = db.session.execute(select(AuditEvent.id, AuditEvent.hash)
                             .order_by(AuditEvent.id.desc()).limit(1)).first()
    count = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if row is None:
        return _signed_head(0, GENESIS_HASH, 0)
    return _signed_head(row.id, row.hash, count)


def check_checkpoint(body: Any, *, source: str) -> list[str]:
    """What is wrong between the database and a checkpoint (or the anchor): its key, the
    event it names (missing, or with another hash: deleted or rewritten events), and the
    number of events up to it."""
    if not isinstance(body, dict) or not {"version", "event_id", "hash", "count", "mac"} <= set(body):
        return [f"{source}: không phải một mốc kiểm tra nhật ký hợp lệ."]
    try:
        expected = keyed("checkpoint", _canonical(body))
    except (TypeError, ValueError):
        return [f"{source}: không phải một mốc kiểm tra nhật ký hợp lệ."]
    if not hmac.compare_digest(expected, str(body["mac"])):
        return [f"{source}: chữ ký của mốc không đúng khóa nhật ký (mốc bị sửa hoặc từ hệ "
                f"thống khác)."]
    event_id, count = int(body["event_id"]), body["count"]
    if event_id == 0:
        return []
    stored = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == event_id))
    if stored is None:
        newest = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        return [f"{source}: sự kiện #{event_id} đã ghi nhận trong mốc không còn trong nhật ký "
                f"(sự kiện mới nhất còn lại là #{newest}): nhật ký đã bị xóa bớt."]
    if stored != body["hash"]:
        return [f"{source}: sự kiện #{event_id} có mã khác với mốc: nhật ký đã bị viết lại."]
    up_to = db.session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.id <= event_id)) or 0
    if count is not None and up_to != count:
        return [f"{source}: mốc ghi {count} sự kiện đến #{event_id}, nhật ký còn {up_to}."]
    return []


def anchor_path() -> Path | None:
    """Where the anchor lives (``THIDUA_AUDIT_ANCHOR``; empty turns it off)."""
    configured = current_app.config.get("THIDUA_AUDIT_ANCHOR")
    if configured is None:
        return Path(current_app.instance_path) / "audit-anchor.json"
    return Path(configured) if configured else None


def read_anchor() -> dict[str, Any] | None:
    path = anchor_path()
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"version": None}


def _write_anchor(event_id: int, event_hash: str, count: int | None) -> None:
    """Move the anchor forward (never back) to the newest committed event."""
    path = anchor_path()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a+") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        current = read_anchor() or {}
        if isinstance(current.get("event_id"), int) and current["event_id"] >= event_id:
            return
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_signed_head(event_id, event_hash, count)), encoding="utf-8")
        os.replace(tmp, path)


@event.listens_for(Session, "before_commit")
def _remember_head(session: Session) -> None:
    if not session.info.pop("thidua_audit_recorded", False) or not has_app_context():
        return
    row = session.execute(select(AuditEvent.id, AuditEvent.hash)
                          .order_by(AuditEvent.id.desc()).limit(1)).first()
    if row is not None:
        # No count here (a full count per commit grows with the log); checkpoints carry one.
        session.info["thidua_audit_head"] = (row.id, row.hash, None)


@event.listens_for(Session, "after_commit")
def _move_anchor(session: Session) -> None:
    head = session.info.pop("thidua_audit_head", None)
    if head is not None and has_app_context():
        try:
            _write_anchor(*head)
        except OSError as exc:  # the write is committed; say so loudly, do not fail it
            current_app.logger.error("audit anchor not written: %s", exc)


@event.listens_for(Session, "after_soft_rollback")
def _forget_head(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop("thidua_audit_recorded", None)
        session.info.pop("thidua_audit_head", None)


@dataclass
class AuditVerification:
    """Everything ``audit verify`` checks, with the problems in plain words."""
    chain: ChainReport
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def verify(*, against: list[tuple[str, Any]] = (), use_anchor: bool = True) -> AuditVerification:
    """The keyed chain, the anchor and any checkpoints given as (name, parsed JSON)."""
    report = AuditVerification(verify_chain())
    if use_anchor:
        anchor = read_anchor()
        if anchor is not None:
            report.problems += check_checkpoint(anchor, source=f"mốc neo {anchor_path()}")
    for name, body in against:
        report.problems += check_checkpoint(body, source=f"mốc {name}")
    return report
