"""The hosts' desk: which meetings are on and who has arrived."""

from dataclasses import dataclass

import sqlalchemy as sa

from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.registration.models import Participant, RegistrationStatus


@dataclass(frozen=True)
class DeskRow:
    meeting: Meeting
    expected: int
    arrived: int


def desk_overview() -> list[DeskRow]:
    """Published meetings, newest first, with approved and arrived participants."""
    meetings = (
        db.session.execute(
            db.select(Meeting)
            .filter(Meeting.status == MeetingStatus.PUBLISHED)
            .order_by(Meeting.start_date.desc())
        )
        .scalars()
        .all()
    )
    approved = dict(
        db.session.execute(
            db.select(Participant.meeting_id, sa.func.count())
            .filter(Participant.status == RegistrationStatus.APPROVED)
            .group_by(Participant.meeting_id)
        ).all()
    )
    arrived = dict(
        db.session.execute(
            db.select(Participant.meeting_id, sa.func.count(sa.distinct(CheckIn.participant_id)))
            .join(CheckIn, CheckIn.participant_id == Participant.id)
            .group_by(Participant.meeting_id)
        ).all()
    )
    return [DeskRow(m, approved.get(m.id, 0), arrived.get(m.id, 0)) for m in meetings]
