"""Registrations: signing up, the private link, moderation and the waiting list.

Services change data and flush; the view commits once, then delivers the mails
the operation queued (see mail/services.py), so that a registration is stored
before any mail server is contacted.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, get_translations, gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, object_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from meeting_app.agenda import attendance
from meeting_app.agenda.ical import meeting_event_calendar
from meeting_app.core import tokens
from meeting_app.core.kept import PerMeeting
from meeting_app.core.security import absolute_url, public_base_url
from meeting_app.delegations import mails as focal_point_mails
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.mail import services as mail
from meeting_app.mail import texts
from meeting_app.mail.models import OutgoingMail
from meeting_app.mail.services import _bound_gettext
from meeting_app.meetings.models import Country, Meeting, MeetingStatus
from meeting_app.meetings.services import registration_state
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.questions import filling
from meeting_app.questions.answers import PlainQuestion
from meeting_app.questions.services import hidden_fields
from meeting_app.registration import participation, placeholders, seats
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


class InPersonFull(RegistrationError):
    """A seat holder who would now take part in person finds the meeting full."""

    field = "attendance_mode"


class SeatRefused(DelegationFull):
    """A registration refused rather than put on the waiting list (a focal point's
    nomination, a substitution): `result` is the seats.SeatResult that said no."""

    def __init__(self, result):
        super().__init__(result.value)
        self.result = result


class InvitationUsed(RegistrationError):
    """The nomination invitation was used by another registration meanwhile."""


class StaleChange(RegistrationError):
    """Someone else changed the registration's status in the meantime."""


class NotReturnable(RegistrationError):
    """Only a registration its owner cancelled may be taken back by them: one the
    organisers declined or cancelled stays so (the person writes to them)."""


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
    answers: dict[int, Any] | None = None,
    files: dict[int, StoredFile | None] | None = None,
    questions: Iterable[PlainQuestion] | None = None,
    by_user=None,
    now: datetime | None = None,
    status: RegistrationStatus | None = None,
    actor: str | None = None,
    nominated_by=None,
    invitation=None,
    replaces: Participant | None = None,
    refuse_when_full: bool = False,
) -> Participant:
    """Stores a registration: with a seat (submitted or approved) while there is
    room in the meeting and the delegation, else on the waiting list, with its
    `answers` to the meeting's questions and their `files` (see
    questions/filling.py save_answers: `questions`, those the form asked, if at
    hand), all in one transaction. Queues the
    confirmation e-mail. Staff (`by_user`) may register people at any time, and
    give the status a seat brings (the desk's walk-ins) with `status`.

    A person who cancelled their own registration and registers again with the
    same address gets that registration back (see `register_again`); any other
    registration of the address raises DuplicateRegistration.

    Accreditation (delegations/accreditation.py): `nominated_by`, the focal point
    who nominates the person; `invitation`, a NominationInvitation the person
    registers with (its delegation and focal point are theirs; it is marked used,
    InvitationUsed if another registration used it first); `refuse_when_full`:
    a full delegation or quota raises SeatRefused instead of the waiting list (a
    full meeting still waitlists); `replaces`, a seat holder whose seat passes to
    the new registration without the waiting list (see `_take_over`), refused
    with SeatRefused when the new category's quota is full."""
    if invitation is not None:
        nominated_by = invitation.focal_point
        refuse_when_full = True
    if by_user is None and (
        meeting.status is not MeetingStatus.PUBLISHED or registration_state(meeting, now) != "open"
    ):
        raise RegistrationClosed("registration is closed")
    values = dict(values, email=normalise_email(values["email"]))
    if invitation is not None:
        values["delegation_id"] = invitation.delegation_id
    # A meeting that does not ask for it: the badge shows the name.
    values.setdefault("badge_name", f"{values['given_name']} {values['family_name']}".strip())
    if by_user is None:
        existing = find_by_email(meeting, values["email"])
        if existing is not None:
            if not cancelled_by_themselves(existing):
                raise DuplicateRegistration()
            try:
                register_again(
                    existing, values, now=now, answers=answers, files=files, questions=questions
                )
            except StaleChange:  # another request took it back a moment ago
                raise DuplicateRegistration() from None
            return existing
    participant = Participant(
        meeting_id=meeting.id,
        status=status or seat_status(meeting),
        nominated_by=nominated_by,
        replaces=replaces,
        **values,
    )
    # The meeting and the delegation too, not only their ids: the confirmation is
    # written before the row is stored, and would otherwise see no delegation at all.
    # Set as already loaded, not as changes: the flush then does not go through the
    # relationships of the meeting and the delegation (a fifth of its time).
    set_committed_value(participant, "meeting", meeting)
    set_committed_value(participant, "delegation", _delegation(values.get("delegation_id")))
    db.session.add(participant)
    change = record(participant, None, participant.status, by_user=by_user, actor=actor)
    if replaces is not None:
        change.details = f"substitution: replaces {replaces.full_name} ({replaces.email})"
    # Written before anything is stored (its queries must not flush): the database
    # is then written to, and SQLite locked, only from the seat to the commit.
    with db.session.no_autoflush:
        saved = filling.save_answers(participant, answers or {}, files, questions)
        confirmation = _queue_confirmation(participant, answers=saved.rows)
    try:
        # The pending inserts are flushed first, then the answers stored (and the
        # files kept from a form sent with errors become the person's); then the
        # seat is taken, last, so that the meeting's row stays locked only from
        # here to the commit.
        filling.store_new_answers(participant, saved)
        if replaces is not None:
            seat = _take_over(replaces, participant, by_user=by_user, actor=actor)
        else:
            seat = seats.take_seat(
                meeting.id,
                values.get("delegation_id"),
                participant.category,
                meeting_seat=participation.holds_meeting_seat(participant),
            )
    except IntegrityError as error:
        # The unique (meeting, e-mail) constraint decides, also between concurrent requests.
        if "email" not in str(error.orig):
            raise
        raise DuplicateRegistration() from error
    if seat is not seats.SeatResult.TAKEN and (
        replaces is not None or (refuse_when_full and seat is not seats.SeatResult.MEETING_FULL)
    ):
        raise SeatRefused(seat)  # the caller rolls back: nothing is stored
    if invitation is not None:
        _use_invitation(invitation, participant)
    if seat is not seats.SeatResult.TAKEN:
        participant.status = change.to_status = Status.WAITLISTED
        mail.discard(confirmation)
        _queue_confirmation(participant, answers=saved.rows)
    return participant


