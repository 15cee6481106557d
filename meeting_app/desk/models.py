from __future__ import annotations

from datetime import datetime
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


class CheckIn(Base):
    """A participant's arrival at the door (one per participant and meeting day at most)."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[CheckInMethod] = mapped_column(
        enum_column(CheckInMethod), default=CheckInMethod.SEARCH
    )
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    participant: Mapped[Participant] = relationship()
    by_user: Mapped[User | None] = relationship()
