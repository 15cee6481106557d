"""Registration forms that organisers design: questions, answers, uploaded files,
built-in fields a meeting hides, and photos on badges

Revision ID: b9d6f7a8c021
Revises: a8c5e6f7b020
Create Date: 2026-12-07 17:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

from meeting_app.models import UTCDateTime

# revision identifiers, used by Alembic.
revision = "b9d6f7a8c021"
down_revision = "a8c5e6f7b020"
branch_labels = None
depends_on = None

TYPES = (
    "section", "text", "paragraph", "number", "date", "yes_no", "choice", "choices",
    "country", "email", "phone", "file", "photo",
)  # fmt: skip


def upgrade():
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stored_files_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stored_files_participant_id"), ["participant_id"], unique=False
        )

    op.create_table(
        "form_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(*TYPES, name="questiontype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("help", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("condition_question_id", sa.Integer(), nullable=True),
        sa.Column("condition_values", sa.JSON(), nullable=False),
        sa.Column("organisers_only", sa.Boolean(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("max_bytes", sa.Integer(), nullable=True),
        sa.Column("archived_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_question_id"], ["form_questions.id"], ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "key", name="uq_form_questions_key"),
    )
    with op.batch_alter_table("form_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_form_questions_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "form_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["stored_files.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["form_questions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "question_id", name="uq_form_answers_question"),
    )
    with op.batch_alter_table("form_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_answers_file_id"), ["file_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_form_answers_question_id"), ["question_id"], unique=False
        )

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden_fields", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("photo_on_badges", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("photo_on_badges")
        batch_op.drop_column("hidden_fields")
    op.drop_table("form_answers")
    op.drop_table("form_questions")
    op.drop_table("stored_files")
