"""Telling participants that sessions they chose have changed."""

import sqlalchemy as sa
from flask_babel import force_locale

from meeting_app.agenda.ical import agenda_calendar
from meeting_app.agenda.models import AgendaVersion, Attendance
from meeting_app.agenda.published import PublishedAgenda, PublishedSession
from meeting_app.core.i18n import format_clock, format_snapshot_time, localized
from meeting_app.core.security import public_base_url
from meeting_app.extensions import db
from meeting_app.mail import texts
from meeting_app.meetings.models import Meeting
from meeting_app.registration import placeholders
from meeting_app.registration.models import Participant, RegistrationStatus


def notify_changes(meeting: Meeting, version: AgendaVersion) -> int:
    """E-mails each participant whose chosen sessions moved or changed in `version`,
    with the updated calendar entries attached; returns how many were written to."""
    changed = {
        c["session"]["id"]: c for c in version.changes if c["change"] in ("moved", "updated")
    }
    if not changed:
        return 0
    rows = db.session.execute(
        sa.select(Participant, Attendance.session_id)
        .join(Attendance, Attendance.participant_id == Participant.id)
        .where(
            Attendance.session_id.in_(list(changed)),
            Participant.status.in_([RegistrationStatus.APPROVED, RegistrationStatus.SUBMITTED]),
        )
    ).all()
    affected: dict[int, tuple[Participant, set[int]]] = {}
    for participant, session_id in rows:
        affected.setdefault(participant.id, (participant, set()))[1].add(session_id)
    current = {s["id"]: PublishedSession.from_snapshot(s) for s in version.snapshot["sessions"]}
    base_url = public_base_url()
    for participant, session_ids in affected.values():
        sessions = [current[i] for i in sorted(session_ids, key=lambda i: current[i].starts_at)]
        language = participant.preferred_language
        values = placeholders.values(participant, language, base_url)
        values["sessions"] = session_lines(meeting, sessions, language)
        texts.queue(
            participant.email,
            "agenda_changed",
            language,
            values,
            kind="agenda_changed",
            meeting=meeting,
            participant=participant,
            calendar=agenda_calendar(
                meeting,
                PublishedAgenda(version, sessions),
                language=language,
                base_url=base_url,
                name=localized(meeting.title, meeting.default_language, language).text,
            ),
            calendar_method="PUBLISH",
        )
    return len(affected)


def session_lines(meeting: Meeting, sessions: list[PublishedSession], language: str) -> str:
    """'- Opening: Mon 13 Jun 2022, 09:00–10:00, Room A', one line per session, in
    `language` (the mail's `{{ sessions }}`)."""
    lines = []
    with force_locale(language):
        for s in sessions:
            title = localized(s.title, meeting.default_language, language).text
            starts = format_snapshot_time(s.starts_at, meeting)
            room = f", {s.room['name']}" if s.room else ""
            lines.append(f"- {title}: {starts}–{format_clock(s.ends_at, meeting.timezone)}{room}")
    return "\n".join(lines)
