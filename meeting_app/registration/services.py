"""Registrations: signing up, the private link, moderation and the waiting list.

Services change data and flush; the view commits once, then delivers the mails
the operation queued (see mail/services.py), so that a registration is stored
before any mail server is contacted.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy.exc import IntegrityError

from meeting_app.agenda.ical import meeting_event_calendar
from meeting_app.core import tokens
from meeting_app.core.security import absolute_url, public_base_url
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.mail import services as mail
from meeting_app.meetings.models import Country, Meeting, MeetingStatus
from meeting_app.meetings.services import registration_state
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.registration import seats
from meeting_app.registration.models import (
    EDITABLE_FIELDS,
    PRIVATE_FIELDS,
    Participant,
    RegistrationChange,
    RegistrationStatus,
)

Status = RegistrationStatus


class RegistrationError(Exception):
    """A registration operation that cannot be done; `field` names the form field."""

    field: str | None = None


class RegistrationClosed(RegistrationError):
    pass


class DuplicateRegistration(RegistrationError):
    """The address is already registered for the meeting (the caller rolls back)."""

    field = "email"


class DelegationFull(RegistrationError):
    field = "delegation_id"


class SeatUnavailable(RegistrationError):
    pass


class StaleChange(RegistrationError):
    """Someone else changed the registration's status in the meantime."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def private_link(participant: Participant) -> str:
    return absolute_url("registration.private_page", token=participant.token)


def find_by_token(token: str) -> Participant | None:
    """The one way to load a registration from a private link. An unknown, forged
    or malformed token gives None (the caller answers 404, whatever the case)."""
    if not tokens.plausible(token):
        return None
    participant = db.session.execute(
        db.select(Participant).filter_by(token_selector=tokens.selector_of(token))
    ).scalar_one_or_none()
    if participant is None or not tokens.same_token(participant.token, token):
        return None
    # An erased person's link was replaced by a secret nobody has; this says so twice.
    if participant.erased_at is not None:
        return None
    return participant


def find_by_email(meeting: Meeting, email: str) -> Participant | None:
    return db.session.execute(
        db.select(Participant).filter_by(meeting_id=meeting.id, email=normalise_email(email))
    ).scalar_one_or_none()


def seat_status(meeting: Meeting) -> RegistrationStatus:
    return Status.SUBMITTED if meeting.requires_approval else Status.APPROVED


def register(
    meeting: Meeting,
    values: dict,
    *,
    by_user=None,
    now: datetime | None = None,
    status: RegistrationStatus | None = None,
    actor: str | None = None,
) -> Participant:
    """Stores a registration: with a seat (submitted or approved) while there is
    room in the meeting and the delegation, else on the waiting list. Queues the
    confirmation e-mail. Staff (`by_user`) may register people at any time, and
    give the status a seat brings (the desk's walk-ins) with `status`."""
    if by_user is None and (
        meeting.status is not MeetingStatus.PUBLISHED or registration_state(meeting, now) != "open"
    ):
        raise RegistrationClosed("registration is closed")
    values = dict(values, email=normalise_email(values["email"]))
    participant = Participant(meeting=meeting, status=status or seat_status(meeting), **values)
    db.session.add(participant)
    change = record(participant, None, participant.status, by_user=by_user, actor=actor)
    confirmation = _queue_confirmation(participant)
    try:
        # The pending inserts are flushed first; then the seat is taken, last, so that
        # the meeting's row stays locked only from here to the commit.
        seat = seats.take_seat(meeting.id, values.get("delegation_id"))
    except IntegrityError as error:
        # The unique (meeting, e-mail) constraint decides, also between concurrent requests.
        if "email" not in str(error.orig):
            raise
        raise DuplicateRegistration() from error
    if seat is not seats.SeatResult.TAKEN:
        participant.status = change.to_status = Status.WAITLISTED
        mail.discard(confirmation)
        _queue_confirmation(participant)
    return participant


def _queue_confirmation(participant: Participant):
    return mail.queue(
        participant.email,
        "registration_received",
        participant.preferred_language,
        kind="confirmation",
        meeting=participant.meeting,
        participant=participant,
        link=private_link(participant),
        **_invitation(participant),
    )


