"""form drafts: what a person typed in a form, saved as they type, and the fields of a form
posted after the session expired (held under a one-time token until sign-in)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 23:50:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('form_key', sa.String(length=200), nullable=False),
        sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                   'postgresql'), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('rescue_hash', sa.String(length=64), nullable=True),
        sa.CheckConstraint('user_id IS NOT NULL OR rescue_hash IS NOT NULL',
                           name=op.f('ck_form_drafts_owner_or_token')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_form_drafts_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_drafts')),
        sa.UniqueConstraint('rescue_hash', name=op.f('uq_form_drafts_rescue_hash')),
        sa.UniqueConstraint('user_id', 'form_key', name='uq_form_drafts_user_form'),
    )
    op.create_index('ix_form_drafts_updated_at', 'form_drafts', ['updated_at'], unique=False)


def downgrade():
    op.drop_index('ix_form_drafts_updated_at', table_name='form_drafts')
    op.drop_table('form_drafts')
