"""session version and token expiry: users.session_version (raised to end every session of a
user), api_tokens.expires_at (tokens issued before this revision have none and are no
longer accepted)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