def _delegation(delegation_id: int | None) -> Delegation | None:
    """The delegation with its country, which the confirmation names (one query)."""
    if delegation_id is None:
        return None
    return db.session.get(Delegation, delegation_id, options=[joinedload(Delegation.country)])


def _use_invitation(invitation, participant: Participant) -> None:
    """Marks `invitation` used by `participant` (one conditional UPDATE: of two
    registrations sent with it at once, one only goes through)."""
    table = invitation.__table__
    result = db.session.execute(
        sa.update(table)
        .where(table.c.id == invitation.id, table.c.participant_id.is_(None))
        .values(participant_id=participant.id)
    )
    if result.rowcount != 1:
        raise InvitationUsed("invitation used")
    db.session.expire(invitation, ["participant_id"])


def _take_over(
    old: Participant, new: Participant, *, by_user=None, actor: str | None = None
) -> seats.SeatResult:
    """A substitution: `new` (stored, not yet seated) takes `old`'s seat. The
    meeting's and the delegation's seat pass over as they are (nobody on the
    waiting list gets it in between); only the quota's moves when the category
    changes (QUOTA_FULL if the new one is full). `old` is cancelled, with the
    substitute named, and told so; both histories say "substitution"."""
    old_status = old.status
    if old_status not in _SEATED:
        raise StaleChange("the replaced registration holds no seat")
    # The person's row first, then the seats' rows, as change_status locks them.
    _claim(old, old_status, Status.CANCELLED)
    result = seats.move_delegation_seat(
        old.delegation_id, new.delegation_id, old.category, new.category
    )
    if result is not seats.SeatResult.TAKEN:
        return result  # the caller refuses the whole registration (rolled back)
    with force_locale(old.preferred_language):
        old.decision_reason = gettext(
            "Your delegation replaced you by %(name)s.", name=new.full_name
        )
    old.status_changed_at = utcnow()
    record(
        old,
        old_status,
        Status.CANCELLED,
        by_user=by_user,
        actor=actor,
        details=f"substitution: replaced by {new.full_name} ({new.email})",
    )
    if by_user is not None:
        audit.record(
            "participant.status",
            user=by_user,
            participant=old,
            details=f"{old_status.value} → {Status.CANCELLED.value} (substitution)",
        )
    _notify_status(old, old_status)
    if old.category is not new.category:
        promote_waiting_list(old.meeting)  # a seat of the old category's quota is free
    attendance.leave_all(old)
    return result


