"""verified totals: each member unit's self and verified totals and rank, stored when the
campaign's verification is locked (read by the board's dashboard and the history)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 00:00:00

"""
import sqlalchemy as sa
from alembic import op

from core.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'verified_totals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('self_total', sa.Numeric(precision=9, scale=2), nullable=False),
        sa.Column('verified_total', sa.Numeric(precision=9, scale=2), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('locked_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('rank >= 1', name=op.f('ck_verified_totals_rank_positive')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name=op.f('fk_verified_totals_campaign_id_campaigns'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_verified_totals_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verified_totals')),
        sa.UniqueConstraint('campaign_id', 'unit_id', name='uq_verified_totals_campaign_unit'),
    )
    op.create_index(op.f('ix_verified_totals_campaign_id'), 'verified_totals', ['campaign_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_verified_totals_campaign_id'), table_name='verified_totals')
    op.drop_table('verified_totals')
