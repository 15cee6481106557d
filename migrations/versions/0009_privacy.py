"""Privacy: the audit log of staff actions on personal data, each meeting's
retention period for sensitive fields, erased participants

Revision ID: f16df96c2b35
Revises: 3950087ae7c3
Create Date: 2026-11-29 04:25:15.870736

"""
from alembic import op
import sqlalchemy as sa

import meeting_app.models


# revision identifiers, used by Alembic.
revision = 'f16df96c2b35'
down_revision = '3950087ae7c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', meeting_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_audit_entries_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_audit_entries_participant_id_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_entries_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_participant_id'), ['participant_id'], unique=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days_after_end', sa.Integer(), server_default='30', nullable=False))

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', meeting_app.models.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('retention_days_after_end')

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_participant_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
