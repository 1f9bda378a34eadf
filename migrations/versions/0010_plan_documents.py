"""plans as data: data_blocs (blocs created by an administrator) and plan_documents (a bloc's
plan for a year as a versioned JSON document, served by the built-in plugin core.data_plans)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 22:45:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_blocs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('issuer', sa.String(length=200), server_default='', nullable=False),
    sa.Column('abbreviation', sa.String(length=40), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(code) > 0', name=op.f('ck_data_blocs_code_not_empty')),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_data_blocs_name_not_empty')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_data_blocs_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_blocs')),
    sa.UniqueConstraint('code', name=op.f('uq_data_blocs_code'))
    )
    op.create_table('plan_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bloc_code', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('schema_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('document', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('revision', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_plan_documents_revision_positive')),
    sa.CheckConstraint('schema_version >= 1', name=op.f('ck_plan_documents_schema_version_positive')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_plan_documents_year_range')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_plan_documents_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_documents')),
    sa.UniqueConstraint('bloc_code', 'year', name='uq_plan_documents_bloc_year')
    )
    with op.batch_alter_table('plan_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_documents_bloc_code'), ['bloc_code'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_documents_bloc_code'))
    op.drop_table('plan_documents')
    op.drop_table('data_blocs')
