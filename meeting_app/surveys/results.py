"""What the survey's answers add up to (per question: bars with counts and shares,
the texts written, a number's count, mean, smallest and largest) and the raw
answers as a table for the CSV and XLSX exports. An anonymous survey's table has
no names, and its rows do not come in the order people answered."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from meeting_app.extensions import db
from meeting_app.questions.models import QuestionType
from meeting_app.registration.exports import yes_no
from meeting_app.registration.forms import country_names
from meeting_app.registration.models import Participant
from meeting_app.surveys import services
from meeting_app.surveys.charts import Bar
from meeting_app.surveys.forms import RATING_LABELS, label_of, option_pairs
from meeting_app.surveys.models import Survey, SurveyQuestion, SurveyResponse

T = QuestionType
BAR_TYPES = frozenset(
    {services.RATING, T.CHOICE.value, T.CHOICES.value, T.YES_NO.value, T.COUNTRY.value}
)


@dataclass
class NumberSummary:
    count: int
    mean: float
    smallest: float
    largest: float


@dataclass
class QuestionResult:
    question: SurveyQuestion
    label: str
    answered: int  # how many responses answer it
    bars: list[Bar] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    numbers: NumberSummary | None = None
    mean_rating: float | None = None

    @property
    def charted(self) -> bool:
        return self.question.type in BAR_TYPES


def _value(response: SurveyResponse, question: SurveyQuestion):
    return (response.answers or {}).get(str(question.id))


def _bars(pairs: list[tuple[str, str]], counts: Counter, answered: int) -> list[Bar]:
    return [
        Bar(label, counts.get(value, 0), counts.get(value, 0) / answered if answered else 0.0)
        for value, label in pairs
    ]


def question_result(
    question: SurveyQuestion, responses: list[SurveyResponse], meeting, language: str
) -> QuestionResult:
    values = [v for r in responses if (v := _value(r, question)) not in (None, "", [])]
    result = QuestionResult(question, label_of(question.label, meeting, language), len(values))
    kind = question.type
    answered = len(values)
    if kind == services.RATING:
        ratings = [v for v in values if type(v) is int and v in services.RATINGS]
        pairs = [(n, str(RATING_LABELS[n])) for n in services.RATINGS]
        result.bars = _bars(pairs, Counter(ratings), answered)
        if ratings:
            result.mean_rating = sum(ratings) / len(ratings)
    elif kind == T.YES_NO.value:
        counts = Counter(v for v in values if isinstance(v, bool))
        result.bars = _bars([(True, gettext("Yes")), (False, gettext("No"))], counts, answered)
    elif kind == T.CHOICE.value:
        result.bars = _bars(option_pairs(question, meeting, language), Counter(values), answered)
    elif kind == T.CHOICES.value:
        counts = Counter(item for v in values if isinstance(v, list) for item in v)
        result.bars = _bars(option_pairs(question, meeting, language), counts, answered)
    elif kind == T.COUNTRY.value:
        names = country_names(language)
        counts = Counter(values)
        ordered = sorted(counts, key=lambda code: (-counts[code], names.get(code, code)))
        result.bars = _bars([(c, names.get(c, c)) for c in ordered], counts, answered)
    elif kind == T.NUMBER.value:
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if numbers:
            result.numbers = NumberSummary(
                len(numbers), sum(numbers) / len(numbers), min(numbers), max(numbers)
            )
    else:
        result.texts = [str(v) for v in values]
    return result


def results(survey: Survey, meeting, language: str) -> tuple[int, list[QuestionResult]]:
    """(how many responses, each question's result) in the reader's `language`."""
    responses = services.responses(survey)
    return len(responses), [
        question_result(q, responses, meeting, language) for q in survey.questions
    ]


# --- The raw answers, one row per response -----------------------------------------------


def _cell(question: SurveyQuestion, value, meeting, language: str) -> Any:
    if value in (None, "", []):
        return None
    kind = question.type
    if kind == T.YES_NO.value:
        return yes_no(bool(value))
    if kind in (T.CHOICE.value, T.CHOICES.value):
        labels = dict(option_pairs(question, meeting, language))
        chosen = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(v, str(v)) for v in chosen)
    if kind == T.COUNTRY.value:
        return country_names(language).get(value, str(value))
    if kind == T.DATE.value:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if kind in (T.NUMBER.value, services.RATING) and isinstance(value, int | float):
        return value
    return str(value)


def export_table(survey: Survey, meeting, language: str) -> tuple[list[str], list[list]]:
    """The header (one column per question; the person's name and e-mail first
    unless the survey is anonymous) and a row per response, in `language`."""
    questions = list(survey.questions)
    responses = services.responses(survey)
    people: dict[int, Participant] = {}
    if not survey.anonymous:
        ids = {r.participant_id for r in responses if r.participant_id is not None}
        if ids:
            people = {
                p.id: p
                for p in db.session.scalars(sa.select(Participant).where(Participant.id.in_(ids)))
            }
    with force_locale(language):
        header = [] if survey.anonymous else [gettext("Name"), gettext("E-mail")]
        header.append(gettext("Answered on"))
        header += [label_of(q.label, meeting, language) for q in questions]
        rows = []
        for response in responses:
            row: list[Any] = []
            if not survey.anonymous:
                person = people.get(response.participant_id)
                row += [person.full_name, person.email] if person else ["", ""]
            row.append(response.submitted_on.date())
            row += [_cell(q, _value(response, q), meeting, language) for q in questions]
            rows.append(row)
    return header, rows
