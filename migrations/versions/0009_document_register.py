"""issued documents as acts — the register of outgoing documents (owner: documents work)

Issuing a document becomes an act (issue 11): a number from the issuer's register of
outgoing documents (sổ đăng ký văn bản đi), a date of issue, a signer, and versions when a
document is replaced. The rows written before this revision were "issued" by the first
download after their step closed, by nobody and with no number: they are removed (their
files stay in the attachments store), and those documents are drafts again until issued.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 22:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_registers',
        sa.Column('register', sa.String(length=80), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('series', sa.String(length=20), nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('register', 'year', 'series', name=op.f('pk_document_registers')),
    )
    op.execute("DELETE FROM issued_documents")
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.drop_constraint('uq_issued_documents_name', type_='unique')
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('title', sa.String(length=300), nullable=False))
        batch_op.add_column(sa.Column('register', sa.String(length=80), nullable=False))
        batch_op.add_column(sa.Column('register_year', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('series', sa.String(length=20), nullable=False))
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('number_text', sa.String(length=80), nullable=False))
        batch_op.add_column(sa.Column('document_date', sa.Date(), nullable=False))
        batch_op.add_column(sa.Column('signer_title', sa.String(length=300), nullable=False))
        batch_op.add_column(sa.Column('signer_name', sa.String(length=200), nullable=False))
        batch_op.add_column(sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('replaced_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replace_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('replacement_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_issued_documents_replaced_by_users'),
                                    'users', ['replaced_by'], ['id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_issued_documents_replacement_id_issued_documents'),
            'issued_documents', ['replacement_id'], ['id'])
        batch_op.create_unique_constraint('uq_issued_documents_version',
                                          ['campaign_id', 'name', 'version'])
        batch_op.create_unique_constraint('uq_issued_documents_number',
                                          ['register', 'register_year', 'series', 'number'])


def downgrade():
    op.execute("DELETE FROM issued_documents")
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.drop_constraint('uq_issued_documents_number', type_='unique')
        batch_op.drop_constraint('uq_issued_documents_version', type_='unique')
        batch_op.drop_constraint(
            batch_op.f('fk_issued_documents_replacement_id_issued_documents'),
            type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_issued_documents_replaced_by_users'),
                                 type_='foreignkey')
        for column in ('replacement_id', 'replace_reason', 'replaced_by', 'replaced_at',
                       'signer_name', 'signer_title', 'document_date', 'number_text', 'number',
                       'series', 'register_year', 'register', 'title', 'version'):
            batch_op.drop_column(column)
        batch_op.create_unique_constraint('uq_issued_documents_name', ['campaign_id', 'name'])
    op.drop_table('document_registers')
