"""The feedback survey: building it (questions in the meeting's languages, ordered,
deleted only while nobody has answered), opening and closing it, writing to those
who attended, and storing one set of answers per attendee (the caller commits).

Answering once: the respondent row (survey, participant) is unique; a second
answer, from another tab at the same moment too, fails on that constraint at the
flush and the caller rolls back, the first answers kept.

Anonymity: an anonymous survey stores its answers without the person (and with
the day only), the respondent row apart; nothing shown or exported joins them.
Whether a survey is anonymous is fixed once it has been opened: the people who
answered were told so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from meeting_app.core.security import public_base_url
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.mail import texts
from meeting_app.meetings.models import Meeting
from meeting_app.messages.models import SentReminder
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.questions.models import QuestionType
from meeting_app.registration import placeholders
from meeting_app.registration.models import Participant
from meeting_app.surveys.models import Survey, SurveyQuestion, SurveyRespondent, SurveyResponse

RATING = "rating"
# The registration form's types a survey asks (no files, no section headings), and
# a 1–5 rating; in the order the builder offers them.
TYPES = (
    RATING,
    QuestionType.CHOICE.value,
    QuestionType.CHOICES.value,
    QuestionType.YES_NO.value,
    QuestionType.TEXT.value,
    QuestionType.PARAGRAPH.value,
    QuestionType.NUMBER.value,
    QuestionType.DATE.value,
    QuestionType.COUNTRY.value,
    QuestionType.EMAIL.value,
    QuestionType.PHONE.value,
)
CHOICE_TYPES = frozenset({QuestionType.CHOICE.value, QuestionType.CHOICES.value})
RATINGS = (1, 2, 3, 4, 5)
DRAFT, OPEN, CLOSED = "draft", "open", "closed"
# The SentReminder kind that records the invitation (one per person).
INVITATION = "survey"
INVITATION_TEXT = "survey_invitation"
BATCH = 500
MAX_QUESTIONS = 100


class SurveyError(Exception):
    """Bad input or a refused change: `code` says which, `field` the form field."""

    def __init__(self, code: str, field: str = "", **details):
        super().__init__(code)
        self.code, self.field, self.details = code, field, details


class AlreadyAnswered(Exception):
    """This person's answers are stored already (the first ones are kept)."""


@dataclass
class OptionInput:
    label: dict[str, str]
    value: str = ""  # empty: a new option


@dataclass
class QuestionInput:
    type: str
    label: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    required: bool = False
    options: list[OptionInput] = field(default_factory=list)
    min_value: float | None = None
    max_value: float | None = None


# --- Reading -------------------------------------------------------------------------


def survey_of(meeting: Meeting) -> Survey | None:
    return db.session.execute(
        sa.select(Survey).where(Survey.meeting_id == meeting.id)
    ).scalar_one_or_none()


def get_or_create(meeting: Meeting) -> Survey:
    """The meeting's survey, made (a draft, anonymous) the first time it is asked for."""
    survey = survey_of(meeting)
    if survey is None:
        survey = Survey(meeting_id=meeting.id, anonymous=True, status=DRAFT, intro={})
        db.session.add(survey)
        db.session.flush()
    return survey


def question_in(survey: Survey, question_id: int) -> SurveyQuestion | None:
    """A question of `survey` (None for another survey's id)."""
    question = db.session.get(SurveyQuestion, question_id)
    return question if question is not None and question.survey_id == survey.id else None


def response_count(survey: Survey) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey.id)
    )


def responses(survey: Survey) -> list[SurveyResponse]:
    """Every set of answers. An anonymous survey's come in an order that does not
    follow the order people answered in (day, then a digest of the answers), so
    that it cannot be matched with the respondents'."""
    rows = list(
        db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    )
    if survey.anonymous:
        return sorted(rows, key=lambda r: (r.submitted_on, _digest(r.answers)))
    return sorted(rows, key=lambda r: (r.submitted_on, r.id))


def _digest(answers: dict) -> str:
    return hashlib.sha256(
        json.dumps(answers, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def attended(meeting: Meeting):
    """The condition on Participant rows: of `meeting`, not erased, checked in at
    least once (a check-in that was undone does not count)."""
    return sa.and_(
        Participant.meeting_id == meeting.id,
        Participant.erased_at.is_(None),
        sa.exists().where(CheckIn.participant_id == Participant.id, CheckIn.cancelled_at.is_(None)),
    )


def attendee_count(meeting: Meeting) -> int:
    return db.session.scalar(sa.select(sa.func.count(Participant.id)).where(attended(meeting)))


def has_attended(participant: Participant) -> bool:
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    CheckIn.participant_id == participant.id, CheckIn.cancelled_at.is_(None)
                )
            )
        )
    )


def has_answered(survey: Survey, participant: Participant) -> bool:
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    SurveyRespondent.survey_id == survey.id,
                    SurveyRespondent.participant_id == participant.id,
                )
            )
        )
    )


