"""The organisers' overview of meetings."""

from dataclasses import dataclass

import sqlalchemy as sa

from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus


@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    counts: dict[RegistrationStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def meetings_overview() -> list[MeetingRow]:
    """Every meeting, newest first, with its registrations counted by status (one query)."""
    meetings = (
        db.session.execute(db.select(Meeting).order_by(Meeting.start_date.desc())).scalars().all()
    )
    counts: dict[int, dict[RegistrationStatus, int]] = {m.id: {} for m in meetings}
    rows = db.session.execute(
        db.select(Participant.meeting_id, Participant.status, sa.func.count()).group_by(
            Participant.meeting_id, Participant.status
        )
    )
    for meeting_id, status, count in rows:
        counts[meeting_id][status] = count
    return [MeetingRow(m, counts[m.id]) for m in meetings]
