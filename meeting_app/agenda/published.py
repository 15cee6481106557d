"""Reading the published agenda (the latest version's snapshot) for public pages,
feeds and exports: one query, whatever the number of sessions."""

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime

from meeting_app.agenda.models import AgendaVersion, SessionKind, SessionRole
from meeting_app.agenda.services import latest_version
from meeting_app.core.i18n import Translated, localized
from meeting_app.meetings.models import Meeting


@dataclass(frozen=True)
class PublishedSession:
    id: int
    kind: SessionKind
    title: dict
    description: dict
    starts_at: datetime
    ends_at: datetime
    room: dict | None
    capacity: int | None
    people: list
    sequence: int = 0  # the iCalendar SEQUENCE (see services._number_changes)

    @classmethod
    def from_snapshot(cls, data: dict) -> "PublishedSession":
        return cls(
            id=data["id"],
            kind=SessionKind(data["kind"]),
            title=data["title"],
            description=data["description"],
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            room=data["room"],
            capacity=data["capacity"],
            people=data["people"],
            sequence=data.get("sequence", 0),
        )


@dataclass
class PublishedAgenda:
    version: AgendaVersion | None
    sessions: list[PublishedSession]
    # Sessions removed after publication, kept so that calendars can delete them.
    cancelled: list[PublishedSession] = field(default_factory=list)

    def session(self, session_id: int) -> PublishedSession | None:
        return next((s for s in self.sessions if s.id == session_id), None)


def published_agenda(meeting: Meeting) -> PublishedAgenda:
    version = latest_version(meeting)
    if version is None:
        return PublishedAgenda(None, [])
    return PublishedAgenda(
        version,
        [PublishedSession.from_snapshot(s) for s in version.snapshot["sessions"]],
        [PublishedSession.from_snapshot(s) for s in version.snapshot.get("cancelled", [])],
    )


def by_day(sessions: list[PublishedSession], meeting: Meeting) -> "OrderedDict[date, list]":
    days: OrderedDict[date, list] = OrderedDict()
    tz = meeting.tz
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
        days.setdefault(session.starts_at.astimezone(tz).date(), []).append(session)
    return days


@dataclass(frozen=True)
class Shown:
    """A published session ready to print in the reader's language (worked out once
    per page, not per template call: 300 sessions stay cheap)."""

    session: PublishedSession
    title: Translated
    kind_label: str
    start: str
    end: str
    people: list[tuple[str, str]]  # (role label, name)


def shown(sessions: list[PublishedSession], meeting: Meeting, language: str) -> list[Shown]:
    kinds = {kind: str(kind.label) for kind in SessionKind}
    roles = {role.value: str(role.label) for role in SessionRole}
    tz = meeting.tz
    return [
        Shown(
            session=s,
            title=localized(s.title, meeting.default_language, language),
            kind_label=kinds[s.kind],
            start=s.starts_at.astimezone(tz).strftime("%H:%M"),
            end=s.ends_at.astimezone(tz).strftime("%H:%M"),
            people=[(roles[p["role"]], p["name"]) for p in s.people],
        )
        for s in sessions
    ]


def as_json(meeting: Meeting, agenda: PublishedAgenda, base_url: str) -> dict:
    """The published agenda for other tools (documented in the README)."""
    tz = meeting.tz
    return {
        "meeting": {
            "slug": meeting.slug,
            "title": meeting.title,
            "timezone": meeting.timezone,
            "start_date": meeting.start_date.isoformat(),
            "end_date": meeting.end_date.isoformat(),
            "default_language": meeting.default_language,
        },
        "version": agenda.version.number if agenda.version else None,
        "published_at": agenda.version.published_at.isoformat() if agenda.version else None,
        "sessions": [
            {
                "id": s.id,
                "kind": s.kind.value,
                "title": s.title,
                "description": s.description,
                "start": s.starts_at.astimezone(tz).isoformat(),
                "end": s.ends_at.astimezone(tz).isoformat(),
                "start_utc": s.starts_at.isoformat(),
                "end_utc": s.ends_at.isoformat(),
                "room": s.room["name"] if s.room else None,
                "capacity": s.capacity,
                "people": [{"name": p["name"], "role": p["role"]} for p in s.people],
                "url": f"{base_url}/meetings/{meeting.slug}/sessions/{s.id}",
            }
            for s in agenda.sessions
        ],
    }