def _invitation(participant: Participant) -> dict:
    """An approved participant's mail carries the meeting as a calendar invitation."""
    if participant.status is not Status.APPROVED:
        return {}
    meeting = participant.meeting
    return {
        "calendar": meeting_event_calendar(
            meeting,
            language=participant.preferred_language,
            base_url=public_base_url(),
            stamp=utcnow(),
            method="REQUEST",
            organizer=current_app.config["MAIL_DEFAULT_SENDER"],
            attendee=(participant.email, participant.full_name),
        ),
        "calendar_method": "REQUEST",
    }


def send_link_again(meeting: Meeting, email: str) -> None:
    """Mails the private link to `email` if it is registered; does nothing
    otherwise, so that the answer never tells a stranger who is registered."""
    participant = find_by_email(meeting, email)
    if participant is not None:
        mail.queue(
            participant.email,
            "private_link",
            participant.preferred_language,
            kind="link",
            meeting=meeting,
            participant=participant,
            link=private_link(participant),
        )


def resend_confirmation(participant: Participant) -> None:
    _queue_confirmation(participant)


def record(
    participant: Participant,
    from_status,
    to_status,
    *,
    by_user=None,
    details: str = "",
    actor: str | None = None,
) -> RegistrationChange:
    change = RegistrationChange(
        participant=participant,
        from_status=from_status,
        to_status=to_status,
        by_user_id=by_user.id if by_user else None,
        details=details,
        actor=actor or ("organiser" if by_user else "participant"),
    )
    db.session.add(change)
    return change


def update_registration(participant: Participant, values: dict, *, by_user=None) -> list[str]:
    """Applies a participant's (or organiser's) edits; returns the fields changed.
    An approved participant's own edits go back to the organisers when the meeting
    says so. Raises DuplicateRegistration for an e-mail already registered and
    DelegationFull when a seat holder moves to a full delegation."""
    meeting = participant.meeting
    if by_user is None and registration_state(meeting) != "open":
        raise RegistrationClosed("registration is closed")
    values = dict(values, email=normalise_email(values["email"]))
    changed = [f for f in EDITABLE_FIELDS if f in values and getattr(participant, f) != values[f]]
    if not changed:
        return []
    if "email" in changed:
        other = find_by_email(meeting, values["email"])
        if other is not None and other.id != participant.id:
            raise DuplicateRegistration()
    if (
        "delegation_id" in changed
        and participant.holds_seat
        and not seats.move_delegation_seat(participant.delegation_id, values["delegation_id"])
    ):
        raise DelegationFull("delegation full")
    details = "\n".join(
        f"{field}: (changed)"
        if field in PRIVATE_FIELDS
        else f"{field}: {_shown(getattr(participant, field))} → {_shown(values[field])}"
        for field in changed
    )
    for field in changed:
        setattr(participant, field, values[field])
    old_status = participant.status
    if by_user is None and old_status is Status.APPROVED and meeting.requires_approval_of_changes:
        participant.status = Status.SUBMITTED
        participant.status_changed_at = utcnow()
    record(participant, old_status, participant.status, by_user=by_user, details=details)
    if by_user is not None:
        audit.record(
            "participant.edited",
            user=by_user,
            participant=participant,
            details=", ".join(changed),  # the field names, never the values
        )
    return changed


def _shown(value) -> str:
    text = value.value if hasattr(value, "value") else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def change_status(
    participant: Participant,
    new_status: RegistrationStatus,
    *,
    by_user=None,
    reason: str = "",
    notify: bool = True,
) -> bool:
    """Moves a registration to `new_status`, keeping the seat counts right, records
    it, e-mails the participant and, when a seat was freed, moves the waiting
    list up. Returns False when it already had that status.

    Raises SeatUnavailable when the meeting or delegation is full, StaleChange
    when someone else changed the status meanwhile."""
    old_status = participant.status
    if new_status is old_status:
        return False
    _claim(participant, old_status, new_status)
    freed = old_status in _SEATED and new_status not in _SEATED
    if old_status not in _SEATED and new_status in _SEATED:
        result = seats.take_seat(participant.meeting_id, participant.delegation_id)
        if result is not seats.SeatResult.TAKEN:
            _claim(participant, new_status, old_status)
            raise SeatUnavailable(result.value)
    elif freed:
        seats.release_seat(participant.meeting_id, participant.delegation_id)
    participant.status_changed_at = utcnow()
    participant.decision_reason = reason
    record(participant, old_status, new_status, by_user=by_user, details=reason)
    if by_user is not None:
        audit.record(
            "participant.status",
            user=by_user,
            participant=participant,
            details=f"{old_status.value} → {new_status.value}",
        )
    if notify:
        _notify_status(participant, old_status)
    if freed:
        promote_waiting_list(participant.meeting)
    return True