def register_again(
    participant: Participant,
    values: dict | None = None,
    *,
    now: datetime | None = None,
    answers: dict[int, Any] | None = None,
    files: dict[int, StoredFile | None] | None = None,
    questions: Iterable[PlainQuestion] | None = None,
) -> None:
    """Takes back a registration its owner had cancelled, while registration is open:
    the same row and private link, through the seat rules of a new registration (a
    seat if one is free, else the waiting list), with `values` and `answers` (what
    the person entered again) applied. Both events stay in the history.

    Raises RegistrationClosed, NotReturnable for a registration declined or
    cancelled by the organisers, StaleChange when another request took it back
    first (the status is claimed with one conditional UPDATE, so two requests at
    the same moment cannot both take a seat)."""
    meeting = participant.meeting
    if meeting.status is not MeetingStatus.PUBLISHED or registration_state(meeting, now) != "open":
        raise RegistrationClosed("registration is closed")
    if not cancelled_by_themselves(participant):
        raise NotReturnable(participant.status.value)
    new_status = seat_status(meeting)
    _claim(participant, Status.CANCELLED, new_status)
    details = _apply(participant, values) if values else []
    if answers or files:
        details += filling.save_answers(participant, answers or {}, files, questions).lines
    seat = seats.take_seat(
        meeting.id,
        participant.delegation_id,
        participant.category,
        meeting_seat=participation.holds_meeting_seat(participant),
    )
    if seat is not seats.SeatResult.TAKEN:
        # This request holds the row since the claim: nobody else can change it now.
        participant.status = Status.WAITLISTED
    participant.status_changed_at = utcnow()
    participant.decision_reason = ""
    record(participant, Status.CANCELLED, participant.status, details="\n".join(details))
    _queue_confirmation(participant, again=True)


def _apply(participant: Participant, values: dict) -> list[str]:
    """Sets the editable fields from `values`; returns the change log's lines."""
    changed = [f for f in EDITABLE_FIELDS if f in values and getattr(participant, f) != values[f]]
    lines = [
        f"{field}: (changed)"
        if field in PRIVATE_FIELDS
        else f"{field}: {_shown(getattr(participant, field))} → {_shown(values[field])}"
        for field in changed
    ]
    for field in changed:
        setattr(participant, field, values[field])
    if "delegation_id" in changed:
        # The loaded relationship would still name the old delegation in the e-mails.
        participant.delegation = _delegation(values["delegation_id"])
    return lines


# The confirmation's automatic mail (mail/texts.py) for each status; sent again
# (the back office's button) to someone declined or cancelled, it is the mail that
# told them so.
_CONFIRMATIONS = {
    Status.SUBMITTED: "confirmation_submitted",
    Status.APPROVED: "confirmation_approved",
    Status.WAITLISTED: "confirmation_waitlisted",
    Status.DECLINED: "status_declined",
    Status.CANCELLED: "status_cancelled",
}


def _queue_confirmation(participant: Participant, *, again: bool = False, answers=None):
    """`answers`: the person's answers when at hand (a registration not stored yet),
    else read."""
    key = "confirmation_resumed" if again else _CONFIRMATIONS[participant.status]
    values = mail_values(participant, answers=answers) if answers is not None else None
    return _queue_mail(participant, key, "confirmation", values, **_invitation(participant))


