"""Country delegations: the organisers' overview, the public list and the head's view."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from meeting_app.core import tokens
from meeting_app.core.collation import sort_key
from meeting_app.delegations import protocol
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.privacy import audit
from meeting_app.registration import services as registration
from meeting_app.registration.models import Participant, ParticipantRole, RegistrationStatus


class DelegationError(ValueError):
    pass


@dataclass
class DelegationRow:
    delegation: Delegation
    counts: dict[RegistrationStatus, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def delegations_of(meeting: Meeting) -> list[Delegation]:
    return list(
        db.session.execute(
            sa.select(Delegation)
            .where(Delegation.meeting_id == meeting.id)
            .options(joinedload(Delegation.country), joinedload(Delegation.head))
        ).scalars()
    )


def overview(meeting: Meeting, language: str) -> list[DelegationRow]:
    """Each delegation with its head and its registrations counted by status
    (two queries whatever the number of delegations), by country name."""
    rows = {d.id: DelegationRow(d) for d in delegations_of(meeting)}
    counts = db.session.execute(
        sa.select(Participant.delegation_id, Participant.status, sa.func.count())
        .where(Participant.meeting_id == meeting.id, Participant.delegation_id.is_not(None))
        .group_by(Participant.delegation_id, Participant.status)
    )
    for delegation_id, status, count in counts:
        rows[delegation_id].counts[status] = count
    key = sort_key(language)
    return sorted(rows.values(), key=lambda row: key(row.delegation.country.name(language)))


def add_delegation(meeting: Meeting, country_code: str, size_limit: int | None) -> Delegation:
    exists = db.session.execute(
        sa.select(Delegation.id).filter_by(meeting_id=meeting.id, country_code=country_code)
    ).first()
    if exists:
        raise DelegationError("exists")
    delegation = Delegation(meeting=meeting, country_code=country_code, size_limit=size_limit)
    db.session.add(delegation)
    db.session.flush()
    return delegation


def update_delegation(
    delegation: Delegation, head_id: int | None, size_limit: int | None, *, by_user=None
) -> None:
    """Sets the head (one of the delegation's members) and the size limit, which
    may not be set below the seats already held. The head's badge then says so:
    see name_head."""
    head = next((m for m in delegation.members if m.id == head_id), None)
    if head_id is not None and head is None:
        raise DelegationError("head")
    if size_limit is not None and size_limit < delegation.seats_taken:
        raise DelegationError("limit")
    name_head(delegation, head, by_user=by_user)
    delegation.size_limit = size_limit


def name_head(delegation: Delegation, head: Participant | None, *, by_user=None) -> None:
    """Makes `head` (a member, or None) the delegation's head. The role printed on
    badges follows: the head's is head of delegation, and whoever held that role
    in the delegation before (the former head) becomes a delegate. Each role
    changed is kept in the person's history and, for staff, in the audit log."""
    former = delegation.head
    if head is former and (head is None or head.role is ParticipantRole.HEAD_OF_DELEGATION):
        return
    delegation.head = head
    for member in delegation.members:
        if member is head:
            role = ParticipantRole.HEAD_OF_DELEGATION
        elif member.role is ParticipantRole.HEAD_OF_DELEGATION:
            role = ParticipantRole.DELEGATE
        else:
            continue
        if member.role is not role:
            _change_role(member, role, by_user)


def _change_role(participant: Participant, role: ParticipantRole, by_user) -> None:
    details = f"role: {participant.role.value} → {role.value}"
    participant.role = role
    registration.record(
        participant, participant.status, participant.status, by_user=by_user, details=details
    )
    if by_user is not None:
        audit.record("participant.edited", user=by_user, participant=participant, details="role")


def public_list(meeting: Meeting, language: str) -> list[tuple[Delegation, list[Participant]]]:
    """Delegations with their approved members who agreed to be listed, in protocol
    order (delegations/protocol.py: the host's first if the meeting says so, then
    `language`'s alphabetical order, Équateur before Espagne; heads first)."""
    delegations = (
        db.session.execute(
            sa.select(Delegation)
            .where(Delegation.meeting_id == meeting.id)
            .options(joinedload(Delegation.country), selectinload(Delegation.members))
        )
        .scalars()
        .all()
    )
    key = sort_key(language)
    result = []
    for delegation in sorted(
        delegations,
        key=lambda d: protocol.delegation_place(
            d.country_code,
            d.country.name(language),
            key,
            meeting.host_country_code,
            meeting.host_country_first,
        ),
    ):
        listed = sorted(
            (
                m
                for m in delegation.members
                if m.status is RegistrationStatus.APPROVED and m.consent_public_list
            ),
            key=lambda m: protocol.member_place(
                m.id, m.role, m.family_name, m.given_name, delegation.head_id, key
            ),
        )
        result.append((delegation, listed))
    return result


def find_by_view_token(token: str) -> Delegation | None:
    """The head of delegation's read-only link; same answer for unknown and forged."""
    if not tokens.plausible(token):
        return None
    delegation = db.session.execute(
        sa.select(Delegation).filter_by(view_token_selector=tokens.selector_of(token))
    ).scalar_one_or_none()
    if delegation is None or not tokens.same_token(delegation.view_token, token):
        return None
    return delegation


def regenerate_view_token(delegation: Delegation) -> None:
    delegation.view_token = tokens.new_token()


def delegation_table(rows: list[DelegationRow], language: str) -> tuple[list[str], list[list]]:
    statuses = list(RegistrationStatus)
    with force_locale(language):
        header = [
            _("Country"),
            _("ISO code"),
            _("Head of delegation"),
            _("Size limit"),
            *[str(s.label) for s in statuses],  # in `language`, not the caller's
            _("Total"),
        ]
        table = [
            [
                row.delegation.country.name(language),
                row.delegation.country_code,
                row.delegation.head.full_name if row.delegation.head else "",
                row.delegation.size_limit or "",
                *[row.counts.get(s, 0) for s in statuses],
                row.total,
            ]
            for row in rows
        ]
    return header, table
