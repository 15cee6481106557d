from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from meeting_app.meetings.models import Meeting
    from meeting_app.registration.models import Participant


class MailStatus(StrEnum):
    PENDING = "pending"  # stored, not yet handed to the SMTP server (or it failed: retried)
    SENT = "sent"
    KEPT = "kept"  # no mail server configured (development): shown in the back office outbox


class OutgoingMail(Base):
    """Every e-mail the app sends is stored first, then delivered: a mail server
    that is down delays an e-mail but never loses it, nor what caused it."""

    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    # An iCalendar part (an invitation or updated agenda entries) and its METHOD.
    calendar: Mapped[str] = mapped_column(sa.Text, default="")
    calendar_method: Mapped[str] = mapped_column(sa.String(20), default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    status: Mapped[MailStatus] = mapped_column(
        enum_column(MailStatus), default=MailStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting | None] = relationship()
    participant: Mapped[Participant | None] = relationship()
