"""Accreditation: what a delegation's focal point does through their private link
/d/<token> (nominate members to the delegation's quotas, invite people to fill the
form themselves, replace a member, name the head, send the credentials letter),
and what the secretariat may still do for them once registration is closed
(`substitute(..., by_user=)`, `store_credentials`).

Services flush; the view commits once (core/tasks.py commit), then the mails
queued here go. They raise this module's exceptions (or the registration
services' own); the views turn them into 404s and form errors.

Seats are never counted then taken: a nomination takes its seat (the category's
quota, the delegation's, then the meeting's) with the conditional UPDATEs of
registration/seats.py in its own transaction, and is refused, nothing stored,
when the delegation or the quota said no (registration.services.register with
`refuse_when_full`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import Response, current_app
from sqlalchemy.orm import joinedload

from meeting_app.core import tokens
from meeting_app.core.collation import collated
from meeting_app.core.database import as_id
from meeting_app.delegations import mails
from meeting_app.delegations import services as delegations
from meeting_app.delegations.models import (
    Credential,
    Delegation,
    DelegationQuota,
    FocalPoint,
    NominationInvitation,
)
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.meetings.services import registration_state
from meeting_app.models import utcnow
from meeting_app.questions.models import FILE_TYPES, FormQuestion
from meeting_app.questions.services import DEFAULT_FILE_BYTES
from meeting_app.registration import seats
from meeting_app.registration import services as registration
from meeting_app.registration.models import (
    SEAT_HOLDING,
    Category,
    Participant,
    RegistrationStatus,
)

# Who made a change, in the registrations' history (RegistrationChange.actor).
ACTOR = "focal point"
# Who sent a credentials letter through a delegation's older link (no focal point).
OLD_LINK = "head-of-delegation link"
CREDENTIALS_MAX_BYTES = 10 * files.MB
REFERENCE_MAX = 200
PDF_ONLY = frozenset({files.PDF})
# A registration a focal point may attach to their delegation: one that holds a
# seat or waits for one (a cancelled or declined one stays the organisers' case).
ATTACHABLE = SEAT_HOLDING | {RegistrationStatus.WAITLISTED}


class AccreditationError(Exception):
    """Something a focal point asked that cannot be done."""


class RegistrationClosed(AccreditationError):
    """Registration is not open (or the meeting not published): the focal point's
    page is read-only."""


class AlreadyInDelegation(AccreditationError):
    def __init__(self, participant: Participant):
        super().__init__("already in the delegation")
        self.participant = participant


class RegisteredIndividually(AccreditationError):
    """The address is registered for the meeting without a delegation: it may be
    attached to the delegation instead (`attach`)."""

    def __init__(self, participant: Participant):
        super().__init__("registered individually")
        self.participant = participant


class InOtherDelegation(AccreditationError):
    def __init__(self, participant: Participant):
        super().__init__("in another delegation")
        self.participant = participant


class AlreadyRegistered(AccreditationError):
    """The address has a registration the focal point cannot take over (cancelled
    or declined): the secretariat's case."""


class NotFound(AccreditationError):
    pass


class NoSeat(AccreditationError):
    """The member holds no seat (submitted or approved): nothing to pass on, or
    not someone who can head the delegation."""


class CredentialDateInFuture(AccreditationError):
    pass


class Full(AccreditationError):
    """The delegation (`category` None) or its quota for `category` is full:
    `limit` seats, all taken."""

    def __init__(self, result: seats.SeatResult, category: Category | None, limit: int | None):
        super().__init__(result.value)
        self.result = result
        self.category = category
        self.limit = limit


@dataclass(frozen=True)
class Access:
    """Who holds a /d/<token> link: a focal point of the delegation, or (the older
    head-of-delegation links, which keep working) nobody in particular."""

    delegation: Delegation
    focal_point: FocalPoint | None

    @property
    def meeting(self) -> Meeting:
        return self.delegation.meeting

    @property
    def signature(self) -> str:
        """Who did it, as the records keep it: the focal point's name and address."""
        focal_point = self.focal_point
        if focal_point is None:
            return OLD_LINK
        return f"{focal_point.name} <{focal_point.email}>"


