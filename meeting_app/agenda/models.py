from __future__ import annotations

from datetime import datetime, time
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
    from meeting_app.meetings.models import Meeting
    from meeting_app.registration.models import Participant


class Room(Base):
    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    capacity: Mapped[int | None]
    notes: Mapped[str] = mapped_column(sa.String(300), default="")
    # The hours the room can be used each day, in the meeting's local time (optional).
    available_from: Mapped[time | None]
    available_until: Mapped[time | None]

    __table_args__ = (sa.UniqueConstraint("meeting_id", "name", name="uq_rooms_meeting_name"),)

    meeting: Mapped[Meeting] = relationship(back_populates="rooms")


class SessionKind(LabelledEnum):
    PLENARY = "plenary"
    PANEL = "panel"
    WORKING_GROUP = "working_group"
    BILATERAL = "bilateral"
    SIDE_EVENT = "side_event"
    BREAK = "break"
    MEAL = "meal"
    RECEPTION = "reception"
    FIELD_VISIT = "field_visit"


set_labels(
    SessionKind,
    {
        SessionKind.PLENARY: _l("Plenary"),
        SessionKind.PANEL: _l("Panel"),
        SessionKind.WORKING_GROUP: _l("Working group"),
        SessionKind.BILATERAL: _l("Bilateral meeting"),
        SessionKind.SIDE_EVENT: _l("Side event"),
        SessionKind.BREAK: _l("Break"),
        SessionKind.MEAL: _l("Meal"),
        SessionKind.RECEPTION: _l("Reception"),
        SessionKind.FIELD_VISIT: _l("Field visit"),
    },
)


class AgendaSession(Base):
    """One item of a meeting's agenda (named so to keep clear of the other Sessions)."""

    __tablename__ = "agenda_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="SET NULL"))
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind))
    title: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    description: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None]
    # Participants who chose to attend; changed only by the atomic update in agenda/attendance.py.
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    # A hybrid or online session's link (an https URL) and dial-in details: shown to
    # approved participants only, never on public pages, feeds or frab files.
    join_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    dial_in: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    # Raised on every edit: a form opened before someone else's change is refused.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # A deleted session's id is never given to a new one (SQLite would reuse the
        # highest): published versions, links and calendars know sessions by id.
        {"sqlite_autoincrement": True},
    )

    meeting: Mapped[Meeting] = relationship(back_populates="sessions")
    room: Mapped[Room | None] = relationship()
    people: Mapped[list[SessionPerson]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionPerson.position"
    )


class SessionRole(LabelledEnum):
    CHAIR = "chair"
    MODERATOR = "moderator"
    SPEAKER = "speaker"
    RAPPORTEUR = "rapporteur"


set_labels(
    SessionRole,
    {
        SessionRole.CHAIR: _l("Chair"),
        SessionRole.MODERATOR: _l("Moderator"),
        SessionRole.SPEAKER: _l("Speaker"),
        SessionRole.RAPPORTEUR: _l("Rapporteur"),
    },
)


class SessionPerson(Base):
    """Someone who chairs, moderates, speaks at or reports on a session:
    a registered participant, or a guest known only by name."""

    __tablename__ = "session_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_sessions.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    guest_name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[SessionRole] = mapped_column(enum_column(SessionRole))
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.CheckConstraint(
            "participant_id IS NOT NULL OR guest_name <> ''", name="participant_or_guest"
        ),
    )

    session: Mapped[AgendaSession] = relationship(back_populates="people")
    participant: Mapped[Participant | None] = relationship()

    @property
    def display_name(self) -> str:
        return self.participant.full_name if self.participant else self.guest_name


class Attendance(Base):
    """A participant's choice to attend a session (their personal programme)."""

    __tablename__ = "attendances"

    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_sessions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgendaVersion(Base):
    """A published agenda: what the public sees until the next publication.

    `snapshot` holds every session as it was published (titles, times in UTC,
    room, people), so that public pages read one row and later edits to the
    working copy stay invisible until published again.
    """

    __tablename__ = "agenda_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    # Lines such as {"kind": "moved", "title": {...}, "from": ..., "to": ...}; see services.
    changes: Mapped[list] = mapped_column(sa.JSON, default=list)

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "number", name="uq_agenda_versions_meeting_number"),
    )