def invited_count(meeting: Meeting) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(SentReminder.id)).where(
            SentReminder.meeting_id == meeting.id,
            SentReminder.kind == INVITATION,
            SentReminder.mail_id.is_not(None),
        )
    )


# --- Building ------------------------------------------------------------------------


def save_settings(survey: Survey, meeting: Meeting, intro: dict[str, str], anonymous: bool, user):
    """The introduction and whether answers name the person; the latter is refused
    once the survey has been opened (SurveyError "anonymity_fixed")."""
    if anonymous != survey.anonymous and survey.opened_at is not None:
        raise SurveyError("anonymity_fixed", "anonymous")
    survey.intro = {
        code: text.strip()
        for code, text in intro.items()
        if code in meeting.languages and text and text.strip()
    }
    survey.anonymous = anonymous
    db.session.flush()
    audit.record(
        "survey.settings",
        user=user,
        meeting=meeting,
        details="anonymous" if anonymous else "named",
    )


def check_question(
    meeting: Meeting, survey: Survey, data: QuestionInput, question: SurveyQuestion | None
) -> list[SurveyError]:
    """Every problem with `data` (an empty list: it can be saved)."""
    problems = []
    default = meeting.default_language
    if data.type not in TYPES:
        problems.append(SurveyError("type_unknown", "type"))
    elif question is not None and data.type != question.type and response_count(survey):
        problems.append(SurveyError("type_answered", "type"))
    if not (data.label.get(default) or "").strip():
        problems.append(SurveyError("label_missing", f"label_{default}", language=default))
    if data.type in CHOICE_TYPES:
        if not data.options:
            problems.append(SurveyError("options_missing", "options"))
        seen = set()
        for n, option in enumerate(data.options):
            main = (option.label.get(default) or "").strip()
            if not main:
                problems.append(
                    SurveyError("option_label_missing", f"options-{n}", language=default)
                )
            elif main.casefold() in seen:
                problems.append(SurveyError("option_duplicate", f"options-{n}", label=main))
            seen.add(main.casefold())
        if question is not None and response_count(survey):
            kept = {o.value for o in data.options if o.value}
            gone = [o for o in question.options or () if o["value"] not in kept]
            if gone:
                problems.append(SurveyError("option_answered", "options"))
    if (
        data.type == QuestionType.NUMBER.value
        and data.min_value is not None
        and data.max_value is not None
        and data.min_value > data.max_value
    ):
        problems.append(SurveyError("bounds", "max_value"))
    if question is None and len(survey.questions) >= MAX_QUESTIONS:
        problems.append(SurveyError("too_many"))
    return problems


def save_question(
    meeting: Meeting, survey: Survey, data: QuestionInput, question: SurveyQuestion | None, user
) -> SurveyQuestion:
    """Adds (at the end) or changes a question checked with `check_question`."""
    if question is None:
        position = max((q.position for q in survey.questions), default=0) + 1
        question = SurveyQuestion(survey=survey, position=position)
        db.session.add(question)
    languages = meeting.languages
    question.type = data.type
    question.label = {c: t.strip() for c, t in data.label.items() if c in languages and t.strip()}
    question.help = {c: t.strip() for c, t in data.help.items() if c in languages and t.strip()}
    question.required = data.required
    question.options = _options(data, question) if data.type in CHOICE_TYPES else []
    settings = {}
    if data.type == QuestionType.NUMBER.value:
        settings = {"min": data.min_value, "max": data.max_value}
    question.settings = settings
    db.session.flush()
    audit.record("survey.question_saved", user=user, meeting=meeting, details=data.type)
    return question


def _options(data: QuestionInput, question: SurveyQuestion) -> list[dict[str, Any]]:
    """The options with stable values: a kept option keeps its value (the answers
    that chose it follow its new wording); a new one gets the next free one."""
    known = {o["value"] for o in question.options or ()}
    used = {o.value for o in data.options if o.value in known}
    numbers = [int(v[1:]) for v in known | used if v[1:].isdigit()]
    following = max(numbers, default=0) + 1
    options = []
    for option in data.options:
        value = option.value if option.value in known else ""
        if not value:
            value = f"o{following}"
            following += 1
        label = {c: t.strip() for c, t in option.label.items() if t and t.strip()}
        options.append({"value": value, "label": label})
    return options


def delete_question(meeting: Meeting, survey: Survey, question: SurveyQuestion, user) -> None:
    """Deletes a question while nobody has answered the survey; refused after
    (SurveyError "answered": its answers stay in the results and exports; its
    wording can still be changed)."""
    if response_count(survey):
        raise SurveyError("answered")
    survey.questions.remove(question)
    db.session.flush()
    audit.record("survey.question_deleted", user=user, meeting=meeting)


