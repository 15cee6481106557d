"""Participants' own programmes: which sessions they attend.

A session with a capacity is never over-filled: a seat is taken with one
conditional UPDATE (as for registration, see registration/seats.py). Only an
approved participant may take one (anyone can register: a registration still
to be reviewed could otherwise fill every workshop), and a registration that
gives up its place in the meeting gives up its sessions (`leave_all`).

Online participants (registration/participation.py) choose sessions too, but
take no seat of the room: a session's `seats_taken` counts the in-person
participants who chose it. A change of how someone takes part moves their
seats (`mode_changed`); a change of the meeting's mode recounts (`recount`).
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meeting_app.agenda.models import AgendaSession, Attendance
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration import participation
from meeting_app.registration.models import SEAT_HOLDING, Participant, RegistrationStatus


class AttendanceError(ValueError):
    pass


def chosen_session_ids(participant: Participant) -> set[int]:
    return set(
        db.session.execute(
            sa.select(Attendance.session_id).where(Attendance.participant_id == participant.id)
        ).scalars()
    )


def _allowed(session: AgendaSession) -> frozenset:
    if session.capacity is not None:
        return frozenset({RegistrationStatus.APPROVED})
    return SEAT_HOLDING


def attend(participant: Participant, session: AgendaSession) -> None:
    """Adds the session to the participant's programme. Raises AttendanceError
    ("not_allowed", "approval" for a limited session before approval, "full") and
    leaves nothing half-done; a repeated click is harmless."""
    if session.meeting_id != participant.meeting_id:
        raise AttendanceError("not_allowed")
    allowed = _allowed(session)
    if participant.status not in allowed:
        limited = participant.status is RegistrationStatus.SUBMITTED
        raise AttendanceError("approval" if limited else "not_allowed")
    if session.id in chosen_session_ids(participant):
        return
    if not _hold(participant, allowed):
        # Cancelled, declined or wait-listed since the page was read.
        raise AttendanceError("not_allowed")
    if not participation.is_online(participant) and not _take(session.id):
        raise AttendanceError("full")
    db.session.add(Attendance(participant_id=participant.id, session_id=session.id))
    try:
        db.session.flush()
    except IntegrityError:
        # The same person chose it in another tab at the same moment: the caller
        # rolls back, seat included.
        raise AttendanceError("already") from None


def _take(session_id: int) -> bool:
    """A seat in one session (one conditional UPDATE)."""
    table = AgendaSession.__table__
    return (
        db.session.execute(
            sa.update(table)
            .where(
                table.c.id == session_id,
                sa.or_(table.c.capacity.is_(None), table.c.seats_taken < table.c.capacity),
            )
            .values(seats_taken=table.c.seats_taken + 1, updated_at=table.c.updated_at)
        ).rowcount
        == 1
    )


def _hold(participant: Participant, statuses: frozenset) -> bool:
    """Locks the participant's row if their status is still one of `statuses` (an
    UPDATE that changes nothing: PostgreSQL keeps the row, SQLite the database,
    until the commit). A cancellation at the same moment (which locks the row
    first too, registration/services.py `_claim`) then either waits for this
    seat and gives it back, or is seen here and no seat is taken."""
    table = Participant.__table__
    return (
        db.session.execute(
            sa.update(table)
            .where(
                table.c.id == participant.id,
                table.c.status.in_(list(statuses)),
                table.c.erased_at.is_(None),
            )
            .values(updated_at=table.c.updated_at)
        ).rowcount
        == 1
    )


def leave(participant: Participant, session: AgendaSession) -> None:
    removed = db.session.execute(
        sa.delete(Attendance).where(
            Attendance.participant_id == participant.id, Attendance.session_id == session.id
        )
    ).rowcount
    if removed and not participation.is_online(participant):
        _give_back([session.id])


def leave_all(participant: Participant) -> int:
    """Takes the participant out of every session they chose and gives the places
    back, in the caller's transaction (when they cancel, are declined or
    wait-listed, or are erased); returns how many. The DELETE says which rows it
    removed, so a place is given back once even if the person leaves a session
    in another tab at the same moment."""
    table = Attendance.__table__
    session_ids = (
        db.session.execute(
            sa.delete(table)
            .where(table.c.participant_id == participant.id)
            .returning(table.c.session_id)
        )
        .scalars()
        .all()
    )
    if not participation.is_online(participant):
        _give_back(session_ids)
    return len(session_ids)


def mode_changed(participant: Participant, *, was_online: bool) -> list[int]:
    """After the participant changed how they take part: online, their sessions'
    seats are given back; in person, a seat is taken in each session they chose,
    and the sessions now full are left (their ids returned)."""
    now_online = participation.is_online(participant)
    if now_online == was_online:
        return []
    chosen = sorted(chosen_session_ids(participant))
    if now_online:
        _give_back(chosen)
        return []
    full = [session_id for session_id in chosen if not _take(session_id)]
    if full:
        db.session.execute(
            sa.delete(Attendance).where(
                Attendance.participant_id == participant.id, Attendance.session_id.in_(full)
            )
        )
    return full


def recount(meeting: Meeting) -> None:
    """Sets each session's seats from the in-person participants who chose it: after
    the meeting's way of taking part changed, and as a repair."""
    db.session.flush()
    table = AgendaSession.__table__
    in_person = (
        sa.select(sa.func.count(Attendance.participant_id))
        .join(Participant, Participant.id == Attendance.participant_id)
        .where(Attendance.session_id == table.c.id, participation.in_person_clause(meeting))
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(table)
        .where(table.c.meeting_id == meeting.id)
        .values(seats_taken=in_person, updated_at=table.c.updated_at)
    )
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, AgendaSession):
            db.session.expire(loaded, ["seats_taken"])


def _give_back(session_ids: list[int]) -> None:
    if not session_ids:
        return
    table = AgendaSession.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id.in_(session_ids), table.c.seats_taken > 0)
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
