"""The meeting's outcome record: minutes per session, decisions and action
points, their published versions, and the secretariat's sign-off of the
attendance register."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import (
    Base,
    LabelledEnum,
    TranslatedText,
    UTCDateTime,
    enum_column,
    set_labels,
    utcnow,
)

if TYPE_CHECKING:
    from meeting_app.agenda.models import AgendaSession


class SessionMinutes(Base):
    """The rapporteur's summary of one session (Markdown per language, edited and
    sanitised as communiqués are): the working copy, published in versions."""

    __tablename__ = "session_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_sessions.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(300), default="")

    session: Mapped[AgendaSession] = relationship()


class DecisionStatus(LabelledEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


set_labels(
    DecisionStatus,
    {
        DecisionStatus.OPEN: _l("To do"),
        DecisionStatus.IN_PROGRESS: _l("In progress"),
        DecisionStatus.DONE: _l("Done"),
        DecisionStatus.DROPPED: _l("Dropped"),
    },
)


class Decision(Base):
    """A decision or action point of the meeting (the working copy)."""

    __tablename__ = "meeting_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    owner: Mapped[str] = mapped_column(sa.String(200), default="")
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[DecisionStatus] = mapped_column(
        enum_column(DecisionStatus), default=DecisionStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OutcomeVersion(Base):
    """A published version of a session's minutes (`subject` "minutes:<session id>")
    or of the meeting's decisions ("decisions"): numbered from 1 per subject, a
    snapshot of what was published and to whom."""

    __tablename__ = "outcome_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(40))
    number: Mapped[int]
    # "participants" (approved, through their private link) or "public".
    audience: Mapped[str] = mapped_column(sa.String(20))
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str] = mapped_column(sa.String(300), default="")

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "subject", "number", name="uq_outcome_versions_number"),
    )


class AttendanceSignOff(Base):
    """The secretariat's sign-off of the attendance register: who, when, and the
    figures signed (per day and delegation), kept as they were."""

    __tablename__ = "attendance_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    signed_by_name: Mapped[str] = mapped_column(sa.String(200))
    signed_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