def _queue_mail(participant: Participant, key: str, kind: str, values=None, **calendar):
    """Queues the automatic mail `key` to `participant` in their language, with
    `values` (default: `mail_values`) and an optional calendar."""
    return texts.queue(
        participant.email,
        key,
        participant.preferred_language,
        values or mail_values(participant),
        kind=kind,
        meeting=participant.meeting,
        participant=participant,
        **calendar,
    )


def mail_values(
    participant: Participant, language: str | None = None, *, answers=None
) -> dict[str, str]:
    """The placeholders' values of an automatic mail to `participant`, in their
    language (or `language`: the editor's preview): those of every mail to a
    participant, what they entered (`details`: the built-in fields the meeting
    asks, and their answers to its questions but the organisers-only ones, files
    by their names), their status in lower case (`status`), and the organisers'
    note on their decision (`note`, empty without one).

    Called for each of an import's thousands of confirmations: no query (a
    registration not stored yet has no answers to read, or brings them in
    `answers`), and the entered details (data, not a wording anyone edits) are
    written by Jinja with the translations bound once."""
    language = language or participant.preferred_language
    reason = (participant.decision_reason or "").strip()
    with force_locale(language):
        values = placeholders.values(participant, language, public_base_url())
        values["details"] = render_template(
            "email/_details.txt",
            participant=participant,
            language=language,
            hidden=hidden_fields(participant.meeting),
            answers=filling.shown_answers(participant, language=language, answers=answers),
            **_bound_gettext(get_translations()),
        ).strip()
        values["status"] = str(participant.status.label).lower()
        values["note"] = gettext("Note from the organisers:") + "\n" + reason if reason else ""
    return values


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
    """Mails the private link to `email` if it is registered, at most once per
    PRIVATE_LINK_MAIL_INTERVAL seconds; does nothing otherwise, so that the answer
    never tells a stranger who is registered, and a form posted many times (or by
    someone else) does not fill the person's mailbox."""
    participant = find_by_email(meeting, email)
    if participant is None or not _link_mail_due(participant):
        return
    values = mail_values(participant)
    values["situation"] = situation_text(participant, values["meeting"])
    _queue_mail(participant, "private_link", LINK_MAIL, values)


def _situation(participant: Participant) -> str:
    """What the private-link mail tells about coming back with this registration."""
    if cancelled_by_themselves(participant):
        return "returnable" if registration_state(participant.meeting) == "open" else "cancelled"
    if participant.status is Status.DECLINED:
        return "declined"
    if participant.status is Status.CANCELLED:
        return "cancelled_by_organisers"
    return "registered"


def situation_text(participant: Participant, title: str, language: str | None = None) -> str:
    """The private-link mail's `{{ situation }}`, in the person's language (or
    `language`): what they can do with their registration now."""
    situation = _situation(participant)
    address = secretariat_address(participant.meeting)
    with force_locale(language or participant.preferred_language):
        if situation == "returnable":
            return gettext(
                "Someone, probably you, asked for your private link for “%(meeting)s”. Your"
                " registration is cancelled. While registration is open, you can take it up"
                " again from your private link, or by registering again with this address.",
                meeting=title,
            )
        if situation == "cancelled":
            return gettext(
                "Someone, probably you, asked for your private link for “%(meeting)s”. Your"
                " registration is cancelled, and registration is no longer open: to come after"
                " all, write to the secretariat: %(address)s",
                meeting=title,
                address=address,
            )
        if situation == "declined":
            return gettext(
                "Someone, probably you, asked for your private link for “%(meeting)s”, or tried"
                " to register again with this address. The organisers declined your"
                " registration, and registering again does not change their decision. To talk"
                " about it, write to the secretariat: %(address)s",
                meeting=title,
                address=address,
            )
        if situation == "cancelled_by_organisers":
            return gettext(
                "Someone, probably you, asked for your private link for “%(meeting)s”, or tried"
                " to register again with this address. The organisers cancelled your"
                " registration, and registering again does not change their decision. To talk"
                " about it, write to the secretariat: %(address)s",
                meeting=title,
                address=address,
            )
        return gettext(
            "Someone, probably you, asked for your private link for “%(meeting)s”, or tried to"
            " register again with this address. You are already registered (status:"
            " %(status)s); your registration is unchanged.",
            meeting=title,
            status=str(participant.status.label),
        )


