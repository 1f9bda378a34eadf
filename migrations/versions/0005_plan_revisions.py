"""plan revisions: a campaign's frozen plan is revised whole, never edited in place

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 20:30:00

Every campaign gets ``plan_revision`` (1) and its snapshot as revision 1 of the history.
"""
import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_revision', sa.Integer(), server_default='1',
                                      nullable=False))
    op.create_table('plan_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_plan_revisions_revision_positive')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_plan_revisions_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_plan_revisions_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_revisions')),
    sa.UniqueConstraint('campaign_id', 'revision', name='uq_plan_revisions_campaign_revision')
    )
    with op.batch_alter_table('plan_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_revisions_campaign_id'), ['campaign_id'], unique=False)
    # The history starts with each existing campaign's plan as it stands.
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, snapshot, frozen_at FROM campaigns")).all()
    table = sa.table('plan_revisions', sa.column('campaign_id', sa.Integer),
                     sa.column('revision', sa.Integer), sa.column('snapshot', sa.JSON),
                     sa.column('reason', sa.Text), sa.column('created_at', sa.DateTime(timezone=True)))
    for campaign_id, snapshot, frozen_at in rows:
        if isinstance(snapshot, str):
            snapshot = json.loads(snapshot)
        connection.execute(table.insert().values(campaign_id=campaign_id, revision=1,
                                                 snapshot=snapshot, reason='',
                                                 created_at=frozen_at))


def downgrade():
    with op.batch_alter_table('plan_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_revisions_campaign_id'))
    op.drop_table('plan_revisions')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('plan_revision')
