"""The organisers' list of registrations: filters shared by the page, the exports
and the command line, so that an export holds exactly what the list shows."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from meeting_app.core.collation import collated
from meeting_app.delegations.models import Delegation
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Category, Participant, RegistrationStatus

OTHER_DELEGATION = "other"
# The orders the list offers: by name (family, then given name, in the reader's
# alphabetical order), or by registration date (oldest first, as places are given).
ORDERS = ("name", "date")


@dataclass(frozen=True)
class Filters:
    status: RegistrationStatus | None = None
    delegation: str = ""  # a delegation id, "other" (none), or "" (all)
    category: Category | None = None
    search: str = ""
    order: str = ORDERS[0]

    @classmethod
    def from_args(cls, args) -> "Filters":
        """From query-string values; unknown values are ignored rather than failing."""

        def member(enum_cls, value):
            try:
                return enum_cls(value) if value else None
            except ValueError:
                return None

        delegation = args.get("delegation", "")
        if delegation != OTHER_DELEGATION and not delegation.isdigit():
            delegation = ""
        return cls(
            status=member(RegistrationStatus, args.get("status", "")),
            delegation=delegation,
            category=member(Category, args.get("category", "")),
            search=args.get("q", "").strip()[:200],
            order=args.get("sort", "") if args.get("sort", "") in ORDERS else ORDERS[0],
        )

    def as_args(self) -> dict[str, str]:
        args = {
            "status": self.status.value if self.status else "",
            "delegation": self.delegation,
            "category": self.category.value if self.category else "",
            "q": self.search,
            "sort": self.order if self.order != ORDERS[0] else "",
        }
        return {key: value for key, value in args.items() if value}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def participants_query(meeting: Meeting, filters: Filters) -> sa.Select:
    """Registrations of `meeting` matching `filters`, in the order they ask for (by
    name, sorted by the database in the reader's language, so that each page of the
    list holds the right names), with their delegation and country loaded in the
    same query (no query per row)."""
    if filters.order == "date":
        order = (Participant.created_at, Participant.id)
    else:
        order = (
            collated(Participant.family_name),
            collated(Participant.given_name),
            Participant.id,
        )
    query = (
        sa.select(Participant)
        .where(Participant.meeting_id == meeting.id)
        .options(joinedload(Participant.delegation).joinedload(Delegation.country))
        .order_by(*order)
    )
    if filters.status:
        query = query.where(Participant.status == filters.status)
    if filters.category:
        query = query.where(Participant.category == filters.category)
    if filters.delegation == OTHER_DELEGATION:
        query = query.where(Participant.delegation_id.is_(None))
    elif filters.delegation:
        query = query.where(Participant.delegation_id == int(filters.delegation))
    if filters.search:
        pattern = f"%{_escape_like(filters.search.lower())}%"
        query = query.where(
            sa.or_(
                *(
                    sa.func.lower(column).like(pattern, escape="\\")
                    for column in (
                        Participant.given_name,
                        Participant.family_name,
                        Participant.badge_name,
                        Participant.email,
                        Participant.organisation,
                    )
                )
            )
        )
    return query


def status_counts(meeting: Meeting) -> dict[RegistrationStatus, int]:
    from meeting_app.extensions import db

    return dict(
        db.session.execute(
            sa.select(Participant.status, sa.func.count())
            .where(Participant.meeting_id == meeting.id)
            .group_by(Participant.status)
        ).all()
    )
