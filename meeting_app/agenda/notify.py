"""Telling participants that sessions they chose have changed."""

import sqlalchemy as sa

from meeting_app.agenda.ical import agenda_calendar
from meeting_app.agenda.models import AgendaVersion, Attendance
from meeting_app.agenda.published import PublishedAgenda, PublishedSession
from meeting_app.core.i18n import localized
from meeting_app.core.security import public_base_url
from meeting_app.extensions import db
from meeting_app.mail import services as mail
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus
from meeting_app.registration.services import private_link


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
        title = localized(meeting.title, meeting.default_language, language).text
        mail.queue(
            participant.email,
            "agenda_changed",
            language,
            kind="agenda_changed",
            meeting=meeting,
            participant=participant,
            sessions=sessions,
            changes=[changed[s.id] for s in sessions],
            link=private_link(participant),
            calendar=agenda_calendar(
                meeting,
                PublishedAgenda(version, sessions),
                language=language,
                base_url=base_url,
                name=title,
            ),
            calendar_method="PUBLISH",
        )
    return len(affected)
