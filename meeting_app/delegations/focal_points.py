"""Accreditation, the secretariat's side: each delegation's focal points (added,
sent their link, given a new one, revoked), its quotas per category, the overview
of every delegation's accreditation (credentials letter, nominations to approve,
seats), decisions on nominations in bulk and the reminder of a missing letter.

Services only flush; the view commits (core.tasks.commit), which then sends the
mails they queued. Staff actions are kept in the audit log."""

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from meeting_app.core import tokens
from meeting_app.core.collation import sort_key
from meeting_app.delegations import mails
from meeting_app.delegations.models import Credential, Delegation, DelegationQuota, FocalPoint
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.registration import seats
from meeting_app.registration import services as registration
from meeting_app.registration.models import (
    SEAT_HOLDING,
    Category,
    Participant,
    RegistrationStatus,
)


class Refused(ValueError):
    """A refusal the view turns into a field's message: `code` says which
    ("email_taken", "languages", "revoked", "quota_below_seats", "not_found"),
    `details` what it needs (the categories and their seats held)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


# --- Focal points ----------------------------------------------------------------------


def _check_focal_point(
    delegation: Delegation, email: str, languages: list[str], exclude: FocalPoint | None
) -> None:
    unknown = [lang for lang in languages if lang not in (delegation.meeting.languages or [])]
    if unknown or len(set(languages)) != len(languages):
        raise Refused("languages")
    taken = db.session.scalar(
        sa.select(FocalPoint.id).where(
            FocalPoint.delegation_id == delegation.id,
            sa.func.lower(FocalPoint.email) == email,
            FocalPoint.id != (exclude.id if exclude is not None else -1),
        )
    )
    if taken is not None:
        raise Refused("email_taken")


def _log(action: str, delegation: Delegation, by_user, details: str = "") -> None:
    audit.record(
        action,
        user=by_user,
        meeting=delegation.meeting,
        details=" ".join(part for part in (delegation.country_code, details) if part),
    )


def add_focal_point(
    delegation: Delegation,
    *,
    name: str,
    email: str,
    organisation: str = "",
    languages: list[str] | None = None,
    by_user=None,
) -> FocalPoint:
    """A new focal point of `delegation` (their link is not sent yet: see send_link).
    Raises Refused("email_taken") when the delegation has one with that
    address, ("languages") for a language the meeting does not have."""
    email = registration.normalise_email(email)
    languages = list(languages or [])
    _check_focal_point(delegation, email, languages, None)
    focal_point = FocalPoint(
        delegation=delegation,
        name=name.strip(),
        email=email,
        organisation=organisation.strip(),
        languages=languages,
    )
    db.session.add(focal_point)
    db.session.flush()
    _log("focal_point.added", delegation, by_user, f"focal point {focal_point.id}")
    return focal_point


def update_focal_point(
    focal_point: FocalPoint,
    *,
    name: str,
    email: str,
    organisation: str = "",
    languages: list[str] | None = None,
    by_user=None,
) -> list[str]:
    """Changes a focal point's details; returns the names of those changed (logged,
    without their values). The same refusals as add_focal_point."""
    email = registration.normalise_email(email)
    languages = list(languages or [])
    _check_focal_point(focal_point.delegation, email, languages, focal_point)
    values = {
        "name": name.strip(),
        "email": email,
        "organisation": organisation.strip(),
        "languages": languages,
    }
    changed = [key for key, value in values.items() if getattr(focal_point, key) != value]
    for key in changed:
        setattr(focal_point, key, values[key])
    if changed:
        db.session.flush()
        _log(
            "focal_point.edited",
            focal_point.delegation,
            by_user,
            f"focal point {focal_point.id}: {', '.join(changed)}",
        )
    return changed


def send_link(focal_point: FocalPoint, *, by_user=None) -> None:
    """E-mails the focal point their link (again, if it was sent before). A revoked
    link is not sent: Refused("revoked")."""
    if focal_point.revoked_at is not None:
        raise Refused("revoked")
    mails.send_link(focal_point)
    _log("focal_point.link_sent", focal_point.delegation, by_user, f"focal point {focal_point.id}")


def new_link(focal_point: FocalPoint, *, by_user=None) -> None:
    """A new link for the focal point: the old one answers 404 from now on. A revoked
    focal point is restored this way. The new link is not sent yet."""
    focal_point.token = tokens.new_token()
    focal_point.revoked_at = None
    focal_point.link_sent_at = None
    _log("focal_point.new_link", focal_point.delegation, by_user, f"focal point {focal_point.id}")


def revoke(focal_point: FocalPoint, *, by_user=None) -> bool:
    """The focal point's link stops working (404); the people they nominated stay.
    Returns False when it was revoked already."""
    if focal_point.revoked_at is not None:
        return False
    focal_point.revoked_at = utcnow()
    _log("focal_point.revoked", focal_point.delegation, by_user, f"focal point {focal_point.id}")
    return True


# --- Quotas ----------------------------------------------------------------------------


def held_by_category(delegation: Delegation) -> dict[Category, int]:
    """The seats the delegation's members hold, per category (one query)."""
    return dict(
        db.session.execute(
            sa.select(Participant.category, sa.func.count(Participant.id))
            .where(
                Participant.delegation_id == delegation.id,
                Participant.status.in_(SEAT_HOLDING),
            )
            .group_by(Participant.category)
        ).all()
    )


