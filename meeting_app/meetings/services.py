"""Meetings and countries: what the public pages list, and the country table."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from babel import Locale
from flask import abort

from meeting_app.communiques import services as communiques
from meeting_app.communiques.models import Communique
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import Country, Meeting, MeetingStatus
from meeting_app.models import utcnow
from meeting_app.registration.models import Participant, RegistrationStatus

PUBLIC_STATUSES = (MeetingStatus.PUBLISHED, MeetingStatus.ARCHIVED)

# Babel's territories also hold groupings, user-assigned and "exceptionally reserved"
# codes that are not ISO 3166-1 countries; without them 249 remain, as in the standard.
_NOT_COUNTRIES = {
    "EU",
    "EZ",
    "UN",
    "QO",
    "XA",
    "XB",
    "XK",
    "ZZ",
    "AC",
    "CP",
    "CQ",
    "DG",
    "EA",
    "IC",
    "TA",
}


def babel_countries() -> list[dict[str, str]]:
    """ISO 3166-1 alpha-2 countries and territories, named in fr/en/es by Babel's CLDR data."""
    names = {lang: Locale.parse(lang).territories for lang in ("en", "fr", "es")}
    codes = sorted(
        code
        for code in names["en"]
        if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES
    )
    return [
        {
            "code": code,
            **{f"name_{lang}": names[lang].get(code, names["en"][code]) for lang in names},
        }
        for code in codes
    ]


def sync_countries() -> int:
    """Adds missing countries and refreshes names from Babel; returns how many were added."""
    existing = {c.code: c for c in db.session.execute(db.select(Country)).scalars()}
    added = 0
    for row in babel_countries():
        country = existing.get(row["code"])
        if country is None:
            db.session.add(Country(**row))
            added += 1
        else:
            for key, value in row.items():
                setattr(country, key, value)
    db.session.flush()
    return added


def countries_by_name(language: str) -> list[Country]:
    column = getattr(Country, f"name_{language}", Country.name_en)
    return list(db.session.execute(db.select(Country).order_by(column)).scalars())


def get_public_meeting(slug: str) -> Meeting:
    """A published or archived meeting, or 404 (drafts are not public)."""
    meeting = db.session.execute(
        db.select(Meeting).filter(Meeting.slug == slug, Meeting.status.in_(PUBLIC_STATUSES))
    ).scalar_one_or_none()
    if meeting is None:
        abort(404)
    return meeting


def get_meeting(slug: str) -> Meeting:
    """Any meeting, drafts included (staff pages), or 404."""
    return db.first_or_404(db.select(Meeting).filter_by(slug=slug))


def get_in_meeting(model, row_id: int, meeting: Meeting):
    """A row of `model` that belongs to `meeting`, or 404 (an id from another
    meeting's page must not reach this one's data)."""
    row = db.session.get(model, row_id)
    if row is None or row.meeting_id != meeting.id:
        abort(404)
    return row


def upcoming_and_past(today: date | None = None) -> tuple[list[Meeting], list[Meeting]]:
    today = today or utcnow().date()
    meetings = (
        db.session.execute(
            db.select(Meeting)
            .filter(Meeting.status.in_(PUBLIC_STATUSES))
            .order_by(Meeting.start_date)
        )
        .scalars()
        .all()
    )
    upcoming = [m for m in meetings if m.end_date >= today and m.status is MeetingStatus.PUBLISHED]
    past = [m for m in reversed(meetings) if m not in upcoming]
    return upcoming, past


def latest_communiques(limit: int = 3) -> list[Communique]:
    return communiques.latest(limit)


@dataclass(frozen=True)
class MeetingFigures:
    delegations: int
    approved_participants: int


def public_figures(meeting: Meeting) -> MeetingFigures:
    delegations = db.session.scalar(
        db.select(sa.func.count(Delegation.id)).filter(Delegation.meeting_id == meeting.id)
    )
    approved = db.session.scalar(
        db.select(sa.func.count(Participant.id)).filter(
            Participant.meeting_id == meeting.id,
            Participant.status == RegistrationStatus.APPROVED,
        )
    )
    return MeetingFigures(delegations or 0, approved or 0)


def registration_state(meeting: Meeting, now: datetime | None = None) -> str:
    """'open', 'not_open_yet', 'closed' or 'none' (no registration dates set)."""
    now = now or utcnow()
    opens, closes = meeting.registration_opens_at, meeting.registration_closes_at
    if opens is None or closes is None:
        return "none"
    if now < opens:
        return "not_open_yet"
    if now >= closes:
        return "closed"
    return "open"
