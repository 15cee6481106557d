"""Who a message goes to: the criteria an organiser ticks, as a query.

Each criterion narrows (AND); within one, the values widen (OR: "approved or
waiting list"). The people chosen by name, and the heads of the delegations
chosen when that box is ticked, are added to those the criteria pick. No
criterion and no one chosen picks nobody: a message never goes to everyone by a
filter left empty. Erased people are never picked.

An answer to the registration form is a criterion too: `answers` holds, per
question (yes/no, one choice, several choices, country), the values any of which
the answer must be (several choices: include); each question narrows.
"""

from dataclasses import asdict, dataclass, field
from datetime import date

import sqlalchemy as sa

from meeting_app.agenda.models import Attendance
from meeting_app.core.collation import collated, sort_key
from meeting_app.core.folding import contains, folded_words
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.registration.models import Participant, ParticipantRole
from meeting_app.registration.queries import answer_is

# `checked_in` besides a day (YYYY-MM-DD).
CHECKED_IN_ANY = "any"
CHECKED_IN_NEVER = "never"


@dataclass
class Criteria:
    statuses: list[str] = field(default_factory=list)
    delegations: list[int] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    visa_letter: bool = False  # only those who asked for a visa letter
    checked_in: str = ""  # "", "any", "never" or a day
    session_id: int | None = None  # chose this session in their programme
    people: list[int] = field(default_factory=list)
    # Adds the head of each delegation in `delegations`, whatever the rest says.
    heads_of_delegations: bool = False
    # [{"question": id, "values": [value as stored: "a1", "SN", True...]}]
    answers: list[dict] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Criteria":
        known = cls.__dataclass_fields__
        values = {k: v for k, v in (data or {}).items() if k in known}
        if "answers" in values:
            values["answers"] = _answer_criteria(values["answers"])
        return cls(**values)

    def to_dict(self) -> dict:
        return asdict(self)

    def narrows(self) -> bool:
        return bool(
            self.statuses
            or self.delegations
            or self.categories
            or self.roles
            or self.languages
            or self.visa_letter
            or self.checked_in
            or self.session_id
            or self.answers
        )


def _answer_criteria(data) -> list[dict]:
    """`answers` as stored, with anything malformed left out."""
    found = []
    for item in data if isinstance(data, list) else ():
        if not isinstance(item, dict):
            continue
        question, values = item.get("question"), item.get("values")
        if not isinstance(question, int) or isinstance(question, bool):
            continue
        values = [v for v in values or () if isinstance(v, str | bool)]
        if values:
            found.append({"question": question, "values": values})
    return found


def _conditions(meeting, criteria: Criteria) -> list:
    conditions = []
    if criteria.statuses:
        conditions.append(Participant.status.in_(criteria.statuses))
    if criteria.delegations:
        conditions.append(Participant.delegation_id.in_(criteria.delegations))
    if criteria.categories:
        conditions.append(Participant.category.in_(criteria.categories))
    if criteria.roles:
        conditions.append(Participant.role.in_(criteria.roles))
    if criteria.languages:
        conditions.append(Participant.preferred_language.in_(criteria.languages))
    if criteria.visa_letter:
        conditions.append(Participant.needs_visa_letter.is_(True))
    if criteria.checked_in:
        standing = sa.select(CheckIn.participant_id).where(CheckIn.cancelled_at.is_(None))
        if criteria.checked_in == CHECKED_IN_NEVER:
            conditions.append(Participant.id.not_in(standing))
        elif criteria.checked_in == CHECKED_IN_ANY:
            conditions.append(Participant.id.in_(standing))
        else:
            day = date.fromisoformat(criteria.checked_in)
            conditions.append(Participant.id.in_(standing.where(CheckIn.day == day)))
    if criteria.session_id:
        conditions.append(
            Participant.id.in_(
                sa.select(Attendance.participant_id).where(
                    Attendance.session_id == criteria.session_id
                )
            )
        )
    for item in criteria.answers:
        conditions.append(answer_is(item["question"], item["values"]))
    return conditions


def _heads(delegation_ids: list[int]):
    """The heads of those delegations: the one each names (delegations/services.py
    name_head), and anyone of them registered in the head of delegation's role."""
    return sa.or_(
        Participant.id.in_(
            sa.select(Delegation.head_id).where(
                Delegation.id.in_(delegation_ids), Delegation.head_id.is_not(None)
            )
        ),
        sa.and_(
            Participant.delegation_id.in_(delegation_ids),
            Participant.role == ParticipantRole.HEAD_OF_DELEGATION,
        ),
    )


def matching(meeting, criteria: Criteria):
    """The condition on Participant rows of `meeting` that `criteria` picks."""
    picked = []
    if criteria.narrows():
        picked.append(sa.and_(*_conditions(meeting, criteria)))
    if criteria.people:
        picked.append(Participant.id.in_(criteria.people))
    if criteria.heads_of_delegations and criteria.delegations:
        picked.append(_heads(criteria.delegations))
    if not picked:
        return sa.false()
    return sa.and_(
        Participant.meeting_id == meeting.id,
        Participant.erased_at.is_(None),
        sa.or_(*picked),
    )


def count(meeting, criteria: Criteria) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Participant.id)).where(matching(meeting, criteria))
    )


def recipients(meeting, criteria: Criteria, language: str | None = None) -> list[Participant]:
    """The people picked, sorted by name as the language sorts them."""
    people = db.session.execute(sa.select(Participant).where(matching(meeting, criteria))).scalars()
    key = sort_key(language)
    return sorted(people, key=lambda p: (key(p.family_name), key(p.given_name), p.id))


# The most people a search by name shows: enough to find someone, short enough
# to read (narrow it with more of the name).
SEARCH_LIMIT = 20


def search(meeting, query: str, limit: int = SEARCH_LIMIT) -> list[Participant]:
    """The meeting's people (not erased) whose name, badge name, e-mail address or
    organisation contains every word of `query`, accents and case aside ("nunez"
    finds "Núñez"), sorted by name; the first `limit` of them. One query on the
    folded column (Participant.search_text, as the desk's search) with a LIMIT."""
    words = folded_words(query or "")
    if not words:
        return []
    return list(
        db.session.execute(
            sa.select(Participant)
            .where(
                Participant.meeting_id == meeting.id,
                Participant.erased_at.is_(None),
                *(contains(Participant.search_text, word) for word in words),
            )
            # The first in alphabetical order, not the first registered.
            .order_by(
                collated(Participant.family_name),
                collated(Participant.given_name),
                Participant.id,
            )
            .limit(limit)
        ).scalars()
    )


def people(meeting, ids) -> list[Participant]:
    """The meeting's people (not erased) of `ids`, sorted by name; ids of anyone
    else are left out."""
    ids = [i for i in ids or () if isinstance(i, int)]
    if not ids:
        return []
    return list(
        db.session.execute(
            sa.select(Participant)
            .where(
                Participant.id.in_(ids),
                Participant.meeting_id == meeting.id,
                Participant.erased_at.is_(None),
            )
            .order_by(collated(Participant.family_name), collated(Participant.given_name))
        ).scalars()
    )
