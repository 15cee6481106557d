"""Messages to participants: the message, its filter and texts, and its recipients

Revision ID: f7b4d5e6a019
Revises: e6a3c4d5f018
Create Date: 2026-12-02 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from meeting_app.models import UTCDateTime

# revision identifiers, used by Alembic.
revision = "f7b4d5e6a019"
down_revision = "e6a3c4d5f018"
branch_labels = None
depends_on = None

STATES = ("draft", "scheduled", "sending", "sent", "cancelled")


def upgrade():
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_email", sa.String(length=254), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(*STATES, name="messagestate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("send_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_send_at"), ["send_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_state"), ["state"], unique=False)

    op.create_table(
        "message_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["mail_id"], ["outgoing_mails.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "participant_id", name="uq_message_recipients_person"),
    )
    with op.batch_alter_table("message_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_recipients_mail_id"), ["mail_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_message_recipients_participant_id"), ["participant_id"], unique=False
        )


def downgrade():
    op.drop_table("message_recipients")
    op.drop_table("messages")