def set_quotas(
    delegation: Delegation, limits: dict[Category, int | None], *, by_user=None
) -> list[Category]:
    """Sets the delegation's quota of each category in `limits` (None: no quota);
    returns the categories changed. A quota may not be below the seats its category
    already holds: Refused("quota_below_seats", held={category: seats}).
    The quotas' counts are then taken from the registrations (seats.recount_quotas).
    Quotas and the delegation's size limit are independent limits: a nomination
    needs room in both."""
    held = held_by_category(delegation)
    too_low = {
        category: held.get(category, 0)
        for category, limit in limits.items()
        if limit is not None and limit < held.get(category, 0)
    }
    if too_low:
        raise Refused("quota_below_seats", held=too_low)
    existing = {quota.category: quota for quota in delegation.quotas}
    changed = []
    for category, limit in limits.items():
        quota = existing.get(category)
        if limit is None:
            if quota is not None:
                delegation.quotas.remove(quota)
                changed.append(category)
        elif quota is None:
            delegation.quotas.append(DelegationQuota(category=category, size_limit=limit))
            changed.append(category)
        elif quota.size_limit != limit:
            quota.size_limit = limit
            changed.append(category)
    if changed:
        db.session.flush()
        seats.recount_quotas(delegation.meeting, delegation.id)
        _log("delegation.quotas", delegation, by_user, ", ".join(c.value for c in changed))
    return changed


# --- The accreditation overview ---------------------------------------------------------


@dataclass
class AccreditationRow:
    delegation: Delegation
    counts: dict[RegistrationStatus, int] = field(default_factory=dict)
    to_approve: int = 0  # nominations submitted, waiting for the organisers

    @property
    def focal_points(self) -> list[FocalPoint]:
        return [fp for fp in self.delegation.focal_points if fp.revoked_at is None]

    @property
    def links_sent(self) -> int:
        return sum(1 for fp in self.focal_points if fp.link_sent_at is not None)

    @property
    def credential(self) -> Credential | None:
        return self.delegation.credential

    @property
    def approved(self) -> int:
        return self.counts.get(RegistrationStatus.APPROVED, 0)


def _delegations(meeting: Meeting) -> list[Delegation]:
    return list(
        db.session.execute(
            sa.select(Delegation)
            .where(Delegation.meeting_id == meeting.id)
            .options(
                joinedload(Delegation.country),
                selectinload(Delegation.focal_points),
                selectinload(Delegation.quotas),
                selectinload(Delegation.credentials),
            )
        ).scalars()
    )