LINK_MAIL = "link"


def _link_mail_due(participant: Participant) -> bool:
    """Whether no private-link mail went to this registration in the last interval.

    The registration's row is locked first, by an UPDATE that changes nothing:
    PostgreSQL then holds the row, SQLite the database, until the commit. A
    request that comes at the same moment waits there, and then reads the mail
    this one queued (each statement reads what was committed before it began)."""
    table = Participant.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == participant.id).values(updated_at=table.c.updated_at)
    )
    since = utcnow() - timedelta(seconds=current_app.config["PRIVATE_LINK_MAIL_INTERVAL"])
    recent = db.session.scalar(
        sa.select(OutgoingMail.id)
        .where(
            OutgoingMail.participant_id == participant.id,
            OutgoingMail.kind == LINK_MAIL,
            OutgoingMail.created_at >= since,
        )
        .limit(1)
    )
    return recent is None


def secretariat_address(meeting: Meeting) -> str:
    """Where participants write to the organisers: the meeting's contact address,
    else the site's sender (without its display name)."""
    return meeting.contact_email or parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def resend_confirmation(participant: Participant, *, answers=None) -> None:
    """`answers`: the person's answers when at hand (an import's), else read."""
    _queue_confirmation(participant, answers=answers)


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


def update_registration(
    participant: Participant,
    values: dict,
    *,
    answers: dict[int, Any] | None = None,
    files: dict[int, StoredFile | None] | None = None,
    questions: Iterable[PlainQuestion] | None = None,
    by_user=None,
) -> list[str]:
    """Applies a participant's (or organiser's) edits, and their `answers` and
    `files` (questions/filling.py save_answers); returns the fields and the keys
    of the questions changed. An approved participant's own edits go back to the
    organisers when the meeting says so. Raises DuplicateRegistration for an e-mail
    already registered and DelegationFull when a seat holder moves to a full
    delegation, before anything is changed."""
    meeting = participant.meeting
    if by_user is None and registration_state(meeting) != "open":
        raise RegistrationClosed("registration is closed")
    values = dict(values, email=normalise_email(values["email"]))
    if "badge_name" not in values and participant.badge_name == participant.full_name:
        # A meeting that does not ask for it: the badge keeps following the name.
        values["badge_name"] = f"{values['given_name']} {values['family_name']}".strip()
    changed = [f for f in EDITABLE_FIELDS if f in values and getattr(participant, f) != values[f]]
    if not changed and not answers and not files:
        return []
    if "email" in changed:
        other = find_by_email(meeting, values["email"])
        if other is not None and other.id != participant.id:
            raise DuplicateRegistration()
    if (
        ("delegation_id" in changed or "category" in changed)
        and participant.holds_seat
        and seats.move_delegation_seat(
            participant.delegation_id,
            values.get("delegation_id", participant.delegation_id),
            participant.category,
            values.get("category", participant.category),
        )
        is not seats.SeatResult.TAKEN
    ):
        raise DelegationFull("delegation full")
    mode_changed = "attendance_mode" in changed
    was_online = participation.is_online(participant)
    if mode_changed:
        _move_meeting_seat(participant, values["attendance_mode"])
    lines = _apply(participant, values)
    if answers or files:
        saved = filling.save_answers(participant, answers or {}, files, questions)
        changed += saved.changed
        lines += saved.lines
    if not changed:
        return []
    details = "\n".join(lines)
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
    if mode_changed:
        # A seat given back moves the waiting list up; and a person waiting who now
        # takes part online may need no seat of the capacity at all.
        promote_waiting_list(meeting)
        attendance.mode_changed(participant, was_online=was_online)
    return changed


