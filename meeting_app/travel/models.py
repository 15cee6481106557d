"""Arrivals and departures, the meeting's hotels and room blocks, who sleeps
where, and travel support (sponsored participation)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow

if TYPE_CHECKING:
    from meeting_app.meetings.models import Meeting
    from meeting_app.registration.models import Participant


class TravelDetails(Base):
    """A participant's arrival and departure (local times where the meeting is)."""

    __tablename__ = "travel_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), unique=True
    )
    arrival_date: Mapped[date | None]
    arrival_time: Mapped[time | None]
    arrival_flight: Mapped[str] = mapped_column(sa.String(20), default="")
    arrival_airport: Mapped[str] = mapped_column(sa.String(100), default="")
    departure_date: Mapped[date | None]
    departure_time: Mapped[time | None]
    departure_flight: Mapped[str] = mapped_column(sa.String(20), default="")
    departure_airport: Mapped[str] = mapped_column(sa.String(100), default="")
    airport_transfer: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    participant: Mapped[Participant] = relationship()


class Hotel(Base):
    __tablename__ = "hotels"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    meeting: Mapped[Meeting] = relationship()
    blocks: Mapped[list[RoomBlock]] = relationship(
        back_populates="hotel", cascade="all, delete-orphan", order_by="RoomBlock.id"
    )


class RoomBlock(Base):
    """Rooms of one type held at a hotel for the same nights. `rooms_taken` is
    changed only by one conditional UPDATE (as seats are, registration/seats.py):
    a block is never overbooked, however many people choose at once."""

    __tablename__ = "room_blocks"
    __table_args__ = (
        sa.CheckConstraint("rooms >= 0", name="rooms_not_negative"),
        sa.CheckConstraint("rooms_taken >= 0", name="rooms_taken_not_negative"),
        sa.CheckConstraint("last_night >= first_night", name="nights_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hotel_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hotels.id", ondelete="CASCADE"), index=True
    )
    room_type: Mapped[str] = mapped_column(sa.String(100))
    first_night: Mapped[date]
    last_night: Mapped[date]
    rooms: Mapped[int]
    rooms_taken: Mapped[int] = mapped_column(default=0, server_default="0")

    hotel: Mapped[Hotel] = relationship(back_populates="blocks")


class HotelBooking(Base):
    """The room block a participant chose, and with whom they share (by name)."""

    __tablename__ = "hotel_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), unique=True
    )
    block_id: Mapped[int] = mapped_column(
        sa.ForeignKey("room_blocks.id", ondelete="CASCADE"), index=True
    )
    share_with: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped[Participant] = relationship()
    block: Mapped[RoomBlock] = relationship()


class FundingDecision(LabelledEnum):
    PENDING = "pending"
    FUNDED = "funded"
    PARTLY_FUNDED = "partly_funded"
    NOT_FUNDED = "not_funded"


set_labels(
    FundingDecision,
    {
        FundingDecision.PENDING: _l("Awaiting a decision"),
        FundingDecision.FUNDED: _l("Funded"),
        FundingDecision.PARTLY_FUNDED: _l("Partly funded"),
        FundingDecision.NOT_FUNDED: _l("Not funded"),
    },
)


class Sponsorship(Base):
    """A request for travel support and the organisers' decision and follow-up:
    organisers only, never in public lists."""

    __tablename__ = "sponsorships"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), unique=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    request_note: Mapped[str] = mapped_column(sa.Text, default="")
    decision: Mapped[FundingDecision] = mapped_column(
        enum_column(FundingDecision), default=FundingDecision.PENDING, index=True
    )
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str] = mapped_column(sa.String(254), default="")
    ticket_issued: Mapped[bool] = mapped_column(default=False)
    ticket_reference: Mapped[str] = mapped_column(sa.String(100), default="")
    # Daily subsistence allowance: the amount is days × rate, computed, not stored.
    dsa_days: Mapped[int | None]
    dsa_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    paid: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    participant: Mapped[Participant] = relationship()

    @property
    def dsa_amount(self) -> Decimal | None:
        if self.dsa_days is None or self.dsa_rate is None:
            return None
        return self.dsa_rate * self.dsa_days
