"""How people take part: the one definition of who is online.

A meeting is in person, online or hybrid (Meeting.participation_mode); in a hybrid
meeting each registration says how the person takes part
(Participant.attendance_mode). What counts is the pair: in an online meeting
everyone is online, in an in-person one nobody is, whatever a registration made
under another mode still says. So a change of the meeting's mode needs no
rewrite of its registrations, only a recount of the seats (seats.recount).

Online participants get no badge and take no room or session seat; they take a
seat of the meeting's capacity only if the meeting says so
(Meeting.online_counts_against_capacity)."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant

IN_PERSON, ONLINE, HYBRID = "in_person", "online", "hybrid"

MEETING_MODES = {
    IN_PERSON: _l("In person"),
    ONLINE: _l("Online"),
    HYBRID: _l("Hybrid: in person or online, as each participant chooses"),
}
ATTENDANCE_MODES = {
    IN_PERSON: _l("In person"),
    ONLINE: _l("Online"),
}


def online(meeting: Meeting, attendance_mode: str) -> bool:
    """Whether a registration of `attendance_mode` takes part online in `meeting`."""
    if meeting.participation_mode == ONLINE:
        return True
    return meeting.participation_mode == HYBRID and attendance_mode == ONLINE


def is_online(participant: Participant) -> bool:
    return online(participant.meeting, participant.attendance_mode)


def mode_of(participant: Participant) -> str:
    return ONLINE if is_online(participant) else IN_PERSON


def takes_meeting_seat(meeting: Meeting, attendance_mode: str) -> bool:
    """Whether such a registration holds a seat of the meeting's capacity."""
    return meeting.online_counts_against_capacity or not online(meeting, attendance_mode)


def holds_meeting_seat(participant: Participant) -> bool:
    return takes_meeting_seat(participant.meeting, participant.attendance_mode)


def online_clause(meeting: Meeting):
    """SQL: the meeting's registration (Participant) takes part online."""
    if meeting.participation_mode == ONLINE:
        return sa.true()
    if meeting.participation_mode == HYBRID:
        return Participant.attendance_mode == ONLINE
    return sa.false()


def in_person_clause(meeting: Meeting):
    """SQL: the meeting's registration takes part in person (has a badge, a room seat)."""
    if meeting.participation_mode == ONLINE:
        return sa.false()
    if meeting.participation_mode == HYBRID:
        return Participant.attendance_mode != ONLINE
    return sa.true()


def meeting_seat_clause(meeting: Meeting):
    """SQL: the registration, if it holds a seat, holds one of the meeting's capacity."""
    return sa.true() if meeting.online_counts_against_capacity else in_person_clause(meeting)
