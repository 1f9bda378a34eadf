"""Accounts sealed with the audit key: granting a privilege in SQL is detected and refused.

Every time the application writes a user row, it stores ``integrity_tag``, a keyed hash
(core.services.audit.keyed: the key is not in the database) of the fields that decide what
the account may do: username, password hash, active, admin, board, unit, role, session
version. A row changed by anyone without the key (``UPDATE users SET is_admin = true``) no
longer matches: the account cannot sign in or use its sessions and tokens until an admin
looks at it and reseals it (``flask --app wsgi users reseal NAME``, audited), and
``flask --app wsgi audit verify`` names it.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.extensions import db
from core.models import User

SEALED_FIELDS = ("username", "password_hash", "active", "is_admin", "is_board", "unit_id",
                 "role", "session_version")


def tag_of(values: dict[str, Any]) -> str:
    from core.services import audit

    payload = json.dumps([values.get(name) for name in SEALED_FIELDS], ensure_ascii=False,
                         separators=(",", ":"), default=str)
    return audit.keyed("account", payload)


def _values(user: User) -> dict[str, Any]:
    return {"username": user.username, "password_hash": user.password_hash,
            "active": bool(user.active), "is_admin": bool(user.is_admin),
            "is_board": bool(user.is_board), "unit_id": user.unit_id, "role": user.role,
            "session_version": user.session_version or 0}


def intact(user: User) -> bool:
    """Whether the row is as the application last wrote it."""
    tag = user.integrity_tag
    return bool(tag) and hmac.compare_digest(tag, tag_of(_values(user)))


def broken_accounts() -> list[str]:
    """Usernames whose rows were changed outside the application."""
    return [u.username for u in db.session.scalars(select(User).order_by(User.id))
            if not intact(u)]


def reseal(user: User) -> None:
    """Accept the row as it is now (the caller audits why)."""
    tag = tag_of(_values(user))
    db.session.execute(update(User).where(User.id == user.id).values(integrity_tag=tag))
    set_committed_value(user, "integrity_tag", tag)


@event.listens_for(Session, "after_flush")
def _seal_written_users(session: Session, flush_context) -> None:
    users = [o for o in (*session.new, *session.dirty) if isinstance(o, User)]
    if not users:
        return
    connection = session.connection()
    for user in users:
        if user.id is None:
            continue
        tag = tag_of(_values(user))
        if user.__dict__.get("integrity_tag") == tag:
            continue
        connection.execute(update(User.__table__).where(User.__table__.c.id == user.id)
                           .values(integrity_tag=tag))
        set_committed_value(user, "integrity_tag", tag)
