"""keyed audit chain and sealed accounts: the chain's hashes become HMAC-SHA-256 under the
audit key (not in the database); users.integrity_tag seals the fields that decide what an
account may do. The existing chain is checked before it is rekeyed: a broken chain stops
the upgrade (rekeying it would hide the break).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 23:10:00

"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from core.models.types import JSONType, UTCDateTime

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("at", UTCDateTime()),
                  sa.column("actor", sa.String), sa.column("action", sa.String),
                  sa.column("object_type", sa.String), sa.column("object_id", sa.String),
                  sa.column("details", JSONType), sa.column("prev_hash", sa.String),
                  sa.column("hash", sa.String))


def _payload(prev, row):
    return json.dumps(
        [prev, row.at.astimezone(UTC).isoformat(timespec="microseconds"), row.actor,
         row.action, row.object_type, row.object_id, row.details],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _plain(prev, row):
    return hashlib.sha256(_payload(prev, row).encode("utf-8")).hexdigest()


def _keyed(prev, row):
    from core.services import audit

    return audit.keyed("event", _payload(prev, row))


def _rechain(old, new, what):
    bind = op.get_bind()
    rows = bind.execute(sa.select(events).order_by(events.c.id)).fetchall()
    prev_old, prev_new = GENESIS, GENESIS
    for row in rows:
        if row.prev_hash != prev_old or old(prev_old, row) != row.hash:
            raise RuntimeError(f"audit chain broken at event #{row.id} ({what}): not rekeyed; "
                               f"run `flask --app wsgi audit verify` on the previous version")
        new_hash = new(prev_new, row)
        bind.execute(events.update().where(events.c.id == row.id)
                     .values(prev_hash=prev_new, hash=new_hash))
        prev_old, prev_new = row.hash, new_hash


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('integrity_tag', sa.String(length=64), nullable=True))
    _rechain(_plain, _keyed, "unkeyed chain")
    from core.services import account_seal

    bind = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("integrity_tag", sa.String),
                     *(sa.column(name) for name in account_seal.SEALED_FIELDS))
    for row in bind.execute(sa.select(users)).fetchall():
        values = dict(row._mapping)
        values.update(active=bool(values["active"]), is_admin=bool(values["is_admin"]),
                      is_board=bool(values["is_board"]),
                      session_version=values["session_version"] or 0)
        bind.execute(users.update().where(users.c.id == row.id)
                     .values(integrity_tag=account_seal.tag_of(values)))


def downgrade():
    _rechain(_keyed, _plain, "keyed chain")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('integrity_tag')