def find_access(token: str) -> Access | None:
    """The one way to load a delegation from a /d/<token> link: a focal point's
    token (None once revoked), else a delegation's older view token. An unknown,
    forged, malformed or revoked token gives None (the caller answers 404)."""
    if not tokens.plausible(token):
        return None
    focal_point = db.session.execute(
        sa.select(FocalPoint).filter_by(token_selector=tokens.selector_of(token))
    ).scalar_one_or_none()
    if focal_point is not None:
        if focal_point.revoked_at is not None or not tokens.same_token(focal_point.token, token):
            return None
        return Access(focal_point.delegation, focal_point)
    delegation = delegations.find_by_view_token(token)
    return Access(delegation, None) if delegation is not None else None


def is_open(meeting: Meeting) -> bool:
    """Whether focal points may change anything: the meeting is published and its
    registration open."""
    return meeting.status is MeetingStatus.PUBLISHED and registration_state(meeting) == "open"


# --- What the page shows -----------------------------------------------------------


def members(delegation: Delegation, language: str | None = None) -> list[Participant]:
    """Every registration of the delegation, whatever its status, by family then
    given name in `language`'s order (default: the reader's)."""
    return list(
        db.session.execute(
            sa.select(Participant)
            .where(Participant.delegation_id == delegation.id)
            .options(joinedload(Participant.nominated_by), joinedload(Participant.replaces))
            .order_by(
                collated(Participant.family_name, language),
                collated(Participant.given_name, language),
                Participant.id,
            )
        ).scalars()
    )


def member(delegation: Delegation, participant_id: int) -> Participant | None:
    """A registration of this delegation; None for anyone else's (the caller
    answers 404: a link never reaches another delegation's people)."""
    if as_id(participant_id) is None:  # past the ids' range: nobody
        return None
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.delegation_id != delegation.id:
        return None
    return participant


