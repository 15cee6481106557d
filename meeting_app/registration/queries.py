"""The organisers' list of registrations: filters shared by the page, the exports
and the command line, so that an export holds exactly what the list shows.

An answer to a question of the meeting's form filters too (`?answer=`): one
value of a yes/no, choice, several-choices or country question, or whether a
question is answered at all. The condition is an EXISTS on the answers, so the
list keeps its one query whatever the filter."""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import joinedload

from meeting_app.core.collation import collated, sort_key
from meeting_app.core.folding import contains
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import Country, Meeting
from meeting_app.questions.answers import option_label, questions_of, text
from meeting_app.questions.models import (
    CONDITION_TYPES,
    FormAnswer,
    FormQuestion,
    QuestionType,
)
from meeting_app.registration import participation
from meeting_app.registration.models import Category, Participant, RegistrationStatus

OTHER_DELEGATION = "other"
# The orders the list offers: by name (family, then given name, in the reader's
# alphabetical order), or by registration date (oldest first, as places are given).
ORDERS = ("name", "date")
# `?answer=` values: "<question id>:any" (answered), "<question id>:none" (not
# answered), "<question id>=<value>" (answered with that value; a several-choices
# answer: among its choices).
ANSWERED, UNANSWERED = "any", "none"
_ANSWER_FILTER = re.compile(r"(\d{1,12})(?::(any|none)|=(.{1,200}))", re.DOTALL)


@dataclass(frozen=True)
class Filters:
    status: RegistrationStatus | None = None
    delegation: str = ""  # a delegation id, "other" (none), or "" (all)
    category: Category | None = None
    search: str = ""
    order: str = ORDERS[0]
    answer: str = ""  # see ANSWERED above
    takes_part: str = ""  # "in_person", "online" or "" (all): registration/participation.py

    @property
    def answer_filter(self) -> tuple[int, str, str] | None:
        """(question id, "any" | "none" | "=", value) from `answer`, or None."""
        match = _ANSWER_FILTER.fullmatch(self.answer)
        if match is None:
            return None
        question, state, value = match.groups()
        return int(question), state or "=", value or ""

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
            answer=args.get("answer", "")
            if _ANSWER_FILTER.fullmatch(args.get("answer", ""))
            else "",
            takes_part=args.get("takes_part", "")
            if args.get("takes_part", "") in participation.ATTENDANCE_MODES
            else "",
        )

    def as_args(self) -> dict[str, str]:
        args = {
            "status": self.status.value if self.status else "",
            "delegation": self.delegation,
            "category": self.category.value if self.category else "",
            "q": self.search,
            "sort": self.order if self.order != ORDERS[0] else "",
            "answer": self.answer,
            "takes_part": self.takes_part,
        }
        return {key: value for key, value in args.items() if value}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def participants_query(meeting: Meeting, filters: Filters) -> sa.Select:
    """Registrations of `meeting` matching `filters`, in the order they ask for (by
    name, sorted by the database in the reader's language, so that each page of the
    list holds the right names), with their delegation and country loaded in the
    same query (no query per row)."""
    return _matching(meeting, filters, sa.select(Participant)).options(
        joinedload(Participant.delegation).joinedload(Delegation.country)
    )


def _order(filters: Filters, columns) -> tuple:
    """The list's order, on `columns` (Participant, or a subquery's columns)."""
    if filters.order == "date":
        return (columns.created_at, columns.id)
    return (collated(columns.family_name), collated(columns.given_name), columns.id)


def _matching(meeting: Meeting, filters: Filters, query: sa.Select) -> sa.Select:
    """`query` (of Participant, or of its ids) narrowed and ordered by `filters`."""
    query = query.where(Participant.meeting_id == meeting.id).order_by(
        *_order(filters, Participant)
    )
    if filters.status:
        query = query.where(Participant.status == filters.status)
    if filters.category:
        query = query.where(Participant.category == filters.category)
    if filters.takes_part == participation.ONLINE:
        query = query.where(participation.online_clause(meeting))
    elif filters.takes_part == participation.IN_PERSON:
        query = query.where(participation.in_person_clause(meeting))
    if filters.delegation == OTHER_DELEGATION:
        query = query.where(Participant.delegation_id.is_(None))
    elif filters.delegation:
        query = query.where(Participant.delegation_id == int(filters.delegation))
    if filters.search:
        # Part of a name, e-mail or organisation, accents and case aside: one LIKE
        # on the folded column (a trigram index on PostgreSQL), the query folded the
        # same way (core/folding.py).
        query = query.where(contains(Participant.search_text, filters.search))
    if filters.answer_filter:
        condition = _answer_condition(meeting, *filters.answer_filter)
        if condition is not None:
            query = query.where(condition)
    return query


