"""Check-in at the desk: one standing check-in per participant and day, scan ids,
undo kept as a record; whether the desk approves its walk-ins

Revision ID: 3950087ae7c3
Revises: 6ea603a2494f
Create Date: 2026-11-29 03:39:16.055760

"""
from alembic import op
import sqlalchemy as sa

import meeting_app.models


# revision identifiers, used by Alembic.
revision = '3950087ae7c3'
down_revision = '6ea603a2494f'
branch_labels = None
depends_on = None

ACTIVE = sa.text('cancelled_at IS NULL')


def upgrade():
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        # Existing rows get a day below; the default only lets the column be added.
        batch_op.add_column(sa.Column('day', sa.Date(), nullable=False, server_default='1970-01-01'))
        batch_op.add_column(sa.Column('scan_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', meeting_app.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_check_ins_scan_id'), ['scan_id'])
        batch_op.create_foreign_key(batch_op.f('fk_check_ins_cancelled_by_user_id_users'), 'users', ['cancelled_by_user_id'], ['id'], ondelete='SET NULL')

    # Rows from before: their day is the (UTC) date they were made; a second one
    # the same day is kept, as undone, so that the unique index can be built.
    op.execute("UPDATE check_ins SET day = date(checked_in_at)")
    op.execute(
        "UPDATE check_ins SET cancelled_at = checked_in_at WHERE id NOT IN "
        "(SELECT min_id FROM (SELECT MIN(id) AS min_id FROM check_ins "
        "GROUP BY participant_id, day) AS firsts)"
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.alter_column('day', existing_type=sa.Date(), server_default=None)
        batch_op.create_index('uq_check_ins_participant_day_active', ['participant_id', 'day'], unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('desk_approves_walk_ins', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('desk_approves_walk_ins')

    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index('uq_check_ins_participant_day_active', sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.drop_constraint(batch_op.f('fk_check_ins_cancelled_by_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_check_ins_scan_id'), type_='unique')
        batch_op.drop_column('cancelled_by_user_id')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('scan_id')
        batch_op.drop_column('day')