def quotas(delegation: Delegation) -> list[DelegationQuota]:
    """The delegation's quotas per category, their seats read afresh."""
    return list(
        db.session.execute(
            sa.select(DelegationQuota)
            .where(DelegationQuota.delegation_id == delegation.id)
            .order_by(DelegationQuota.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def invitations(delegation: Delegation) -> list[tuple[NominationInvitation, Participant | None]]:
    """The invitations sent for the delegation, newest first, each with the
    registration made with it (None: not used yet)."""
    sent = list(
        db.session.execute(
            sa.select(NominationInvitation)
            .where(NominationInvitation.delegation_id == delegation.id)
            .order_by(NominationInvitation.created_at.desc(), NominationInvitation.id.desc())
        ).scalars()
    )
    used = [i.participant_id for i in sent if i.participant_id is not None]
    people = (
        {
            p.id: p
            for p in db.session.execute(
                sa.select(Participant).where(Participant.id.in_(used))
            ).scalars()
        }
        if used
        else {}
    )
    return [(i, people.get(i.participant_id)) for i in sent]


def credentials(delegation: Delegation) -> list[Credential]:
    """The credentials letters received, the one in force first (the newest)."""
    return list(
        db.session.execute(
            sa.select(Credential)
            .where(Credential.delegation_id == delegation.id)
            .order_by(Credential.id.desc())
        ).scalars()
    )


def credential(delegation: Delegation, credential_id: int) -> Credential | None:
    """One of the delegation's letters; None for another delegation's."""
    if as_id(credential_id) is None:
        return None
    found = db.session.get(Credential, credential_id)
    if found is None or found.delegation_id != delegation.id:
        return None
    return found


# --- Nominations ---------------------------------------------------------------------


def check_email(delegation: Delegation, email: str) -> None:
    """Raises when `email` is registered for the meeting already: in this
    delegation (AlreadyInDelegation), individually (RegisteredIndividually, to be
    attached instead), in another delegation (InOtherDelegation), or cancelled or
    declined without a delegation (AlreadyRegistered)."""
    existing = registration.find_by_email(delegation.meeting, email)
    if existing is None:
        return
    if existing.delegation_id == delegation.id:
        raise AlreadyInDelegation(existing)
    if existing.delegation_id is not None:
        raise InOtherDelegation(existing)
    if existing.status in ATTACHABLE:
        raise RegisteredIndividually(existing)
    raise AlreadyRegistered()


def _full(delegation: Delegation, result: seats.SeatResult, category: Category | None) -> Full:
    with db.session.no_autoflush:  # the refused registration is about to be rolled back
        if result is seats.SeatResult.QUOTA_FULL:
            limit = db.session.scalar(
                sa.select(DelegationQuota.size_limit).where(
                    DelegationQuota.delegation_id == delegation.id,
                    DelegationQuota.category == category,
                )
            )
            return Full(result, category, limit)
        limit = db.session.scalar(
            sa.select(Delegation.size_limit).where(Delegation.id == delegation.id)
        )
        return Full(result, None, limit)


def nominate(
    access: Access,
    values: dict,
    *,
    answers=None,
    files=None,
    questions=None,
) -> Participant:
    """Registers a person in the focal point's delegation with the meeting's own
    form (`values`, `answers`, `files`, `questions` as registration.services.register
    takes them; the delegation is the focal point's whatever `values` says),
    nominated by the focal point, with the status a seat brings. A full quota or
    delegation refuses it (Full); a full meeting puts it on the waiting list, as
    for anyone. Raises RegistrationClosed and check_email's exceptions."""
    delegation = access.delegation
    meeting = delegation.meeting
    if not is_open(meeting):
        raise RegistrationClosed()
    values = dict(values, delegation_id=delegation.id)
    check_email(delegation, values["email"])
    try:
        return registration.register(
            meeting,
            values,
            answers=answers,
            files=files,
            questions=questions,
            status=registration.seat_status(meeting),
            actor=ACTOR,
            nominated_by=access.focal_point,
            refuse_when_full=True,
        )
    except registration.SeatRefused as refused:
        raise _full(delegation, refused.result, values["category"]) from refused
    except registration.RegistrationClosed as closed:
        raise RegistrationClosed() from closed


def attach(access: Access, email: str) -> Participant:
    """Makes the person registered individually with `email` a member of the
    focal point's delegation: their seat, if they hold one, moves into the
    delegation and its quota for their category (Full when either is full), they
    count as nominated by the focal point, and their history says so. No mail."""
    delegation = access.delegation
    meeting = delegation.meeting
    if not is_open(meeting):
        raise RegistrationClosed()
    person = registration.find_by_email(meeting, email)
    if person is None:
        raise NotFound()
    if person.delegation_id == delegation.id:
        raise AlreadyInDelegation(person)
    if person.delegation_id is not None:
        raise InOtherDelegation(person)
    if person.status not in ATTACHABLE:
        raise AlreadyRegistered()
    # The row first (one conditional UPDATE): two clicks cannot move the seat twice.
    table = Participant.__table__
    claimed = db.session.execute(
        sa.update(table)
        .where(table.c.id == person.id, table.c.delegation_id.is_(None))
        .values(delegation_id=delegation.id, nominated_by_id=_focal_point_id(access))
    )
    if claimed.rowcount != 1:
        db.session.refresh(person)
        raise AlreadyInDelegation(person)
    if person.holds_seat:
        result = seats.move_delegation_seat(None, delegation.id, person.category, person.category)
        if result is not seats.SeatResult.TAKEN:
            raise _full(delegation, result, person.category)
    db.session.refresh(person, ["delegation", "delegation_id", "nominated_by_id", "nominated_by"])
    registration.record(
        person,
        person.status,
        person.status,
        actor=ACTOR,
        details=(
            f"delegation: (none) → {delegation.country_code} (attached by {access.signature})"
        ),
    )
    return person


def _focal_point_id(access: Access) -> int | None:
    return access.focal_point.id if access.focal_point is not None else None


def invite(access: Access, name: str, email: str, language: str) -> NominationInvitation:
    """An invitation for `email` to register in the delegation themselves, mailed
    to them in `language` (one of the meeting's)."""
    delegation = access.delegation
    if not is_open(delegation.meeting):
        raise RegistrationClosed()
    invitation = NominationInvitation(
        delegation=delegation,
        focal_point=access.focal_point,
        name=name.strip(),
        email=registration.normalise_email(email),
    )
    db.session.add(invitation)
    db.session.flush()
    mails.send_invitation(invitation, language)
    return invitation


# --- Substitutions and the head ------------------------------------------------------


def substitute(
    old: Participant,
    values: dict,
    *,
    answers=None,
    files=None,
    questions=None,
    focal_point: FocalPoint | None = None,
    by_user=None,
) -> Participant:
    """Replaces the member `old` (who must hold a seat) by a new person (`values`
    and their `answers`, as `nominate` takes them): the seat passes to the new one
    directly, never through the waiting list (only the quota's seat moves, when
    the category differs: Full if that quota is full); `old` is cancelled, told so
    with the substitute named; both histories say "substitution". A head replaced
    leaves the delegation without one until another is named.

    A focal point (`focal_point`, or None for the older link) may do it while
    registration is open (else RegistrationClosed); the secretariat (`by_user`)
    at any time."""
    delegation = old.delegation
    if delegation is None:
        raise NotFound()
    meeting = old.meeting
    if by_user is None and not is_open(meeting):
        raise RegistrationClosed()
    if not old.holds_seat:
        raise NoSeat()
    values = dict(values, delegation_id=delegation.id)
    check_email(delegation, values["email"])
    was_head = delegation.head_id == old.id
    try:
        new = registration.register(
            meeting,
            values,
            answers=answers,
            files=files,
            questions=questions,
            by_user=by_user,
            status=registration.seat_status(meeting),
            actor=None if by_user is not None else ACTOR,
            nominated_by=focal_point if by_user is None else old.nominated_by,
            replaces=old,
        )
    except registration.SeatRefused as refused:
        raise _full(delegation, refused.result, values["category"]) from refused
    except registration.StaleChange as stale:  # cancelled or replaced meanwhile
        raise NoSeat() from stale
    except registration.RegistrationClosed as closed:
        raise RegistrationClosed() from closed
    if was_head:
        delegations.name_head(delegation, None, by_user=by_user)
    return new


def choose_head(access: Access, participant: Participant) -> None:
    """Names `participant`, a member holding a seat, head of the delegation."""
    delegation = access.delegation
    if not is_open(delegation.meeting):
        raise RegistrationClosed()
    if participant.delegation_id != delegation.id:
        raise NotFound()
    if not participant.holds_seat:
        raise NoSeat()
    delegations.name_head(delegation, participant)


# --- Credentials letters -------------------------------------------------------------


def credentials_max_bytes() -> int:
    """The largest credentials letter accepted (CREDENTIALS_MAX_BYTES in the
    configuration, 10 MB unless set)."""
    return int(current_app.config.get("CREDENTIALS_MAX_BYTES", CREDENTIALS_MAX_BYTES))


def latest_today() -> date:
    """The date somewhere on Earth now (UTC+14): a letter dated today, wherever
    the focal point is, is not in the future."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def store_credentials(
    delegation: Delegation,
    data: bytes,
    filename: str,
    dated: date | None,
    reference: str,
    uploaded_by: str,
) -> Credential:
    """Stores the delegation's credentials letter: a PDF checked by its content
    (files.services.check: FileRefused otherwise, or over credentials_max_bytes),
    dated `dated` (optional, not in the future: CredentialDateInFuture), with its
    `reference`. The one in force before is superseded, and stays listed."""
    files.check(data, PDF_ONLY, credentials_max_bytes())
    if dated is not None and dated > latest_today():
        raise CredentialDateInFuture()
    now = utcnow()
    db.session.execute(
        sa.update(Credential)
        .where(Credential.delegation_id == delegation.id, Credential.superseded_at.is_(None))
        .values(superseded_at=now)
        .execution_options(synchronize_session="fetch")
    )
    letter = Credential(
        delegation_id=delegation.id,
        dated=dated,
        reference=(reference or "").strip()[:REFERENCE_MAX],
        filename=files.clean_filename(filename, files.PDF),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        uploaded_by=uploaded_by[:300],
        uploaded_at=now,
    )
    db.session.add(letter)
    db.session.flush()
    db.session.expire(delegation, ["credentials"])
    return letter


def credentials_response(letter: Credential) -> Response:
    """The letter as a download that no browser takes for a page of this site (as
    files.services.response serves uploads)."""
    return Response(
        letter.content,
        mimetype=files.PDF,
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": files.content_disposition(letter.filename, inline=False),
        },
    )


# --- How much a form may send ---------------------------------------------------------


def form_upload_limit(meeting: Meeting) -> int | None:
    """For the nomination forms, which take the meeting's file questions: every
    file question's limit together and room for the text (questions/fields.py
    upload_limit, for a meeting found from a focal point's link); None without any."""
    largest, count = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.max(FormQuestion.max_bytes), 0),
            sa.func.count(FormQuestion.id),
        ).where(
            FormQuestion.meeting_id == meeting.id,
            FormQuestion.type.in_(list(FILE_TYPES)),
            FormQuestion.archived_at.is_(None),
        )
    ).one()
    if not count:
        return None
    largest = max(largest, DEFAULT_FILE_BYTES)
    return max(current_app.config["MAX_CONTENT_LENGTH"] or 0, count * largest + 2 * files.MB)