def move_question(survey: Survey, question: SurveyQuestion, direction: str) -> bool:
    """Swaps `question` with its neighbour ("up" or "down"); False at either end."""
    ordered = list(survey.questions)
    index = ordered.index(question)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    db.session.flush()
    db.session.expire(survey, ["questions"])
    return True


# --- Opening, closing, inviting --------------------------------------------------------


def open_survey(meeting: Meeting, survey: Survey, user) -> None:
    if not survey.questions:
        raise SurveyError("no_questions")
    if survey.status == OPEN:
        return
    survey.status = OPEN
    survey.opened_at = survey.opened_at or utcnow()
    survey.closed_at = None
    db.session.flush()
    audit.record("survey.opened", user=user, meeting=meeting)


def close_survey(meeting: Meeting, survey: Survey, user) -> None:
    if survey.status != OPEN:
        return
    survey.status = CLOSED
    survey.closed_at = utcnow()
    db.session.flush()
    audit.record("survey.closed", user=user, meeting=meeting)


def invite_attendees(meeting: Meeting, survey: Survey, user) -> int:
    """Writes the invitation (mail/texts.py "survey_invitation", in each person's
    language, with their link to the survey) to everyone checked in at least once
    who has not had it: each person once, however often this is asked (the
    SentReminder row is claimed first, as the reminders are). Returns how many."""
    if survey.status != OPEN:
        raise SurveyError("not_open")
    ids = list(
        db.session.scalars(
            sa.select(Participant.id)
            .where(
                attended(meeting),
                ~sa.exists().where(
                    SentReminder.participant_id == Participant.id,
                    SentReminder.kind == INVITATION,
                ),
            )
            .order_by(Participant.id)
        )
    )
    base = public_base_url()
    written = 0
    for start in range(0, len(ids), BATCH):
        claimed = _claim(meeting, ids[start : start + BATCH])
        if not claimed:
            continue
        people = db.session.scalars(
            sa.select(Participant).where(Participant.id.in_(list(claimed))).order_by(Participant.id)
        )
        updates = []
        for person in people:
            mail = _invite(meeting, person, base)
            if mail is not None:
                db.session.flush()
                updates.append({"id": claimed[person.id], "mail_id": mail.id})
        if updates:
            db.session.execute(sa.update(SentReminder), updates)
        written += len(updates)
    if written:
        audit.record("survey.invited", user=user, meeting=meeting, details=str(written))
    return written


def survey_link(participant: Participant, base: str) -> str:
    return base + url_for("surveys.answer", token=participant.token)


def _invite(meeting: Meeting, person: Participant, base: str):
    language = person.preferred_language
    with force_locale(language):
        values = placeholders.values(person, language, base)
    values["survey_link"] = survey_link(person, base)
    return texts.queue(
        person.email,
        INVITATION_TEXT,
        language,
        values,
        kind="survey",
        meeting=meeting,
        participant=person,
    )


def _claim(meeting: Meeting, participant_ids: list[int]) -> dict[int, int]:
    """{participant id: SentReminder id} of the rows this call inserted."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(SentReminder)
    statement = (
        insert.values(
            [
                {
                    "meeting_id": meeting.id,
                    "participant_id": pid,
                    "kind": INVITATION,
                    "created_at": utcnow(),
                }
                for pid in participant_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["participant_id", "kind"])
        .returning(SentReminder.participant_id, SentReminder.id)
    )
    return {pid: row_id for pid, row_id in db.session.execute(statement)}


# --- Answering -------------------------------------------------------------------------


def may_answer(survey: Survey | None, participant: Participant) -> str:
    """ "open" (may answer now), "answered", "not_attended", "closed" or "none"
    (no survey to show: a draft, or none at all)."""
    if survey is None or survey.status == DRAFT:
        return "none"
    if not has_attended(participant):
        return "not_attended"
    if has_answered(survey, participant):
        return "answered"
    if survey.status != OPEN:
        return "closed"
    return "open"


def submit(survey: Survey, participant: Participant, answers: dict[int, Any]) -> SurveyResponse:
    """Stores `participant`'s answers ({question id: typed value}, checked by the
    form), once: AlreadyAnswered if they have answered, here or in another tab at
    the same moment (the unique respondent row decides; the caller rolls back)."""
    if survey.status != OPEN:
        raise SurveyError("not_open")
    now = utcnow()
    # An anonymous survey keeps the day only: a time would tell who it was.
    day = datetime.combine(now.date(), time.min, tzinfo=UTC)
    when = day if survey.anonymous else now
    db.session.add(
        SurveyRespondent(survey_id=survey.id, participant_id=participant.id, answered_at=when)
    )
    try:
        db.session.flush()
    except IntegrityError:
        raise AlreadyAnswered() from None
    stored = {str(qid): value for qid, value in answers.items() if value not in (None, "", [])}
    response = SurveyResponse(
        survey_id=survey.id,
        participant_id=None if survey.anonymous else participant.id,
        answers=stored,
        submitted_on=when,
    )
    db.session.add(response)
    db.session.flush()
    return response