def _answer_condition(meeting: Meeting, question_id: int, state: str, value: str):
    """The list's answer filter as a condition on Participant; None for a question
    that is not the meeting's (ignored, as other unknown values are)."""
    question = db.session.get(FormQuestion, question_id)
    if question is None or question.meeting_id != meeting.id or not question.asks:
        return None
    if state == ANSWERED:
        return answered(question.id)
    if state == UNANSWERED:
        return ~answered(question.id)
    if question.type not in CONDITION_TYPES:
        return None
    return answer_is(question.id, [typed_value(question, value)])


def typed_value(question: FormQuestion, value: str):
    """A value as a form or a link sends it ("true"), as the answer stores it (True)."""
    if question.type is QuestionType.YES_NO:
        return value == "true"
    return value


def value_token(value) -> str:
    """The other way: an answer's value as a form or a link sends it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _answer_text():
    # JSON as the database holds it: json.dumps' text on SQLite and in PostgreSQL's
    # json type (which keeps what it was given). Compared as text, the same on both.
    return sa.cast(FormAnswer.value, sa.Text)


def answer_is(question_id: int, values: Iterable) -> sa.ColumnElement:
    """The participant's answer to the question is one of `values` (as stored: an
    option's value, a country code, True or False); for several choices, one of
    its choices is. The same condition whatever the type: a list's text starts with
    "[" and holds each choice as a quoted JSON string."""
    stored = _answer_text()
    alternatives = []
    for value in values:
        dumped = json.dumps(value)
        alternatives.append(stored == dumped)
        if isinstance(value, str):
            alternatives.append(stored.like(f"[%{_escape_like(dumped)}%", escape="\\"))
    if not alternatives:
        return sa.false()
    return Participant.id.in_(
        sa.select(FormAnswer.participant_id).where(
            FormAnswer.question_id == question_id, sa.or_(*alternatives)
        )
    )


def answered(question_id: int) -> sa.ColumnElement:
    """The participant answered the question: a file, or a value other than nothing,
    "" and []."""
    stored = _answer_text()
    return Participant.id.in_(
        sa.select(FormAnswer.participant_id).where(
            FormAnswer.question_id == question_id,
            sa.or_(
                FormAnswer.file_id.is_not(None),
                sa.and_(stored.is_not(None), stored.not_in(("null", '""', "[]"))),
            ),
        )
    )


@dataclass(frozen=True)
class AnswerChoice:
    """One question of the list's answer filter, and the values it offers."""

    question: FormQuestion
    label: str
    values: list[tuple[str, str]]  # (value as sent, as read)


def value_choices(
    meeting: Meeting, language: str, questions: list[FormQuestion] | None = None
) -> list[AnswerChoice]:
    """The values each yes/no, choice, several-choices and country question may be
    filtered by, labelled in `language`: the options in the form's order, Yes and
    No, and for a country question the countries someone answered (not the world's
    250), by name. At most three queries, whatever the number of questions."""
    if questions is None:
        questions = questions_of(meeting.id)
    kept = [q for q in questions if q.type in CONDITION_TYPES]
    answered_countries = _answered_countries(
        [q.id for q in kept if q.type is QuestionType.COUNTRY], language
    )
    found = []
    with force_locale(language):
        for question in kept:
            if question.type is QuestionType.YES_NO:
                values = [("true", _("Yes")), ("false", _("No"))]
            elif question.type is QuestionType.COUNTRY:
                values = answered_countries.get(question.id, [])
            else:
                values = [
                    (str(o.get("value")), option_label(question, o.get("value"), meeting, language))
                    for o in question.options or ()
                ]
            found.append(AnswerChoice(question, text(question.label, meeting, language), values))
    return found


def _answered_countries(question_ids: list[int], language: str) -> dict[int, list]:
    if not question_ids:
        return {}
    stored = _answer_text()
    codes: dict[int, set[str]] = {}
    for question_id, value in db.session.execute(
        sa.select(FormAnswer.question_id, stored)
        .where(FormAnswer.question_id.in_(question_ids), stored.is_not(None))
        .distinct()
    ):
        code = json.loads(value)
        if isinstance(code, str) and code:
            codes.setdefault(question_id, set()).add(code)
    wanted = set().union(*codes.values()) if codes else set()
    names = dict(
        db.session.execute(
            sa.select(Country.code, Country.name_column(language)).where(Country.code.in_(wanted))
        ).all()
    )
    key = sort_key(language)
    return {
        question_id: sorted(
            ((code, names.get(code, code)) for code in found), key=lambda pair: key(pair[1])
        )
        for question_id, found in codes.items()
    }