_SEATED = frozenset({Status.SUBMITTED, Status.APPROVED})


def _claim(participant: Participant, expected: RegistrationStatus, new: RegistrationStatus) -> None:
    """Sets the status only if it is still `expected` (one conditional UPDATE), so
    that two clicks or two organisers cannot both free the same seat."""
    result = db.session.execute(
        db.update(Participant)
        .where(Participant.id == participant.id, Participant.status == expected)
        .values(status=new)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        db.session.refresh(participant)
        raise StaleChange("status changed meanwhile")


def _notify_status(participant: Participant, old_status: RegistrationStatus) -> None:
    mail.queue(
        participant.email,
        "status_changed",
        participant.preferred_language,
        kind=f"status:{participant.status.value}",
        meeting=participant.meeting,
        participant=participant,
        old_status=old_status,
        link=private_link(participant),
        **_invitation(participant),
    )


def cancel(participant: Participant, *, by_user=None, reason: str = "") -> bool:
    """Cancels a registration (by the participant while the meeting is not archived,
    or by staff at any time)."""
    if by_user is None and participant.meeting.status is MeetingStatus.ARCHIVED:
        raise RegistrationClosed("the meeting is archived")
    return change_status(participant, Status.CANCELLED, by_user=by_user, reason=reason)


def promote_waiting_list(meeting: Meeting) -> list[Participant]:
    """Gives freed seats to waiting people in the order they registered, skipping
    those whose delegation is still full; e-mails each one moved up."""
    promoted = []
    waiting = (
        db.session.execute(
            db.select(Participant)
            .filter_by(meeting_id=meeting.id, status=Status.WAITLISTED)
            .order_by(Participant.created_at, Participant.id)
        )
        .scalars()
        .all()
    )
    for participant in waiting:
        try:
            _claim(participant, Status.WAITLISTED, seat_status(meeting))
        except StaleChange:
            continue
        result = seats.take_seat(participant.meeting_id, participant.delegation_id)
        if result is not seats.SeatResult.TAKEN:
            _claim(participant, seat_status(meeting), Status.WAITLISTED)
            if result is seats.SeatResult.MEETING_FULL:
                break
            continue
        participant.status_changed_at = utcnow()
        record(participant, Status.WAITLISTED, participant.status, actor="waiting list")
        _notify_status(participant, Status.WAITLISTED)
        promoted.append(participant)
    return promoted


def regenerate_token(participant: Participant, *, by_user) -> str:
    """A new private link; the old one stops working at once."""
    participant.token = tokens.new_token()
    record(
        participant,
        participant.status,
        participant.status,
        by_user=by_user,
        details="private link regenerated",
    )
    audit.record("participant.new_link", user=by_user, participant=participant)
    return participant.token


def delegation_choices(meeting: Meeting, language: str) -> list[tuple[int, str]]:
    """The meeting's delegations as (id, country name in `language`), by name (one query)."""
    name = getattr(Country, f"name_{language}", Country.name_en)
    return [
        tuple(row)
        for row in db.session.execute(
            db.select(Delegation.id, name)
            .join(Country, Country.code == Delegation.country_code)
            .filter(Delegation.meeting_id == meeting.id)
            .order_by(name)
        )
    ]


class CapacityTooLow(RegistrationError):
    field = "capacity"


def update_registration_settings(
    meeting: Meeting,
    *,
    opens_at: datetime,
    closes_at: datetime,
    capacity: int | None,
    requires_approval: bool,
    requires_approval_of_changes: bool,
) -> list[Participant]:
    """Changes the registration settings (times in UTC). The capacity may not drop
    below the seats already held; raising it moves the waiting list up (returned)."""
    if capacity is not None and capacity < meeting.seats_taken:
        raise CapacityTooLow(str(meeting.seats_taken))
    meeting.registration_opens_at, meeting.registration_closes_at = opens_at, closes_at
    meeting.capacity = capacity
    meeting.requires_approval = requires_approval
    meeting.requires_approval_of_changes = requires_approval_of_changes
    db.session.flush()
    return promote_waiting_list(meeting)
