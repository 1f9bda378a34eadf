"""sign-in failures per account and address (growing delays instead of a lock)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 23:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account', sa.String(length=60), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('known_good', sa.Boolean(), server_default='0', nullable=False),
        sa.CheckConstraint('failures >= 0', name='ck_sign_in_failures_nonnegative'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account', 'address', name='uq_sign_in_failures_account_address'),
    )


def downgrade():
    op.drop_table('sign_in_failures')