def _move_meeting_seat(participant: Participant, new_mode: str) -> None:
    """A seat holder's meeting seat when they change how they take part (before
    anything is changed: InPersonFull leaves all as it was)."""
    if not participant.holds_seat:
        return
    meeting = participant.meeting
    had = participation.holds_meeting_seat(participant)
    needs = participation.takes_meeting_seat(meeting, new_mode)
    if needs and not had and not seats.take_meeting_seat(meeting.id):
        raise InPersonFull("meeting full")
    if had and not needs:
        seats.release_meeting_seat(meeting.id)


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
    list up and gives up the person's places in the sessions they chose. Returns
    False when it already had that status.

    Raises SeatUnavailable when the meeting or delegation is full, StaleChange
    when someone else changed the status meanwhile."""
    old_status = participant.status
    if new_status is old_status:
        return False
    _claim(participant, old_status, new_status)
    freed = old_status in _SEATED and new_status not in _SEATED
    if old_status not in _SEATED and new_status in _SEATED:
        result = seats.take_seat(
            participant.meeting_id,
            participant.delegation_id,
            participant.category,
            meeting_seat=participation.holds_meeting_seat(participant),
        )
        if result is not seats.SeatResult.TAKEN:
            _claim(participant, new_status, old_status)
            raise SeatUnavailable(result.value)
    elif freed:
        seats.release_seat(
            participant.meeting_id,
            participant.delegation_id,
            participant.category,
            meeting_seat=participation.holds_meeting_seat(participant),
        )
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
        _notify_status(participant, old_status, held=held_on_waiting_list(participant))
        if participant.nominated_by_id is not None and new_status in focal_point_mails.DECISIONS:
            focal_point_mails.tell_decision(participant)
    if freed:
        promote_waiting_list(participant.meeting)
        # Last: the sessions' rows are locked after every participant's row, as
        # attendance.attend does, so that the two never wait for each other.
        attendance.leave_all(participant)
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


def _given_by(actor: str):
    """SQL: the registration's present status was given by `actor` ("organiser",
    "participant") changing it, not at registration nor by the seat rules. The
    history tells: the latest change that entered the present status."""
    entry = aliased(RegistrationChange)
    entered = (
        sa.select(sa.func.max(entry.id))
        .where(
            entry.participant_id == Participant.id,
            entry.to_status == Participant.status,
            sa.or_(entry.from_status.is_(None), entry.from_status != entry.to_status),
        )
        .correlate(Participant)  # two levels down: not found by auto-correlation
        .scalar_subquery()
    )
    return sa.exists().where(
        RegistrationChange.id == entered,
        RegistrationChange.actor == actor,
        RegistrationChange.from_status.is_not(None),
    )


def _given(participant: Participant, actor: str) -> bool:
    if participant.id is None:
        return False
    db.session.flush()  # this request's own change counts
    return (
        db.session.scalar(
            sa.select(Participant.id).where(Participant.id == participant.id, _given_by(actor))
        )
        is not None
    )


def held_on_waiting_list(participant: Participant) -> bool:
    """On the waiting list by an organiser's decision: no freed seat moves them up."""
    return participant.status is Status.WAITLISTED and _given(participant, "organiser")


def cancelled_by_themselves(participant: Participant) -> bool:
    """Cancelled by the person (not the organisers): they may take it back."""
    return participant.status is Status.CANCELLED and _given(participant, "participant")


def _notify_status(
    participant: Participant, old_status: RegistrationStatus, *, held: bool = False
) -> None:
    status = participant.status
    if status is Status.SUBMITTED:
        key = "status_promoted" if old_status is Status.WAITLISTED else "status_submitted"
    elif status is Status.WAITLISTED:
        key = "status_held" if held else "status_waitlisted"
    else:
        key = f"status_{status.value}"
    _queue_mail(participant, key, f"status:{status.value}", **_invitation(participant))


