"""notices, reminder preferences and sent reminders (owner: reminders work): notices (in-app
messages), notice_preferences (the reminders each person gets; no row: on), reminders_sent
(one row per reminder given, unique per person, campaign, kind, subject and slot: the daily
run never sends one twice), reminder_nudges (the step host's reminder, one a day per step),
users.email (optional, where reminders are e-mailed)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 22:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('due_7', 'due_1', 'overdue', 'poll_open', 'document_awaiting', 'nudge')", name=op.f('ck_notice_preferences_kind_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notice_preferences'))
    )
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('due_7', 'due_1', 'overdue', 'poll_open', 'document_awaiting', 'nudge')", name=op.f('ck_notices_kind_known')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_notices_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_notices_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('reminder_nudges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('deliverable', sa.String(length=30), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_by', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('units', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_reminder_nudges_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by'], ['users.id'], name=op.f('fk_reminder_nudges_sent_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_nudges')),
    sa.UniqueConstraint('campaign_id', 'deliverable', 'day', name='uq_reminder_nudges_day')
    )
    with op.batch_alter_table('reminder_nudges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_nudges_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('reminders_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('slot', sa.String(length=20), server_default='', nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mail', sa.String(length=12), server_default='skipped', nullable=False),
    sa.CheckConstraint("kind IN ('due_7', 'due_1', 'overdue', 'poll_open', 'document_awaiting', 'nudge')", name=op.f('ck_reminders_sent_kind_known')),
    sa.CheckConstraint("mail IN ('sent', 'skipped', 'failed', 'no_address', 'off')", name=op.f('ck_reminders_sent_mail_known')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_reminders_sent_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminders_sent_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders_sent')),
    sa.UniqueConstraint('user_id', 'campaign_id', 'kind', 'subject', 'slot', name='uq_reminders_sent_once')
    )
    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_sent_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_sent_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))

def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_sent_user_id'))
        batch_op.drop_index(batch_op.f('ix_reminders_sent_campaign_id'))

    op.drop_table('reminders_sent')
    with op.batch_alter_table('reminder_nudges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_nudges_campaign_id'))

    op.drop_table('reminder_nudges')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_user_read')
        batch_op.drop_index(batch_op.f('ix_notices_campaign_id'))

    op.drop_table('notices')
    op.drop_table('notice_preferences')