def accreditation(
    meeting: Meeting,
    language: str,
    *,
    credentials_missing: bool = False,
    nominations_to_approve: bool = False,
) -> list[AccreditationRow]:
    """Each delegation's accreditation, in `language`'s order of country names:
    focal points, credentials letter, nominations to approve, members approved and
    seats per quota (four queries whatever the number of delegations). The two
    flags keep only the delegations whose letter is missing, or that have
    nominations to approve."""
    rows = {d.id: AccreditationRow(d) for d in _delegations(meeting)}
    counts = db.session.execute(
        sa.select(Participant.delegation_id, Participant.status, sa.func.count())
        .where(Participant.meeting_id == meeting.id, Participant.delegation_id.is_not(None))
        .group_by(Participant.delegation_id, Participant.status)
    )
    for delegation_id, status, count in counts:
        rows[delegation_id].counts[status] = count
    waiting = db.session.execute(
        sa.select(Participant.delegation_id, sa.func.count())
        .where(*_nominations(meeting))
        .group_by(Participant.delegation_id)
    )
    for delegation_id, count in waiting:
        rows[delegation_id].to_approve = count
    key = sort_key(language)
    result = sorted(rows.values(), key=lambda row: key(row.delegation.country.name(language)))
    if credentials_missing:
        result = [row for row in result if row.credential is None]
    if nominations_to_approve:
        result = [row for row in result if row.to_approve]
    return result


def _nominations(meeting: Meeting) -> tuple:
    return (
        Participant.meeting_id == meeting.id,
        Participant.delegation_id.is_not(None),
        Participant.nominated_by_id.is_not(None),
        Participant.status == RegistrationStatus.SUBMITTED,
    )


def nominations(meeting: Meeting, language: str, delegation_id: int | None = None) -> list:
    """The nominations waiting for the organisers' decision (of one delegation, or
    all), by country name then family and given names in `language`'s order."""
    query = (
        sa.select(Participant)
        .where(*_nominations(meeting))
        .options(
            joinedload(Participant.delegation).joinedload(Delegation.country),
            joinedload(Participant.nominated_by),
        )
    )
    if delegation_id is not None:
        query = query.where(Participant.delegation_id == delegation_id)
    key = sort_key(language)
    return sorted(
        db.session.execute(query).scalars(),
        key=lambda p: (
            key(p.delegation.country.name(language)),
            key(p.family_name),
            key(p.given_name),
        ),
    )


@dataclass(frozen=True)
class Decisions:
    done: int
    refused: int


def decide(
    meeting: Meeting,
    participant_ids: list[int],
    status: RegistrationStatus,
    *,
    by_user=None,
    reason: str = "",
) -> Decisions:
    """Approves or declines nominations, each as registration.change_status does
    (recorded, the nominee and their focal point e-mailed). A nomination no longer
    waiting (decided meanwhile), or one the seats refuse, is counted as refused
    and left as it is. Raises Refused("not_found") before changing
    anything when an id is not a registration of this meeting."""
    wanted = set(participant_ids)
    people = list(
        db.session.execute(
            sa.select(Participant)
            .where(Participant.id.in_(wanted), Participant.meeting_id == meeting.id)
            .order_by(Participant.id)
        ).scalars()
    )
    if len(people) != len(wanted):
        raise Refused("not_found")
    tally: Counter[str] = Counter()
    for participant in people:
        if participant.status is not RegistrationStatus.SUBMITTED:
            tally["refused"] += 1
            continue
        try:
            changed = registration.change_status(
                participant, status, by_user=by_user, reason=reason
            )
        except (registration.SeatUnavailable, registration.StaleChange):
            tally["refused"] += 1
        else:
            tally["done" if changed else "refused"] += 1
    return Decisions(tally["done"], tally["refused"])


# --- The reminder of a missing credentials letter ---------------------------------------


@dataclass(frozen=True)
class ReminderPreview:
    delegations: int  # whose letter is missing and that have a focal point to write to
    focal_points: int  # the mails that would go


def reminder_preview(meeting: Meeting) -> ReminderPreview:
    """Whom the reminder would write to, counted (said before it is sent)."""
    delegations = focal_points = 0
    for delegation in mails.missing_credentials(meeting.id):
        active = sum(1 for fp in delegation.focal_points if fp.revoked_at is None)
        focal_points += active
        delegations += 1 if active else 0
    return ReminderPreview(delegations, focal_points)


def remind(meeting: Meeting, *, by_user=None) -> int:
    """Reminds the focal points of delegations whose credentials letter is missing;
    returns how many mails go."""
    sent = mails.remind_credentials(meeting.id)
    if sent:
        audit.record(
            "focal_points.reminded", user=by_user, meeting=meeting, details=f"{sent} mails"
        )
    return sent
