"""The organisers' overview of meetings, and what changes a meeting across domains:
its settings (a new time zone moves the agenda) and starting one from an earlier
meeting (rooms, delegations, the agenda). This is the top layer: it may use every
domain's services."""

from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import meetings_where
from meeting_app.agenda import attendance
from meeting_app.agenda import services as agenda
from meeting_app.delegations.models import Delegation, DelegationQuota
from meeting_app.extensions import db
from meeting_app.mail import texts as mail_texts
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.privacy import audit
from meeting_app.questions import services as registration_form
from meeting_app.registration import participation, seats
from meeting_app.registration import services as registrations
from meeting_app.registration.models import Participant, RegistrationStatus
from meeting_app.travel import services as travel


@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    counts: dict[RegistrationStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def meetings_overview(user) -> list[MeetingRow]:
    """The meetings `user` organises, newest first, with their registrations counted
    by status (one query)."""
    meetings = (
        db.session.execute(
            db.select(Meeting)
            .filter(meetings_where(user, Role.ORGANISER))
            .order_by(Meeting.start_date.desc())
        )
        .scalars()
        .all()
    )
    counts: dict[int, dict[RegistrationStatus, int]] = {m.id: {} for m in meetings}
    rows = db.session.execute(
        db.select(Participant.meeting_id, Participant.status, sa.func.count()).group_by(
            Participant.meeting_id, Participant.status
        )
    )
    for meeting_id, status, count in rows:
        if meeting_id in counts:
            counts[meeting_id][status] = count
    return [MeetingRow(m, counts[m.id]) for m in meetings]


# --- Settings -------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsChange:
    changed: list[str]
    sessions_moved: int  # sessions that kept their local time in a new time zone


# How a meeting takes registrations: anyone and delegations' focal points, anyone,
# or only the focal points' nominations (Meeting.registration_mode).
REGISTRATION_MODES = ("both", "individual", "nominations")


@dataclass(frozen=True)
class AccreditationSettings:
    registration_mode: str
    host_country_first: bool


@dataclass(frozen=True)
class ParticipationSettings:
    participation_mode: str  # participation.MEETING_MODES
    online_counts_against_capacity: bool


def change_settings(
    meeting: Meeting,
    data: meetings.MeetingInput,
    *,
    user=None,
    accreditation: AccreditationSettings | None = None,
    participation_settings: ParticipationSettings | None = None,
) -> SettingsChange:
    """Saves a meeting's settings (meetings.update_meeting) and, with
    `accreditation`, who may register and where the host country's delegation
    stands in the list of participants, and with `participation_settings` how
    people take part (each logged by name, as the others); when the time zone
    changes, every session keeps its local time. Raises MeetingError."""
    old_zone = meeting.timezone
    changed = meetings.update_meeting(meeting, data, user=user)
    if accreditation is not None:
        if accreditation.registration_mode not in REGISTRATION_MODES:
            raise ValueError(f"registration mode {accreditation.registration_mode!r}")
        own = [
            name
            for name in ("registration_mode", "host_country_first")
            if getattr(meeting, name) != getattr(accreditation, name)
        ]
        for name in own:
            setattr(meeting, name, getattr(accreditation, name))
        if own:
            db.session.flush()
            audit.record("meeting.settings", user=user, meeting=meeting, details=", ".join(own))
            changed = [*changed, *own]
    if participation_settings is not None:
        changed = [*changed, *_change_participation(meeting, participation_settings, user)]
    moved = agenda.keep_local_times(meeting, old_zone) if "timezone" in changed else 0
    return SettingsChange(changed, moved)


def _change_participation(meeting: Meeting, wanted: ParticipationSettings, user) -> list[str]:
    """Who is online, and who holds a seat of the capacity or of a session, follow
    from these settings (registration/participation.py): a change recounts the
    seats and gives seats freed to the waiting list. The meeting's seats may then
    exceed its capacity (online participants counted from now on): nobody loses
    their place, the next ones wait."""
    if wanted.participation_mode not in participation.MEETING_MODES:
        raise ValueError(f"participation mode {wanted.participation_mode!r}")
    own = [
        name
        for name in ("participation_mode", "online_counts_against_capacity")
        if getattr(meeting, name) != getattr(wanted, name)
    ]
    if not own:
        return []
    for name in own:
        setattr(meeting, name, getattr(wanted, name))
    db.session.flush()
    seats.recount(meeting)
    attendance.recount(meeting)
    registrations.promote_waiting_list(meeting)
    audit.record("meeting.settings", user=user, meeting=meeting, details=", ".join(own))
    return own


def sessions_moved_by_zone(meeting: Meeting, new_zone: str) -> int:
    """What the settings form says before a change of time zone is saved."""
    if new_zone == meeting.timezone or new_zone not in meetings.all_timezones():
        return 0
    return agenda.sessions_moved_by_zone(meeting, new_zone)


# --- Starting from an earlier meeting ----------------------------------------------------


def clone_input(source: Meeting, *, slug: str, start: date) -> meetings.MeetingInput:
    """The settings of `source` for a meeting of `slug` starting on `start`, as long
    as the original (what the command line's clone creates; the web's form lets the
    organiser change them first)."""
    return replace(
        meetings.input_from(source),
        slug=slug,
        start_date=start,
        end_date=start + (source.end_date - source.start_date),
        number_in_series=source.number_in_series + 1 if source.number_in_series else None,
    )


def clone_meeting(
    source: Meeting, data: meetings.MeetingInput, *, with_agenda: bool = False, user=None
) -> Meeting:
    """A new draft meeting with the settings `data`, started from `source`: its rooms,
    delegations (countries, size limits and quotas per category; new private links,
    no people, no focal points), badge
    colours and logo, registration rules (dates shifted as the meeting is), retention
    period, reminders, whether travel support is offered, own wording of the automatic
    mails, and with `with_agenda` its agenda shifted to the new dates (sessions
    without their speakers and chairs).
    Never a participant, a check-in, an e-mail or a communiqué. Raises MeetingError."""
    meeting = meetings.create_meeting(data, user=user)
    shift = meeting.start_date - source.start_date
    for field in (
        "capacity",
        "requires_approval",
        "requires_approval_of_changes",
        "desk_approves_walk_ins",
        "retention_days_after_end",
        "visa_reminder_days",
        "certificate_reminder",
        "sponsorship_enabled",
        "registration_mode",
        "host_country_first",
        "participation_mode",
        "online_counts_against_capacity",
    ):
        setattr(meeting, field, getattr(source, field))
    meeting.reminder_days_before = list(source.reminder_days_before or [])
    if source.registration_opens_at is not None:
        meeting.registration_opens_at = source.registration_opens_at + shift
    if source.registration_closes_at is not None:
        meeting.registration_closes_at = source.registration_closes_at + shift
    meeting.badge_colours = dict(source.badge_colours or {})
    meeting.logo_png = source.logo_png
    for delegation in source.delegations:
        db.session.add(
            Delegation(
                meeting=meeting,
                country_code=delegation.country_code,
                size_limit=delegation.size_limit,
                # The quotas per category, with no seat taken; never its focal
                # points (a government names them anew for each meeting).
                quotas=[
                    DelegationQuota(category=quota.category, size_limit=quota.size_limit)
                    for quota in delegation.quotas
                ],
            )
        )
    for room in agenda.rooms_of(source):
        agenda.save_room(
            meeting,
            name=room.name,
            capacity=room.capacity,
            notes=room.notes,
            available_from=room.available_from,
            available_until=room.available_until,
        )
    sessions = agenda.copy_agenda(source, meeting, people=False) if with_agenda else 0
    db.session.flush()
    mail_texts.copy(source, meeting)
    travel.copy(source, meeting)
    questions = registration_form.copy_form(source, meeting)
    meeting.hidden_fields = list(source.hidden_fields or [])
    meeting.photo_on_badges = source.photo_on_badges
    audit.record(
        "meeting.cloned",
        user=user,
        meeting=meeting,
        details=f"from {source.slug}, {sessions} sessions, {questions} questions",
    )
    return meeting


def clone_sources(user) -> list[Meeting]:
    """The meetings `user` may start a new one from (those they organise), newest first."""
    return list(
        db.session.execute(
            db.select(Meeting)
            .filter(meetings_where(user, Role.ORGANISER))
            .order_by(Meeting.start_date.desc())
        ).scalars()
    )
