"""Each meeting's wording of its automatic mails, reminders sent once per person,
and files sent with mails

Revision ID: a8c5e6f7b020
Revises: f7b4d5e6a019
Create Date: 2026-12-07 17:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from meeting_app.models import UTCDateTime

# revision identifiers, used by Alembic.
revision = "a8c5e6f7b020"
down_revision = "f7b4d5e6a019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "key", "language", name="uq_mail_texts_key"),
    )

    op.create_table(
        "mail_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mail_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mail_attachments_meeting_id"), ["meeting_id"], unique=False
        )

    with op.batch_alter_table("outgoing_mails", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attachment_ids", sa.JSON(), nullable=False, server_default="[]")
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]")
        )

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_days_before", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("visa_reminder_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "certificate_reminder", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )

    op.create_table(
        "sent_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mail_id"], ["outgoing_mails.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "kind", name="uq_sent_reminders_person_kind"),
    )
    with op.batch_alter_table("sent_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sent_reminders_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade():
    op.drop_table("sent_reminders")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("certificate_reminder")
        batch_op.drop_column("visa_reminder_days")
        batch_op.drop_column("reminder_days_before")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("attachments")
    with op.batch_alter_table("outgoing_mails", schema=None) as batch_op:
        batch_op.drop_column("attachment_ids")
    op.drop_table("mail_attachments")
    op.drop_table("mail_texts")