def answer_filter_groups(
    meeting: Meeting, language: str
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The list's answer filter as groups of (token, label), one group per question
    in form order: its values when it has some to choose from, then "answered" and
    "not answered"."""
    questions = [q for q in questions_of(meeting.id) if q.asks]
    by_question = {c.question.id: c for c in value_choices(meeting, language, questions)}
    groups = []
    with force_locale(language):
        for question in questions:
            name = text(question.label, meeting, language) or question.key
            choice = by_question.get(question.id)
            values = [(f"{question.id}={v}", label) for v, label in choice.values] if choice else []
            values += [
                (f"{question.id}:{ANSWERED}", _("Answered")),
                (f"{question.id}:{UNANSWERED}", _("Not answered")),
            ]
            # The question in each option too: a closed list shows the option alone.
            options = [(token, f"{name}: {label}") for token, label in values]
            groups.append((name, options))
    return groups


def status_counts(meeting: Meeting) -> dict[RegistrationStatus, int]:
    return dict(
        db.session.execute(
            sa.select(Participant.status, sa.func.count())
            .where(Participant.meeting_id == meeting.id)
            .group_by(Participant.status)
        ).all()
    )


# A search counts its matches up to this many, and beyond says "more than" that
# (its last page then unknown): counting, and sorting a page of them, then cost as
# much in a meeting of 50,000 as in one of 5,000. Large enough that a name shared
# by 4 % of a 50,000-person meeting is counted, small enough that its matches are
# sorted in a few milliseconds.
SEARCH_COUNT_LIMIT = 2000


class ListPage(SelectPagination):
    """A page of the organisers' list, read in two steps: the page's ids first,
    from an index (OFFSET skips index entries, not table rows), then those fifty
    rows with their delegation. `total` is the number of matches or, when `more`,
    the number they are more than: the last page is then unknown, and the page
    reads one id more to tell whether a next one follows."""

    more: bool = False

    def _query_items(self) -> list[Participant]:
        session = self._query_args["session"]
        self.more = self._query_args["more"]
        read = self.per_page + 1 if self.more else self.per_page
        ids = list(session.scalars(self._query_args["ids"].limit(read).offset(self._query_offset)))
        self._next = len(ids) > self.per_page
        ids = ids[: self.per_page]
        if not ids:
            return []
        rows = session.execute(
            self._query_args["select"].where(Participant.id.in_(ids)).order_by(None)
        )
        found = {participant.id: participant for participant in rows.unique().scalars()}
        return [found[i] for i in ids if i in found]

    def _query_count(self) -> int:
        return self._query_args["total"]

    @property
    def has_next(self) -> bool:
        return self._next if self.more else super().has_next


def list_page(
    meeting: Meeting,
    filters: Filters,
    page: int,
    per_page: int,
    counts: dict[RegistrationStatus, int],
    count_limit: int | None = None,
) -> ListPage:
    """The page of the organisers' list. The number of matches: from `counts`
    (status_counts) unless a filter narrows the list beyond a status; counted up to
    `count_limit` (SEARCH_COUNT_LIMIT) with a search; counted otherwise.

    A search's page is read from the index that holds the list's order, stopping at
    the page's last match, when its matches are many; when they are at most the
    limit, they are found by the search's own index and sorted apart. Walking the
    order's index to gather a page of a name's few matches would read most of the
    meeting (they stand together in the order, the planner expects them spread)."""
    ids = _matching(meeting, filters, sa.select(Participant.id))
    total, more = known_total(filters, counts), False
    if total is None and filters.search:
        limit = SEARCH_COUNT_LIMIT if count_limit is None else count_limit
        total = _count(ids.limit(limit + 1))
        more = total > limit
        if more:
            total = limit
        else:
            ids = _sorted_apart(meeting, filters)
    elif total is None:
        total = _count(ids)
    return ListPage(
        select=participants_query(meeting, filters),
        ids=ids,
        total=total,
        more=more,
        session=db.session(),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def _count(ids: sa.Select) -> int:
    """How many rows `ids` gives (in no order: a LIMIT stops at any rows)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ids.order_by(None).subquery()))


def _sorted_apart(meeting: Meeting, filters: Filters) -> sa.Select:
    """The ids of the list's matches, in its order, the matches found first and
    then sorted: OFFSET 0 keeps the planner from walking the order's index."""
    found = (
        _matching(
            meeting,
            filters,
            sa.select(
                Participant.id,
                Participant.family_name,
                Participant.given_name,
                Participant.created_at,
            ),
        )
        .order_by(None)
        .offset(0)
        .subquery()
    )
    return sa.select(found.c.id).order_by(*_order(filters, found.c))


def known_total(filters: Filters, counts: dict[RegistrationStatus, int]) -> int | None:
    """How many registrations the list shows, when the counts per status already
    tell (no filter, or the status alone): the page then skips a second count of
    the meeting. None when another filter narrows it (it must be counted)."""
    narrowed = (
        filters.delegation,
        filters.category,
        filters.search,
        filters.answer,
        filters.takes_part,
    )
    if any(narrowed):
        return None
    if filters.status:
        return counts.get(filters.status, 0)
    return sum(counts.values())
