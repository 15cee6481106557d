"""Reading a meeting's questions and people's answers, and writing an answer as
people read it (pages, exports, mails). Everything that shows answers goes
through here, so that each question type reads the same everywhere."""

from __future__ import annotations

import copy
import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import g, has_app_context
from flask_babel import force_locale, gettext
from sqlalchemy.orm import joinedload

from meeting_app.core.i18n import localized
from meeting_app.extensions import db
from meeting_app.meetings.models import Country
from meeting_app.questions.models import FILE_TYPES, FormAnswer, FormQuestion, QuestionType
from meeting_app.registration.forms import country_names


def questions_of(meeting_id: int, *, archived: bool = False) -> list[FormQuestion]:
    """The meeting's questions in form order; with `archived`, the archived ones
    too, after the others (exports and data downloads keep their answers)."""
    query = sa.select(FormQuestion).where(FormQuestion.meeting_id == meeting_id)
    if not archived:
        query = query.where(FormQuestion.archived_at.is_(None))
    query = query.order_by(
        FormQuestion.archived_at.is_not(None), FormQuestion.position, FormQuestion.id
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True, eq=False)
class PlainQuestion:
    """A question's values copied from its row, for what reads them in many requests
    (the registration forms, the confirmation mail): a row's object belongs to one
    session and expires at its commit. The same attributes as FormQuestion; lists
    are tuples, and nothing changes a copy once made."""

    id: int
    meeting_id: int
    position: int
    type: QuestionType
    key: str
    label: dict[str, str]
    help: dict[str, str]
    required: bool
    categories: tuple[str, ...]
    condition_question_id: int | None
    condition_values: tuple[str, ...]
    organisers_only: bool
    sensitive: bool
    options: tuple[dict[str, Any], ...]
    min_value: float | None
    max_value: float | None
    max_bytes: int | None
    archived_at: datetime | None
    updated_at: datetime
    # The copy of the question its condition looks at: None when that one is not
    # among the copies (archived), as if it were archived.
    condition_question: PlainQuestion | None = None

    @property
    def asks(self) -> bool:
        return self.type is not QuestionType.SECTION


def _copies(questions: list[FormQuestion]) -> tuple[PlainQuestion, ...]:
    made = tuple(
        PlainQuestion(
            id=q.id,
            meeting_id=q.meeting_id,
            position=q.position,
            type=q.type,
            key=q.key,
            label=dict(q.label or {}),
            help=dict(q.help or {}),
            required=q.required,
            categories=tuple(q.categories or ()),
            condition_question_id=q.condition_question_id,
            condition_values=tuple(q.condition_values or ()),
            organisers_only=q.organisers_only,
            sensitive=q.sensitive,
            options=tuple(copy.deepcopy(q.options or [])),
            min_value=q.min_value,
            max_value=q.max_value,
            max_bytes=q.max_bytes,
            archived_at=q.archived_at,
            updated_at=q.updated_at,
        )
        for q in questions
    )
    by_id = {q.id: q for q in made}
    for question in made:
        if question.condition_question_id is not None:
            # Linked once all exist (frozen otherwise).
            condition = by_id.get(question.condition_question_id)
            object.__setattr__(question, "condition_question", condition)
    return made


# {(meeting id, (id, updated_at) of each of its live questions in form order): their
# copies}, per process, the most recently used ones. A form of 30 questions read as
# objects costs more than the rest of its page; the (id, updated_at) pairs tell in
# one small query whether the copies are still the questions: every change to a
# question sets its updated_at, archiving or deleting one takes its id away, a new
# one brings its own.
_LIVE: OrderedDict[tuple, tuple[PlainQuestion, ...]] = OrderedDict()
LIVE_CACHED = 64
_live_lock = threading.Lock()


