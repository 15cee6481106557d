"""Programme booklets drawn ahead: one per meeting, published agenda version,
language and paper, shared by every worker and server (documents/booklet_store.py)

Revision ID: f3b1d2e4a021
Revises: e2a9c0d1f024
Create Date: 2026-12-14 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from meeting_app.models import UTCDateTime

# revision identifiers, used by Alembic.
revision = "f3b1d2e4a021"
down_revision = "e2a9c0d1f024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_booklets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("paper", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("drawn_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_stored_booklets_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_booklets")),
        # Also the index of the download's look-up and of the meeting's deletion.
        sa.UniqueConstraint(
            "meeting_id",
            "version",
            "language",
            "paper",
            name=op.f("uq_stored_booklets_meeting_id"),
        ),
    )


def downgrade():
    op.drop_table("stored_booklets")
