"""Travel and hotels, sponsored participation, and a participant's gender (for
the funding balance donors ask about)

Revision ID: c0e7a8b9d022
Revises: b9d6f7a8c021
Create Date: 2026-12-07 17:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

from meeting_app.models import UTCDateTime

# revision identifiers, used by Alembic.
revision = "c0e7a8b9d022"
down_revision = "b9d6f7a8c021"
branch_labels = None
depends_on = None

DECISIONS = ("pending", "funded", "partly_funded", "not_funded")


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("travel_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "sponsorship_enabled", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("gender", sa.String(length=20), nullable=False, server_default="")
        )

    op.create_table(
        "travel_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("arrival_date", sa.Date(), nullable=True),
        sa.Column("arrival_time", sa.Time(), nullable=True),
        sa.Column("arrival_flight", sa.String(length=20), nullable=False),
        sa.Column("arrival_airport", sa.String(length=100), nullable=False),
        sa.Column("departure_date", sa.Date(), nullable=True),
        sa.Column("departure_time", sa.Time(), nullable=True),
        sa.Column("departure_flight", sa.String(length=20), nullable=False),
        sa.Column("departure_airport", sa.String(length=100), nullable=False),
        sa.Column("airport_transfer", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id"),
    )
    op.create_table(
        "hotels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hotels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotels_meeting_id"), ["meeting_id"], unique=False)
    op.create_table(
        "room_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hotel_id", sa.Integer(), nullable=False),
        sa.Column("room_type", sa.String(length=100), nullable=False),
        sa.Column("first_night", sa.Date(), nullable=False),
        sa.Column("last_night", sa.Date(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("rooms_taken", sa.Integer(), nullable=False, server_default="0"),
        sa.CheckConstraint("rooms >= 0", name="rooms_not_negative"),
        sa.CheckConstraint("rooms_taken >= 0", name="rooms_taken_not_negative"),
        sa.CheckConstraint("last_night >= first_night", name="nights_in_order"),
        sa.ForeignKeyConstraint(["hotel_id"], ["hotels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("room_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_blocks_hotel_id"), ["hotel_id"], unique=False)
    op.create_table(
        "hotel_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("share_with", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["block_id"], ["room_blocks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id"),
    )
    with op.batch_alter_table("hotel_bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotel_bookings_block_id"), ["block_id"], unique=False)
    op.create_table(
        "sponsorships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("request_note", sa.Text(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(*DECISIONS, name="fundingdecision", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=False),
        sa.Column("ticket_issued", sa.Boolean(), nullable=False),
        sa.Column("ticket_reference", sa.String(length=100), nullable=False),
        sa.Column("dsa_days", sa.Integer(), nullable=True),
        sa.Column("dsa_rate", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id"),
    )
    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sponsorships_decision"), ["decision"], unique=False)


def downgrade():
    op.drop_table("sponsorships")
    op.drop_table("hotel_bookings")
    op.drop_table("room_blocks")
    op.drop_table("hotels")
    op.drop_table("travel_details")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("gender")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("sponsorship_enabled")
        batch_op.drop_column("travel_enabled")
