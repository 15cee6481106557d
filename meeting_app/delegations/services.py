"""Country delegations: the organisers' overview, the public list and the head's view."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from meeting_app.core import tokens
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus


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
    return sorted(rows.values(), key=lambda row: row.delegation.country.name(language))


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


def update_delegation(delegation: Delegation, head_id: int | None, size_limit: int | None) -> None:
    """Sets the head (one of the delegation's members) and the size limit, which
    may not be set below the seats already held."""
    if head_id is not None and not any(m.id == head_id for m in delegation.members):
        raise DelegationError("head")
    if size_limit is not None and size_limit < delegation.seats_taken:
        raise DelegationError("limit")
    delegation.head_id = head_id
    delegation.size_limit = size_limit


def public_list(meeting: Meeting, language: str) -> list[tuple[Delegation, list[Participant]]]:
    """Delegations with their approved members who agreed to be listed."""
    delegations = (
        db.session.execute(
            sa.select(Delegation)
            .where(Delegation.meeting_id == meeting.id)
            .options(joinedload(Delegation.country), selectinload(Delegation.members))
        )
        .scalars()
        .all()
    )
    result = []
    for delegation in sorted(delegations, key=lambda d: d.country.name(language)):
        listed = sorted(
            (
                m
                for m in delegation.members
                if m.status is RegistrationStatus.APPROVED and m.consent_public_list
            ),
            key=lambda m: (m.family_name.lower(), m.given_name.lower()),
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
            *[s.label for s in statuses],
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
