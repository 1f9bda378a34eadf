"""unit renames, merges and splits; per-unit yearly flags (owner: units work)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 22:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('decision_number', sa.String(length=120), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('decision_issuer', sa.String(length=200), server_default='', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('rename', 'merge', 'split')", name=op.f('ck_unit_events_kind_known')),
    sa.CheckConstraint('length(decision_number) > 0', name=op.f('ck_unit_events_decision_number_given')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_unit_events_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_events'))
    )
    with op.batch_alter_table('unit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_events_effective_on'), ['effective_on'], unique=False)

    op.create_table('unit_event_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=20), nullable=False),
    sa.Column('carries_history', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_unit', sa.Boolean(), server_default='0', nullable=False),
    sa.CheckConstraint("side IN ('source', 'successor')", name=op.f('ck_unit_event_links_side_known')),
    sa.CheckConstraint("side = 'successor' OR NOT carries_history", name=op.f('ck_unit_event_links_carrier_is_successor')),
    sa.ForeignKeyConstraint(['event_id'], ['unit_events.id'], name=op.f('fk_unit_event_links_event_id_unit_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_event_links_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_event_links')),
    sa.UniqueConstraint('event_id', 'unit_id', 'side', name='uq_unit_event_links_one')
    )
    with op.batch_alter_table('unit_event_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_event_links_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_event_links_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=80), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['unit_events.id'], name=op.f('fk_unit_names_event_id_unit_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_names_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_names')),
    sa.UniqueConstraint('unit_id', 'valid_from', name='uq_unit_names_unit_from')
    )
    with op.batch_alter_table('unit_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_names_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_year_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_by', sa.Integer(), nullable=True),
    sa.Column('clear_reason', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("kind IN ('discipline', 'inspection', 'complaint')", name=op.f('ck_unit_year_flags_kind_known')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_unit_year_flags_year_range')),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_unit_year_flags_reason_given')),
    sa.CheckConstraint('cleared_at IS NULL OR length(clear_reason) > 0', name=op.f('ck_unit_year_flags_clear_reason_given')),
    sa.ForeignKeyConstraint(['cleared_by'], ['users.id'], name=op.f('fk_unit_year_flags_cleared_by_users')),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_unit_year_flags_set_by_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_year_flags_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_year_flags'))
    )
    with op.batch_alter_table('unit_year_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_year_flags_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_unit_year_flags_live', ['unit_id', 'year', 'kind'], unique=True, sqlite_where=sa.text('cleared_at IS NULL'), postgresql_where=sa.text('cleared_at IS NULL'))

    op.create_table('unit_women_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('percent >= 0 AND percent <= 100', name=op.f('ck_unit_women_shares_percent_range')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_unit_women_shares_year_range')),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_unit_women_shares_set_by_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_women_shares_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_women_shares')),
    sa.UniqueConstraint('unit_id', 'year', name='uq_unit_women_shares_unit_year')
    )
    with op.batch_alter_table('unit_women_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_women_shares_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('unit_women_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_women_shares_unit_id'))
    op.drop_table('unit_women_shares')
    with op.batch_alter_table('unit_year_flags', schema=None) as batch_op:
        batch_op.drop_index('uq_unit_year_flags_live', sqlite_where=sa.text('cleared_at IS NULL'), postgresql_where=sa.text('cleared_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_unit_year_flags_unit_id'))
    op.drop_table('unit_year_flags')
    with op.batch_alter_table('unit_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_names_unit_id'))
    op.drop_table('unit_names')
    with op.batch_alter_table('unit_event_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_event_links_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_event_links_event_id'))
    op.drop_table('unit_event_links')
    with op.batch_alter_table('unit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_events_effective_on'))
    op.drop_table('unit_events')