def cancel(participant: Participant, *, by_user=None, reason: str = "") -> bool:
    """Cancels a registration (by the participant while the meeting is not archived,
    or by staff at any time). A participant cannot cancel a declined registration:
    it stays the organisers' decision (NotReturnable)."""
    if by_user is None and participant.meeting.status is MeetingStatus.ARCHIVED:
        raise RegistrationClosed("the meeting is archived")
    if by_user is None and participant.status is Status.DECLINED:
        raise NotReturnable(participant.status.value)
    return change_status(participant, Status.CANCELLED, by_user=by_user, reason=reason)


def promote_waiting_list(meeting: Meeting) -> list[Participant]:
    """Gives freed seats to people waiting for one, in the order they registered,
    skipping those whose delegation is still full; e-mails each one moved up.
    Those an organiser put on the waiting list stay there until an organiser
    decides otherwise. Once the meeting is full, those who need no seat of its
    capacity (online participants it does not count) still move up."""
    promoted = []
    meeting_full = False
    waiting = (
        db.session.execute(
            db.select(Participant)
            .filter_by(meeting_id=meeting.id, status=Status.WAITLISTED)
            .filter(~_given_by("organiser"))
            .order_by(Participant.created_at, Participant.id)
        )
        .scalars()
        .all()
    )
    for participant in waiting:
        meeting_seat = participation.holds_meeting_seat(participant)
        if meeting_full and meeting_seat:
            continue
        try:
            _claim(participant, Status.WAITLISTED, seat_status(meeting))
        except StaleChange:
            continue
        result = seats.take_seat(
            participant.meeting_id,
            participant.delegation_id,
            participant.category,
            meeting_seat=meeting_seat,
        )
        if result is not seats.SeatResult.TAKEN:
            _claim(participant, seat_status(meeting), Status.WAITLISTED)
            meeting_full = meeting_full or result is seats.SeatResult.MEETING_FULL
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


# Every registration form (and POST) lists the meeting's delegations, a query each
# otherwise. Adding a delegation to a meeting or taking one away changes the
# meeting's updated_at (`_meeting_changed`), and with it the key they are kept under.
_DELEGATION_CHOICES: PerMeeting[list[tuple[int, str]]] = PerMeeting(512)


def delegation_choices(meeting: Meeting, language: str) -> list[tuple[int, str]]:
    """The meeting's delegations as (id, country name in `language`), in `language`'s
    alphabetical order (one query, none while the meeting is as last read)."""

    def read() -> list[tuple[int, str]]:
        return [
            tuple(row)
            for row in db.session.execute(
                db.select(Delegation.id, Country.name_column(language))
                .join(Country, Country.code == Delegation.country_code)
                .filter(Delegation.meeting_id == meeting.id)
                .order_by(Country.by_name(language))
            )
        ]

    # The caller's own list: the kept one stays as it is.
    return list(_DELEGATION_CHOICES.get(meeting, read, language))


@sa.event.listens_for(Delegation, "after_insert")
@sa.event.listens_for(Delegation, "after_delete")
def _meeting_changed(_mapper, connection, delegation: Delegation) -> None:
    """A delegation added to a meeting or taken from it by any code that goes through
    the ORM (the organisers' page, a clone, the demo, a test): the meeting's
    updated_at changes in the same transaction, and with it the key under which
    every process keeps the meeting's delegation choices (`delegation_choices`)."""
    now = utcnow()
    meetings = Meeting.__table__
    connection.execute(
        sa.update(meetings).where(meetings.c.id == delegation.meeting_id).values(updated_at=now)
    )
    # The meeting as this session holds it says so too (it is not read again).
    session = object_session(delegation)
    meeting = session.identity_map.get(identity_key(Meeting, delegation.meeting_id))
    if meeting is not None:
        set_committed_value(meeting, "updated_at", now)


@sa.event.listens_for(Delegation, "after_update")
def _country_changed(mapper, connection, delegation: Delegation) -> None:
    """The same for a delegation given another country (a head or a size limit
    changes no choice; seats are taken without the ORM)."""
    if sa.inspect(delegation).attrs.country_code.history.has_changes():
        _meeting_changed(mapper, connection, delegation)


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
