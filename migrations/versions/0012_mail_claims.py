"""Mail: claims, a stable Message-ID, back-off, and mails failed for good

Every existing mail gets a Message-ID of its own (kept for its retries) and is due
at once if still pending. Going down, a failed mail becomes a pending one that has
used up its tries: the outbox still shows it, and nothing retries it.

Revision ID: c4e1a2b3d016
Revises: fce704f7f0de
Create Date: 2026-12-02 09:00:00.000000

"""
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

from alembic import op
import sqlalchemy as sa

import meeting_app.models


# revision identifiers, used by Alembic.
revision = 'c4e1a2b3d016'
down_revision = 'fce704f7f0de'
branch_labels = None
depends_on = None

# MAX_ATTEMPTS of the mail code before this revision.
OLD_MAX_ATTEMPTS = 10


def _domain() -> str:
    # The app's setting when run by `flask db upgrade` (as meeting_app/mail/models.py).
    try:
        from flask import current_app

        config = current_app.config
    except RuntimeError:
        config = {}
    return (
        config.get("MAIL_MESSAGE_ID_DOMAIN")
        or urlsplit(config.get("PUBLIC_URL") or "").hostname
        or "meetings.invalid"
    )


def upgrade():
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', meeting_app.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', meeting_app.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=40), server_default='', nullable=False))

    mails = sa.table(
        'outgoing_mails',
        sa.column('id', sa.Integer),
        sa.column('status', sa.String),
        sa.column('created_at', meeting_app.models.UTCDateTime(timezone=True)),
        sa.column('message_id', sa.String),
        sa.column('next_attempt_at', meeting_app.models.UTCDateTime(timezone=True)),
    )
    connection = op.get_bind()
    domain = _domain()
    ids = connection.execute(sa.select(mails.c.id)).scalars().all()
    if ids:
        connection.execute(
            mails.update().where(mails.c.id == sa.bindparam('mail_id')).values(message_id=sa.bindparam('new_id')),
            [{'mail_id': i, 'new_id': f'<{uuid.uuid4().hex}@{domain}>'} for i in ids],
        )
    # Pending mails are due now; the others keep the time they were made.
    connection.execute(mails.update().where(mails.c.status == 'pending').values(next_attempt_at=datetime.now(UTC)))
    connection.execute(mails.update().where(mails.c.next_attempt_at.is_(None)).values(next_attempt_at=mails.c.created_at))

    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.alter_column('message_id', existing_type=sa.String(length=250), nullable=False)
        batch_op.alter_column('next_attempt_at', existing_type=meeting_app.models.UTCDateTime(timezone=True), nullable=False)
        batch_op.alter_column('claimed_by', existing_type=sa.String(length=40), server_default=None)
        batch_op.create_index('ix_outgoing_mails_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    op.execute(
        f"UPDATE outgoing_mails SET status = 'pending', attempts = {OLD_MAX_ATTEMPTS} "
        "WHERE status = 'failed'"
    )
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_mails_status_next_attempt_at')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('message_id')
