"""A person's answers to the meeting's questions: stored with their registration
(registration/services.py calls `save_answers` in the same transaction), and
listed for their private page, the organisers' page and the confirmation mail.

Services flush at most; the caller commits."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from meeting_app.core.database import as_id
from meeting_app.core.i18n import current_language
from meeting_app.extensions import db
from meeting_app.files import services as stored_files
from meeting_app.files.models import StoredFile
from meeting_app.models import UTCDateTime, utcnow
from meeting_app.questions.answers import PlainQuestion, display, is_empty, live_questions, text
from meeting_app.questions.models import FILE_TYPES, FormAnswer, FormQuestion, QuestionType
from meeting_app.registration.models import Participant


@dataclass(frozen=True)
class NewAnswer:
    """An answer given with this request, as `shown_answers` reads it: the
    confirmation mail lists it without reading back the row (not stored yet, or
    stored by one statement for many: registration/importer.py)."""

    question: PlainQuestion | FormQuestion
    value: Any = None
    file: StoredFile | None = None


@dataclass
class Saved:
    """What `save_answers` did."""

    # The person's answers once saved (the confirmation mail lists them).
    rows: list[FormAnswer | NewAnswer] = field(default_factory=list)
    # The keys of the questions whose answer changed, and the change log's lines.
    changed: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    # Files nobody owned yet that are now the person's answers (see `adopt_files`).
    new_files: list[int] = field(default_factory=list)
    # A new registration's answers (question_id, value), stored once it has its id
    # (see `store_new_answers`).
    new_values: list[dict[str, Any]] = field(default_factory=list)


def stored_answers(participant: Participant) -> dict[int, FormAnswer]:
    """{question id: answer} of a stored registration (files' names, never content)."""
    if participant.id is None:
        return {}
    return {
        a.question_id: a
        for a in db.session.scalars(
            sa.select(FormAnswer)
            .where(FormAnswer.participant_id == participant.id)
            .options(joinedload(FormAnswer.file), joinedload(FormAnswer.question))
        )
    }


def save_answers(
    participant: Participant,
    answers: dict[int, Any],
    files: dict[int, StoredFile | None] | None = None,
    questions: Iterable[PlainQuestion] | None = None,
) -> Saved:
    """Stores `answers` ({question id: typed value}) and `files` ({question id:
    file}) as the person's answers to those questions: an empty value (None, "",
    []) or no file removes the answer; the questions not named are left as they
    are (organisers-only ones on the person's own form). A file replaced or
    removed is deleted. Sensitive answers go into the change log as "(changed)",
    files by their names. `questions`: those the answers were given to (the form's
    own, read for this request), else the meeting's are read.

    Files nobody owned yet (uploaded with this form, or kept from one sent with
    errors) become the person's: at once for a stored registration. A new one's
    answers and files are stored by `store_new_answers`, once it is: nothing is
    written here (see registration/services.py register)."""
    files = files or {}
    existing = stored_answers(participant)
    saved = Saved()
    meeting_id = participant.meeting.id  # a registration not stored yet has no meeting_id
    named = [*answers, *files]
    if questions is None and named:
        questions = live_questions(meeting_id)
    known = {q.id: q for q in questions or ()}
    for question_id in named:
        # Another question (an archived one, which no form asks) from its row.
        question = known.get(question_id) or db.session.get(FormQuestion, question_id)
        if question is None or question.meeting_id != meeting_id:
            continue
        old = existing.pop(question_id, None)
        if question.type in FILE_TYPES:
            _save_file(participant, question, old, files.get(question_id), saved)
        else:
            _save_value(participant, question, old, answers.get(question_id), saved)
    saved.rows.extend(existing.values())
    saved.rows.sort(key=lambda a: (a.question.position, a.question.id or 0))
    if participant.id is not None:
        adopt_files(participant, saved)
    return saved


def _save_value(participant, question, old: FormAnswer | None, value, saved):
    if is_empty(value):
        if old is not None:
            db.session.delete(old)
            _log(saved, question, _logged(old.value), "—")
        return
    if old is None:
        saved.rows.append(NewAnswer(question, value))
        if participant.id is None:
            # One INSERT of them all later: 30 objects took longer to flush than
            # the rest of the registration.
            saved.new_values.append({"question_id": question.id, "value": value})
            return
        db.session.add(FormAnswer(participant=participant, question_id=question.id, value=value))
        _log(saved, question, "—", _logged(value))
        return
    saved.rows.append(old)
    if old.value != value or type(old.value) is not type(value):
        before = _logged(old.value)
        old.value = value
        _log(saved, question, before, _logged(value))


def _save_file(participant, question, old: FormAnswer | None, new: StoredFile | None, saved):
    current = old.file if old is not None else None
    if new is not None and current is not None and new.id == current.id:
        saved.rows.append(old)
        return
    if new is None:
        if old is not None:
            db.session.delete(old)
            _log(saved, question, _logged(None, current), "—")
        if current is not None:
            db.session.delete(current)
        return
    if new.participant_id is None:
        saved.new_files.append(new.id)
    elif new.participant_id != participant.id:
        return  # someone else's file: never taken
    if old is None:
        db.session.add(FormAnswer(participant=participant, question_id=question.id, file=new))
        saved.rows.append(NewAnswer(question, file=new))
        if participant.id is not None:
            _log(saved, question, "—", _logged(None, new))
        return
    old.file = new
    old.value = None
    saved.rows.append(old)
    _log(saved, question, _logged(None, current), _logged(None, new))
    if current is not None:
        db.session.delete(current)


def store_new_answers(participant: Participant, saved: Saved) -> None:
    """For a new registration: flushes it (it gets its id), then stores the answers
    `save_answers` kept for it, in one statement, and makes the files its own."""
    if saved.new_values:
        if participant.id is None:
            db.session.flush()
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(
                _INSERT_FROM_JSON,
                {
                    "participant_id": participant.id,
                    "updated_at": utcnow(),
                    "rows": json.dumps([[r["question_id"], r["value"]] for r in saved.new_values]),
                },
            )
        else:
            table = FormAnswer.__table__
            # RETURNING (the ids are not needed) makes SQLAlchemy send the rows as
            # one INSERT rather than one per row.
            db.session.execute(
                sa.insert(table).returning(table.c.id),
                [{**row, "participant_id": participant.id} for row in saved.new_values],
            ).close()
        saved.new_values = []
    adopt_files(participant, saved)


# A new registration's answers on PostgreSQL: the rows as one JSON array of
# [question id, value] pairs, one parameter. As an INSERT of 30 rows of
# parameters, SQLAlchemy and psycopg took 0.7 ms more per registration to write
# and send them (the json type keeps each value's text as written here).
_INSERT_FROM_JSON = sa.text(
    "INSERT INTO form_answers (participant_id, question_id, value, updated_at)"
    " SELECT :participant_id, CAST(pair->>0 AS INTEGER), pair->1, :updated_at"
    " FROM json_array_elements(CAST(:rows AS JSON)) AS pair"
).bindparams(
    sa.bindparam("participant_id", type_=sa.Integer),
    sa.bindparam("updated_at", type_=UTCDateTime),
    sa.bindparam("rows", type_=sa.Text),
)


def adopt_files(participant: Participant, saved: Saved) -> None:
    """The files of `saved` nobody owned become the person's (the registration
    must be flushed: it needs its id)."""
    if saved.new_files:
        if participant.id is None:
            db.session.flush()
        stored_files.adopt(saved.new_files, participant.meeting.id, participant.id)
        saved.new_files = []


def _log(saved: Saved, question: FormQuestion, before: str, after: str) -> None:
    saved.changed.append(question.key)
    if question.sensitive:
        saved.lines.append(f"{question.key}: (changed)")
    else:
        saved.lines.append(f"{question.key}: {before} → {after}")


def _logged(value, file: StoredFile | None = None) -> str:
    """An answer as the change log writes it (the values themselves, in no language)."""
    if file is not None:
        shown = file.filename
    elif value is None or value == "" or value == []:
        return "—"
    elif isinstance(value, bool):
        shown = "yes" if value else "no"
    elif isinstance(value, list):
        shown = ", ".join(str(v) for v in value)
    else:
        shown = str(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


# --- Showing the answers ------------------------------------------------------------------


@dataclass
class ShownAnswer:
    question: FormQuestion
    label: str
    text: str  # as the reader reads it; a file's name
    file: StoredFile | None = None

    @property
    def photo(self) -> bool:
        return self.file is not None and self.question.type is QuestionType.PHOTO


def shown_answers(
    participant: Participant,
    *,
    organisers: bool = False,
    language: str | None = None,
    answers: list[FormAnswer] | dict[int, FormAnswer] | None = None,
) -> list[ShownAnswer]:
    """The person's answers in form order, labelled in `language` (default: the
    reader's), for their page and their mails (not the organisers-only questions
    nor archived ones), or for the organisers (`organisers`: all of them).
    `answers`: those already at hand (a registration not stored yet), else read."""
    if answers is None:
        answers = stored_answers(participant)
    rows = list(answers.values()) if isinstance(answers, dict) else list(answers)
    if not rows:
        return []
    language = language or current_language()
    meeting = participant.meeting
    found = []
    for answer in sorted(
        rows,
        key=lambda a: (a.question.archived_at is not None, a.question.position, a.question.id),
    ):
        question = answer.question
        if not organisers and (question.organisers_only or question.archived_at is not None):
            continue
        shown = display(question, answer, meeting, language)
        if not shown:
            continue
        found.append(
            ShownAnswer(
                question=question,
                label=text(question.label, meeting, language) or question.key,
                text=shown,
                file=answer.file if question.type in FILE_TYPES else None,
            )
        )
    return found


def own_file(participant: Participant, file_id: int, *, organisers: bool = False):
    """The file `file_id` if it is one of the person's answers (for the person: not
    to an organisers-only question), else None."""
    if as_id(file_id) is None:  # past the database's range: no such file
        return None
    return db.session.scalar(
        sa.select(StoredFile)
        .join(FormAnswer, FormAnswer.file_id == StoredFile.id)
        .join(FormQuestion, FormQuestion.id == FormAnswer.question_id)
        .where(
            StoredFile.id == file_id,
            StoredFile.participant_id == participant.id,
            StoredFile.meeting_id == participant.meeting_id,
            FormAnswer.participant_id == participant.id,
            *([] if organisers else [FormQuestion.organisers_only.is_(False)]),
        )
    )
