"""Sessions' join links and dial-in details, for approved participants only.

They live on the working copy of a session (AgendaSession.join_url, dial_in) and
are never copied into a published version: the public pages, feeds, frab files,
JSON and booklet read the published snapshot, so they cannot show them. A link
is given for a session of the published agenda only (a session still being
prepared has none), and read live, so that a link changed at the last minute
reaches people without publishing the agenda again.

Who sees them: the approved participant, through their private link (private
page, "My programme", the personal calendar feed). A new private link revokes
the old one, feed included (the token is the key)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from meeting_app.agenda.models import AgendaSession
from meeting_app.agenda.published import PublishedSession, published_agenda
from meeting_app.agenda.services import valid_join_url
from meeting_app.extensions import db
from meeting_app.models import utcnow
from meeting_app.registration import sections
from meeting_app.registration.models import Participant, RegistrationStatus


@dataclass(frozen=True)
class JoinLink:
    url: str  # "" when the session has dial-in details only
    dial_in: str


def shown_to(participant: Participant) -> bool:
    """Only an approved registration (not erased) gets the links."""
    return participant.status is RegistrationStatus.APPROVED and participant.erased_at is None


def links_for(participant: Participant, session_ids: Iterable[int]) -> dict[int, JoinLink]:
    """{session id: JoinLink} for the sessions of `session_ids` (those of the
    published agenda) that have a link or dial-in details; empty for anyone but an
    approved participant. One query."""
    ids = list(session_ids)
    if not ids or not shown_to(participant):
        return {}
    rows = db.session.execute(
        sa.select(AgendaSession.id, AgendaSession.join_url, AgendaSession.dial_in).where(
            AgendaSession.meeting_id == participant.meeting_id,
            AgendaSession.id.in_(ids),
            sa.or_(AgendaSession.join_url != "", AgendaSession.dial_in != ""),
        )
    )
    return {
        session_id: JoinLink(url if valid_join_url(url) else "", dial_in)
        for session_id, url, dial_in in rows
        if valid_join_url(url) or dial_in
    }


def next_sessions(
    sessions: list[PublishedSession], links: dict[int, JoinLink], tz, now: datetime
) -> tuple[date | None, list[PublishedSession]]:
    """The sessions with a link still to come (or under way) on the first local day
    that has any: today's during the meeting, else the next day's."""
    coming = sorted(
        (s for s in sessions if s.id in links and s.ends_at > now),
        key=lambda s: (s.starts_at, s.id),
    )
    if not coming:
        return None, []
    day = coming[0].starts_at.astimezone(tz).date()
    return day, [s for s in coming if s.starts_at.astimezone(tz).date() == day]


@sections.section(20)
def join_section(participant: Participant):
    """The private page's "Join online" section: the next sessions' join links."""
    if not shown_to(participant):
        return None
    meeting = participant.meeting
    published = published_agenda(meeting)
    links = links_for(participant, [s.id for s in published.sessions])
    now = utcnow()
    day, coming = next_sessions(published.sessions, links, meeting.tz, now)
    if not coming:
        return None
    return "agenda/_join_links_section.html", {
        "day": day,
        "today": day == now.astimezone(meeting.tz).date(),
        "sessions": coming,
        "links": links,
    }
