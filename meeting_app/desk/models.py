from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from meeting_app.accounts.models import User
    from meeting_app.registration.models import Participant


class CheckInMethod(StrEnum):
    SCAN = "scan"
    SEARCH = "search"
    WALK_IN = "walk_in"


# Only the check-ins still standing count: an undone one stays as a record.
ACTIVE = sa.text("cancelled_at IS NULL")


class CheckIn(Base):
    """A participant's arrival at the door on one day of the meeting.

    At most one standing check-in per participant and day (a partial unique
    index, so that an undone check-in is kept and the person can be checked in
    again); `scan_id` is made by the browser for each scan, so that a scan sent
    twice (a retry, a queued scan sent after the connection came back) is
    recorded once."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    # The day of the meeting, in the meeting's time zone.
    day: Mapped[date]
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[CheckInMethod] = mapped_column(
        enum_column(CheckInMethod), default=CheckInMethod.SEARCH
    )
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    scan_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        sa.Index(
            "uq_check_ins_participant_day_active",
            "participant_id",
            "day",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
    )

    participant: Mapped[Participant] = relationship()
    by_user: Mapped[User | None] = relationship(foreign_keys=[by_user_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_user_id])

    @property
    def active(self) -> bool:
        return self.cancelled_at is None
