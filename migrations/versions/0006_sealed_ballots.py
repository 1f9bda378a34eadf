"""sealed ballots: ballots sealed at cast, opened into a fresh table at close, receipts apart

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

* ``polls`` gets the sealing mode, the public key, the private key ("server" mode, until
  close), the number of committee shares needed and the receipts' digest frozen at close.
* ``receipts`` (receipt hashes, no link to ballots) and ``opened_ballots`` (the choices,
  written in random order at close) are created; the existing ballots' receipt hashes and
  choices move there, in random order.
* ``ballots`` keeps only (id, poll, sealed ciphertext). A poll still open at upgrade gets a
  "server" key pair; its earlier ballots, already in clear, are in ``opened_ballots`` and are
  counted with the sealed ones at close.

Downgrade puts the opened ballots back into ``ballots`` and pairs each with a receipt hash of
the same poll arbitrarily (the link never existed); sealed ballots of polls still open are
lost (downgrade only a database with no open poll).
"""
import random
import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('public_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('private_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('shares_needed', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('receipts_digest', sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(
            'seal_known', "seal IS NULL OR seal IN ('committee', 'server')")

    op.create_table('opened_ballots',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('choices', JSON, nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_opened_ballots_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opened_ballots'))
    )
    with op.batch_alter_table('opened_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opened_ballots_poll_id'), ['poll_id'], unique=False)

    op.create_table('receipts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('receipt_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_receipts_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts')),
    sa.UniqueConstraint('receipt_hash', name=op.f('uq_receipts_receipt_hash'))
    )
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_poll_id'), ['poll_id'], unique=False)

    bind = op.get_bind()
    ballots = sa.table('ballots', sa.column('id', sa.String), sa.column('poll_id', sa.Integer),
                       sa.column('choices', JSON), sa.column('receipt_hash', sa.String))
    opened = sa.table('opened_ballots', sa.column('id', sa.String),
                      sa.column('poll_id', sa.Integer), sa.column('choices', JSON))
    receipts = sa.table('receipts', sa.column('id', sa.String), sa.column('poll_id', sa.Integer),
                        sa.column('receipt_hash', sa.String))
    rows = bind.execute(sa.select(ballots.c.poll_id, ballots.c.choices,
                                  ballots.c.receipt_hash)).all()
    shuffle = random.SystemRandom().shuffle
    choices = [{'id': str(uuid.uuid4()), 'poll_id': r.poll_id, 'choices': r.choices}
               for r in rows]
    hashes = [{'id': str(uuid.uuid4()), 'poll_id': r.poll_id, 'receipt_hash': r.receipt_hash}
              for r in rows]
    shuffle(choices)
    shuffle(hashes)
    if rows:
        bind.execute(opened.insert(), choices)
        bind.execute(receipts.insert(), hashes)
        bind.execute(ballots.delete())

    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ballots_receipt_hash'), type_='unique')
        batch_op.drop_column('receipt_hash')
        batch_op.drop_column('choices')
        batch_op.add_column(sa.Column('sealed', sa.LargeBinary(), nullable=False))

    # Polls still open get a key kept by the server until close ("server" mode).
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    polls = sa.table('polls', sa.column('id', sa.Integer), sa.column('status', sa.String),
                     sa.column('seal', sa.String), sa.column('public_key', sa.String),
                     sa.column('private_key', sa.String))
    raw = serialization.Encoding.Raw
    for (poll_id,) in bind.execute(sa.select(polls.c.id).where(polls.c.status == 'open')).all():
        private = X25519PrivateKey.generate()
        bind.execute(polls.update().where(polls.c.id == poll_id).values(
            seal='server',
            private_key=private.private_bytes(raw, serialization.PrivateFormat.Raw,
                                              serialization.NoEncryption()).hex(),
            public_key=private.public_key().public_bytes(
                raw, serialization.PublicFormat.Raw).hex()))


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text('DELETE FROM ballots'))
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('sealed')
        batch_op.add_column(sa.Column('choices', JSON, nullable=True))
        batch_op.add_column(sa.Column('receipt_hash', sa.String(length=64), nullable=True))

    opened = sa.table('opened_ballots', sa.column('poll_id', sa.Integer),
                      sa.column('choices', JSON))
    receipts = sa.table('receipts', sa.column('poll_id', sa.Integer),
                        sa.column('receipt_hash', sa.String))
    ballots = sa.table('ballots', sa.column('id', sa.String), sa.column('poll_id', sa.Integer),
                       sa.column('choices', JSON), sa.column('receipt_hash', sa.String))
    by_poll: dict[int, list[str]] = {}
    for r in bind.execute(sa.select(receipts.c.poll_id, receipts.c.receipt_hash)).all():
        by_poll.setdefault(r.poll_id, []).append(r.receipt_hash)
    rows = []
    for r in bind.execute(sa.select(opened.c.poll_id, opened.c.choices)).all():
        spare = by_poll.get(r.poll_id) or []
        rows.append({'id': str(uuid.uuid4()), 'poll_id': r.poll_id, 'choices': r.choices,
                     'receipt_hash': spare.pop() if spare else uuid.uuid4().hex * 2})
    if rows:
        bind.execute(ballots.insert(), rows)

    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.alter_column('choices', existing_type=JSON, nullable=False)
        batch_op.alter_column('receipt_hash', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_ballots_receipt_hash'),
                                          ['receipt_hash'])

    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipts_poll_id'))
    op.drop_table('receipts')
    with op.batch_alter_table('opened_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opened_ballots_poll_id'))
    op.drop_table('opened_ballots')

    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_polls_seal_known'), type_='check')
        batch_op.drop_column('receipts_digest')
        batch_op.drop_column('shares_needed')
        batch_op.drop_column('private_key')
        batch_op.drop_column('public_key')
        batch_op.drop_column('seal')
