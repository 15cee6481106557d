"""Participants' own programmes: which sessions they attend.

A session with a capacity is never over-filled: a seat is taken with one
conditional UPDATE (as for registration, see registration/seats.py).
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meeting_app.agenda.models import AgendaSession, Attendance
from meeting_app.extensions import db
from meeting_app.registration.models import Participant, RegistrationStatus


class AttendanceError(ValueError):
    pass


def chosen_session_ids(participant: Participant) -> set[int]:
    return set(
        db.session.execute(
            sa.select(Attendance.session_id).where(Attendance.participant_id == participant.id)
        ).scalars()
    )


def attend(participant: Participant, session: AgendaSession) -> None:
    """Adds the session to the participant's programme. Raises AttendanceError
    ("not_allowed", "full") and leaves nothing half-done; a repeated click is harmless."""
    if participant.status not in (RegistrationStatus.APPROVED, RegistrationStatus.SUBMITTED):
        raise AttendanceError("not_allowed")
    if session.meeting_id != participant.meeting_id:
        raise AttendanceError("not_allowed")
    if session.id in chosen_session_ids(participant):
        return
    table = AgendaSession.__table__
    taken = (
        db.session.execute(
            sa.update(table)
            .where(
                table.c.id == session.id,
                sa.or_(table.c.capacity.is_(None), table.c.seats_taken < table.c.capacity),
            )
            .values(seats_taken=table.c.seats_taken + 1, updated_at=table.c.updated_at)
        ).rowcount
        == 1
    )
    if not taken:
        raise AttendanceError("full")
    db.session.add(Attendance(participant_id=participant.id, session_id=session.id))
    try:
        db.session.flush()
    except IntegrityError:
        # The same person chose it in another tab at the same moment: the caller
        # rolls back, seat included.
        raise AttendanceError("already") from None


def leave(participant: Participant, session: AgendaSession) -> None:
    removed = db.session.execute(
        sa.delete(Attendance).where(
            Attendance.participant_id == participant.id, Attendance.session_id == session.id
        )
    ).rowcount
    if removed:
        table = AgendaSession.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == session.id, table.c.seats_taken > 0)
            .values(seats_taken=table.c.seats_taken - 1, updated_at=table.c.updated_at)
        )


@dataclass
class ProgrammeItem:
    session: object  # a PublishedSession
    chosen: bool
    roles: list[str]
    clashes: bool = False


def programme(participant: Participant, published_sessions: list) -> list[ProgrammeItem]:
    """The participant's sessions (chosen, or where they have a role) in time order,
    with clashes flagged."""
    chosen = chosen_session_ids(participant)
    items = []
    for session in published_sessions:
        roles = [p["role"] for p in session.people if p["participant_id"] == participant.id]
        if session.id in chosen or roles:
            items.append(ProgrammeItem(session, session.id in chosen, roles))
    for i, item in enumerate(items):
        for other in items[i + 1 :]:
            if other.session.starts_at >= item.session.ends_at:
                break
            item.clashes = other.clashes = True
    return items
