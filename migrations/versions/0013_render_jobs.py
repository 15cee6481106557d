"""Print and render jobs in the database; one drawing ahead at a time

Jobs kept their state in JSON files of one server's instance/renders folder: there
is nothing to carry over (a job lasted a day at most), and the folder can go.

Revision ID: d5f2b3c4e017
Revises: c4e1a2b3d016
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import meeting_app.models


# revision identifiers, used by Alembic.
revision = 'd5f2b3c4e017'
down_revision = 'c4e1a2b3d016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('render_jobs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('parts', sa.Integer(), nullable=False),
    sa.Column('parts_started', sa.Integer(), nullable=False),
    sa.Column('parts_done', sa.Integer(), nullable=False),
    sa.Column('heartbeat_at', meeting_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', meeting_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', meeting_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failure', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_render_jobs_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_render_jobs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_render_jobs'))
    )
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_render_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_render_jobs_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('render_job_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['render_jobs.id'], name=op.f('fk_render_job_parts_job_id_render_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_render_job_parts')),
    sa.UniqueConstraint('job_id', 'number', name=op.f('uq_render_job_parts_job_id'))
    )

    op.create_table('badge_drawings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('claimed_at', meeting_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('again', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_badge_drawings_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_drawings')),
    sa.UniqueConstraint('meeting_id', 'format', 'language', name=op.f('uq_badge_drawings_meeting_id'))
    )


def downgrade():
    op.drop_table('badge_drawings')
    op.drop_table('render_job_parts')
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_render_jobs_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_render_jobs_created_at'))
    op.drop_table('render_jobs')
