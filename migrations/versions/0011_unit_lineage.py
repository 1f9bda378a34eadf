"""unit renames, merges and splits; per-unit yearly flags (owner: units work)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 22:45:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
