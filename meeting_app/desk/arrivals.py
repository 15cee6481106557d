"""The arrivals board: who has arrived, per day, delegation and category, and its CSV."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from meeting_app.core.collation import collated, sort_key
from meeting_app.core.i18n import format_clock
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.desk.services import meeting_days
from meeting_app.extensions import db
from meeting_app.meetings.models import Country, Meeting
from meeting_app.registration.exports import to_csv
from meeting_app.registration.models import Category, Participant, RegistrationStatus


@dataclass(frozen=True)
class Row:
    label: str
    expected: int
    arrived: int

    @property
    def percent(self) -> int:
        return round(100 * self.arrived / self.expected) if self.expected else 0


@dataclass(frozen=True)
class Board:
    days: list[date]
    day: date
    expected: int
    arrived: int
    by_delegation: list[Row]
    by_category: list[Row]


def board_days(meeting: Meeting) -> list[date]:
    """The meeting's days, and any other day someone was checked in (a reception
    the evening before, say)."""
    recorded = db.session.execute(
        db.select(CheckIn.day)
        .distinct()
        .join(Participant, CheckIn.participant_id == Participant.id)
        .filter(Participant.meeting_id == meeting.id, CheckIn.cancelled_at.is_(None))
    ).scalars()
    return sorted(set(meeting_days(meeting)) | set(recorded))


def default_day(meeting: Meeting, days: list[date]) -> date:
    today = meeting.local_date()
    return today if today in days else meeting.start_date


def board(meeting: Meeting, day: date, language: str) -> Board:
    """Approved participants (expected) and the day's standing check-ins (arrived),
    counted in two grouped queries whatever the meeting's size."""
    expected = Counter()
    for delegation_id, category, count in db.session.execute(
        db.select(Participant.delegation_id, Participant.category, sa.func.count())
        .filter(
            Participant.meeting_id == meeting.id,
            Participant.status == RegistrationStatus.APPROVED,
        )
        .group_by(Participant.delegation_id, Participant.category)
    ):
        expected[(delegation_id, category)] = count
    arrived = Counter()
    for delegation_id, category, count in db.session.execute(
        db.select(Participant.delegation_id, Participant.category, sa.func.count())
        .join(CheckIn, CheckIn.participant_id == Participant.id)
        .filter(
            Participant.meeting_id == meeting.id,
            CheckIn.day == day,
            CheckIn.cancelled_at.is_(None),
        )
        .group_by(Participant.delegation_id, Participant.category)
    ):
        arrived[(delegation_id, category)] = count

    def totals(index: int) -> tuple[Counter, Counter]:
        exp, arr = Counter(), Counter()
        for key, count in expected.items():
            exp[key[index]] += count
        for key, count in arrived.items():
            arr[key[index]] += count
        return exp, arr

    delegations = {
        d.id: d.country.name(language)
        for d in db.session.execute(
            db.select(Delegation)
            .filter_by(meeting_id=meeting.id)
            .options(joinedload(Delegation.country))
        ).scalars()
    }
    exp, arr = totals(0)
    key = sort_key(language)
    by_delegation = sorted(
        (Row(name, exp[did], arr[did]) for did, name in delegations.items()),
        key=lambda row: key(row.label),
    )
    if exp[None] or arr[None]:
        by_delegation.append(Row(_("International organisation / other"), exp[None], arr[None]))
    exp, arr = totals(1)
    by_category = [Row(str(c.label), exp[c], arr[c]) for c in Category if exp[c] or arr[c]]
    return Board(
        days=board_days(meeting),
        day=day,
        expected=sum(expected.values()),
        arrived=sum(arrived.values()),
        by_delegation=by_delegation,
        by_category=by_category,
    )


def arrivals_csv(meeting: Meeting, language: str, delimiter: str = ",") -> bytes:
    """One row per approved participant (and anyone else checked in), with the
    time of their check-in on each day, in the meeting's time zone."""
    days = board_days(meeting)
    times: dict[int, dict[date, str]] = {}
    for participant_id, day, checked_in_at in db.session.execute(
        db.select(CheckIn.participant_id, CheckIn.day, CheckIn.checked_in_at)
        .join(Participant, CheckIn.participant_id == Participant.id)
        .filter(Participant.meeting_id == meeting.id, CheckIn.cancelled_at.is_(None))
    ):
        times.setdefault(participant_id, {})[day] = format_clock(checked_in_at, meeting.timezone)
    # Columns rather than objects: 5,000 rows without building 5,000 of them.
    people = db.session.execute(
        db.select(
            Participant.id,
            Participant.family_name,
            Participant.given_name,
            Country.name_column(language).label("country"),
            Participant.organisation,
            Participant.category,
            Participant.status,
        )
        .outerjoin(Delegation, Participant.delegation_id == Delegation.id)
        .outerjoin(Country, Delegation.country_code == Country.code)
        .filter(
            Participant.meeting_id == meeting.id,
            sa.or_(
                Participant.status == RegistrationStatus.APPROVED,
                Participant.id.in_(list(times) or [-1]),
            ),
        )
        .order_by(
            collated(Participant.family_name, language),
            collated(Participant.given_name, language),
            Participant.id,
        )
    ).all()
    categories = {c: str(c.label) for c in Category}
    statuses = {s: str(s.label) for s in RegistrationStatus}
    header = [
        _("Family name"),
        _("Given name"),
        _("Delegation"),
        _("Organisation"),
        _("Category"),
        _("Status"),
        *(day.isoformat() for day in days),
    ]
    rows = (
        [
            p.family_name,
            p.given_name,
            p.country or "",
            p.organisation,
            categories[p.category],
            statuses[p.status],
            *(times.get(p.id, {}).get(day, "") for day in days),
        ]
        for p in people
    )
    return to_csv(header, rows, delimiter)
