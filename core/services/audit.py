"""The audit log: every write appends one event, in the same transaction as the write.

Each event's hash covers its content and the previous event's hash; ``prev_hash`` is unique in
the database, so two concurrent writers cannot fork the chain (one of them fails and its whole
action is rolled back). On PostgreSQL a transaction-scoped advisory lock serialises appends.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from core.extensions import db
from core.models import GENESIS_HASH, AuditEvent, User
from core.services import clock

_ADVISORY_LOCK_KEY = 0x7468_6964  # "thid"


def _digest(prev_hash: str, at: datetime, actor: str, action: str, object_type: str,
            object_id: str, details: dict[str, Any]) -> str:
    payload = json.dumps(
        [prev_hash, at.astimezone(UTC).isoformat(timespec="microseconds"), actor, action, object_type,
         object_id, details],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain() -> ChainReport:
    """Recompute every hash in order; report the first event whose link or content is wrong."""
    prev = GENESIS_HASH
    checked = 0
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != prev:
            return ChainReport(checked, prev, event.id, "previous hash does not match")
        expected = _digest(prev, event.at, event.actor, event.action, event.object_type,
                           event.object_id, event.details)
        if expected != event.hash:
            return ChainReport(checked, prev, event.id, "content does not match its hash")
        prev = event.hash
        checked += 1
    return ChainReport(checked, prev)