def live_questions(meeting_id: int) -> tuple[PlainQuestion, ...]:
    """The meeting's questions (not the archived ones) in form order, as plain
    copies: those of an earlier request while no question has changed since."""
    signature = _read_signatures().pop(meeting_id, None)
    if signature is None:
        table = FormQuestion.__table__
        signature = tuple(
            (question_id, updated_at)
            for question_id, updated_at in db.session.execute(
                sa.select(table.c.id, table.c.updated_at)
                .where(table.c.meeting_id == meeting_id, table.c.archived_at.is_(None))
                .order_by(table.c.position, table.c.id)
            )
        )
    with _live_lock:
        found = _LIVE.get((meeting_id, signature))
        if found is not None:
            _LIVE.move_to_end((meeting_id, signature))
            return found
    questions = questions_of(meeting_id)
    found = _copies(questions)
    # Keyed by what was copied (a question changed between the two queries: the
    # newer version, under its own signature).
    key = (meeting_id, tuple((q.id, q.updated_at) for q in questions))
    with _live_lock:
        _LIVE[key] = found
        _LIVE.move_to_end(key)
        while len(_LIVE) > LIVE_CACHED:
            _LIVE.popitem(last=False)
    return found


def _read_signatures() -> dict[int, tuple]:
    """{meeting id: its live questions' signature} read earlier in this request
    (fields.upload_limit, before the view), for `live_questions` to use once."""
    return g.setdefault("question_signatures", {}) if has_app_context() else {}


def keep_signature(meeting_id: int, signature: tuple) -> None:
    """The (id, updated_at) of the meeting's live questions in form order, just read
    (fields.upload_limit reads them with the files' limit, by the URL): the
    registration views' `live_questions` then needs no query of its own."""
    if has_app_context():
        _read_signatures()[meeting_id] = signature


def answers_of(participant_ids: Iterable[int]) -> dict[int, dict[int, FormAnswer]]:
    """{participant id: {question id: answer}}, in one query (files' names with
    them, never their content)."""
    ids = list(participant_ids)
    found: dict[int, dict[int, FormAnswer]] = {}
    if not ids:
        return found
    for answer in db.session.scalars(
        sa.select(FormAnswer)
        .where(FormAnswer.participant_id.in_(ids))
        .options(joinedload(FormAnswer.file))
    ):
        found.setdefault(answer.participant_id, {})[answer.question_id] = answer
    return found


def text(values: dict | None, meeting, language: str) -> str:
    """A label, help text or option in `language`, else the meeting's default one."""
    return localized(values, meeting.default_language, language).text


def option_label(question: FormQuestion, value: str, meeting, language: str) -> str:
    for option in question.options or ():
        if option.get("value") == value:
            return text(option.get("label"), meeting, language)
    return str(value)


def is_empty(value) -> bool:
    return value is None or value == "" or value == []


def display(question: FormQuestion, answer: FormAnswer | None, meeting, language: str) -> str:
    """The answer as a person reads it in `language`; "" for none."""
    if answer is None:
        return ""
    if question.type in FILE_TYPES:
        return answer.file.filename if answer.file is not None else ""
    value = answer.value
    if is_empty(value):
        return ""
    kind = question.type
    if kind is QuestionType.YES_NO:
        yes, no = _yes_no(language)
        return yes if value else no
    if kind is QuestionType.CHOICE:
        return option_label(question, value, meeting, language)
    if kind is QuestionType.CHOICES:
        return ", ".join(option_label(question, v, meeting, language) for v in value)
    if kind is QuestionType.COUNTRY:
        name = country_names(language).get(value)
        if name is not None:
            return name
        country = db.session.get(Country, value)
        return country.name(language) if country else str(value)
    if kind is QuestionType.DATE:
        return format_date(date.fromisoformat(value), "medium", locale=_locale(language))
    if kind is QuestionType.NUMBER:
        return format_decimal(value, locale=_locale(language))
    return str(value)


# Looked up once per language rather than for each answer (a confirmation lists
# them all): the catalogs and Babel's data do not change while the process runs.
@functools.cache
def _yes_no(language: str) -> tuple[str, str]:
    with force_locale(language):
        return gettext("Yes"), gettext("No")


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)
