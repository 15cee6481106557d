"""Designing a meeting's registration form (issue 18): the questions organisers add,
change, order, archive and restore; the optional built-in fields a meeting hides;
and copying a form to a meeting started from an earlier one.

Operations take plain values, change rows and only flush; the view commits. A
question people answered never loses an answer: its type cannot change, an option
someone chose cannot be removed, and deleting it archives it (its answers stay in
the exports and the person's data download until purged).

Conditions have one level: a question may be shown only when an earlier question
with a fixed list of answers (yes or no, choices, a country) that is not conditional
itself was answered with one of some values. Every change keeps that true: the
order, a question's type, its own condition, archiving the question others depend on.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from meeting_app.core.uploads import MB
from meeting_app.extensions import db
from meeting_app.meetings.models import Country, Meeting
from meeting_app.privacy import audit
from meeting_app.questions.answers import questions_of
from meeting_app.questions.models import (
    CONDITION_TYPES,
    FILE_TYPES,
    FormAnswer,
    FormQuestion,
    QuestionType,
)
from meeting_app.registration.models import Category

# The optional built-in fields of the registration form, which a meeting may hide
# (Meeting.hidden_fields holds some of these names). The others (names, e-mail,
# organisation, delegation, category, preferred language, the acknowledgement of how
# data is used) are always asked: registrations, badges and mails need them.
HIDEABLE_FIELDS = (
    "badge_name",
    "phone",
    "position",
    "gender",
    "dietary_needs",
    "accessibility_needs",
    "needs_visa_letter",
    "consent_public_list",
)
# Hiding a field hides these with it: without the visa letter request, nothing asks
# for the nationality and passport number that only the letter needs.
HIDDEN_WITH = {"needs_visa_letter": ("nationality_code", "passport_number")}

KEY_MAX = 60
KEY_PATTERN = re.compile(r"[a-z0-9_]+")
OPTION_VALUE_MAX = 40
DEFAULT_FILE_BYTES = 5 * MB
MAX_FILE_BYTES = 20 * MB
CHOICE_TYPES = frozenset({QuestionType.CHOICE, QuestionType.CHOICES})
# The values a yes-or-no condition looks for (the answer itself is true or false).
YES, NO = "yes", "no"


class QuestionError(ValueError):
    """Bad input for a question, or a change that would lose answers or break a
    condition: `field` names the form field at fault, `code` the problem."""

    def __init__(self, code: str, field: str = "", **details):
        super().__init__(code)
        self.code, self.field, self.details = code, field, details


@dataclass
class OptionInput:
    """An option of a one- or several-choice question: `value` is the option's stable
    name ("" for a new one, which gets one made from its label)."""

    label: dict[str, str]
    value: str = ""


@dataclass
class QuestionInput:
    type: QuestionType
    label: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    key: str = ""  # "": made from the label in the meeting's default language
    required: bool = False
    categories: list[str] = field(default_factory=list)
    condition_question_id: int | None = None
    condition_values: list[str] = field(default_factory=list)
    organisers_only: bool = False
    sensitive: bool = False
    options: list[OptionInput] = field(default_factory=list)
    min_value: float | None = None
    max_value: float | None = None
    max_bytes: int | None = None


# --- Reading --------------------------------------------------------------------------


def hidden_fields(meeting: Meeting) -> frozenset[str]:
    """The built-in fields the meeting's form leaves out, with those hidden along
    with them (the nationality and passport number with the visa letter request)."""
    hidden = {name for name in meeting.hidden_fields or () if name in HIDEABLE_FIELDS}
    for name in list(hidden):
        hidden.update(HIDDEN_WITH.get(name, ()))
    return frozenset(hidden)


def archived_questions(meeting: Meeting) -> list[FormQuestion]:
    return list(
        db.session.scalars(
            sa.select(FormQuestion)
            .where(FormQuestion.meeting_id == meeting.id, FormQuestion.archived_at.is_not(None))
            .order_by(FormQuestion.archived_at.desc(), FormQuestion.id)
        )
    )


def answer_counts(meeting: Meeting) -> dict[int, int]:
    """{question id: how many people answered it}, in one query."""
    rows = db.session.execute(
        sa.select(FormAnswer.question_id, sa.func.count())
        .join(FormQuestion, FormQuestion.id == FormAnswer.question_id)
        .where(FormQuestion.meeting_id == meeting.id)
        .group_by(FormAnswer.question_id)
    )
    return {question_id: count for question_id, count in rows}


def answer_count(question: FormQuestion) -> int:
    if question.id is None:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count()).where(FormAnswer.question_id == question.id)
    )


def dependants(question: FormQuestion) -> list[FormQuestion]:
    """The questions (not archived) shown only when `question` has some answer."""
    if question.id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(FormQuestion)
            .where(
                FormQuestion.condition_question_id == question.id,
                FormQuestion.archived_at.is_(None),
            )
            .order_by(FormQuestion.position, FormQuestion.id)
        )
    )


def has_photo_question(meeting: Meeting) -> bool:
    return any(q.type is QuestionType.PHOTO for q in questions_of(meeting.id))


def condition_candidates(meeting: Meeting, question: FormQuestion | None = None):
    """The questions `question` (None: a new one, added last) may be shown under:
    earlier ones of the condition types that are not conditional themselves."""
    ordered = questions_of(meeting.id)
    if question is not None and question.id is not None and question in ordered:
        ordered = ordered[: ordered.index(question)]
    return [
        q
        for q in ordered
        if q.type in CONDITION_TYPES and q.condition_question_id is None and q is not question
    ]


def condition_values_allowed(question: FormQuestion) -> set[str]:
    """The values a condition on `question` may look for."""
    if question.type is QuestionType.YES_NO:
        return {YES, NO}
    if question.type in CHOICE_TYPES:
        return {o["value"] for o in question.options or ()}
    if question.type is QuestionType.COUNTRY:
        return set(db.session.scalars(sa.select(Country.code)))
    return set()


def condition_met(question: FormQuestion, value: Any) -> bool:
    """Whether `question`'s condition holds when its condition question's answer is
    `value` (a typed answer: true/false, an option's value, a list of them, a
    country code; None for no answer). A question without a condition is always
    shown."""
    if question.condition_question_id is None:
        return True
    wanted = set(question.condition_values or ())
    if isinstance(value, bool):
        return (YES if value else NO) in wanted
    if isinstance(value, list):
        return bool(wanted.intersection(value))
    return value is not None and value in wanted


# --- Checking and saving a question ------------------------------------------------------


def _slug(text: str, max_length: int) -> str:
    """'Passport number (if any)' -> 'passport_number_if_any': accents dropped,
    anything else that is not an ASCII letter or digit separates."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", bare.lower()).strip("_")[:max_length].rstrip("_")


def _unique(base: str, taken: set[str], max_length: int) -> str:
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = base[: max_length - len(suffix)].rstrip("_") + suffix
        if candidate not in taken:
            return candidate
        n += 1


def _keys_taken(meeting: Meeting, except_id: int | None) -> set[str]:
    # Archived questions keep their keys: their answers are still exported by them.
    query = sa.select(FormQuestion.key).where(FormQuestion.meeting_id == meeting.id)
    if except_id is not None:
        query = query.where(FormQuestion.id != except_id)
    return set(db.session.scalars(query))


def make_key(meeting: Meeting, label: str, kind: QuestionType, except_id: int | None = None):
    """A key made from the default language's label, unique in the meeting
    ('dietary_needs', 'dietary_needs_2'); labels in scripts without Latin letters
    give 'question_2' or 'section_3'."""
    base = _slug(label, KEY_MAX - 4) or ("section" if kind is QuestionType.SECTION else "question")
    return _unique(base, _keys_taken(meeting, except_id), KEY_MAX)


def _chosen(question: FormQuestion) -> Counter:
    """How many people chose each option of `question` (one pass over its answers)."""
    counted: Counter = Counter()
    for value in db.session.scalars(
        sa.select(FormAnswer.value).where(FormAnswer.question_id == question.id)
    ):
        if isinstance(value, list):
            counted.update(set(value))
        elif value is not None:
            counted[value] += 1
    return counted


def _check_options(meeting, data: QuestionInput, question, problems: list) -> None:
    default = meeting.default_language
    if not data.options:
        problems.append(QuestionError("options_missing", "options"))
    seen: set[str] = set()
    for index, option in enumerate(data.options):
        label = (option.label.get(default) or "").strip()
        if not label:
            problems.append(
                QuestionError("option_label_missing", f"options-{index}", language=default)
            )
        elif label.casefold() in seen:
            problems.append(QuestionError("option_duplicate", f"options-{index}", label=label))
        seen.add(label.casefold())
    if question is None or question.type not in CHOICE_TYPES or not question.options:
        return
    kept = {o.value for o in data.options if o.value}
    removed = [o for o in question.options if o["value"] not in kept]
    if not removed:
        return
    chosen = _chosen(question)
    used = {v for d in dependants(question) for v in d.condition_values or ()}
    for option in removed:
        label = (option.get("label") or {}).get(default) or option["value"]
        if chosen[option["value"]]:
            problems.append(
                QuestionError(
                    "option_answered", "options", label=label, count=chosen[option["value"]]
                )
            )
        elif option["value"] in used:
            problems.append(QuestionError("option_in_condition", "options", label=label))


def _check_condition(meeting, data: QuestionInput, question, problems: list) -> None:
    target = db.session.get(FormQuestion, data.condition_question_id)
    field_name = "condition_question_id"
    if target is None or target.meeting_id != meeting.id or target.archived_at is not None:
        problems.append(QuestionError("condition_unknown", field_name))
        return
    ordered = questions_of(meeting.id)
    label = (target.label or {}).get(meeting.default_language) or target.key
    if question is not None and target.id == question.id:
        problems.append(QuestionError("condition_self", field_name))
    elif target.type not in CONDITION_TYPES:
        problems.append(QuestionError("condition_type", field_name, label=label))
    elif target.condition_question_id is not None:
        problems.append(QuestionError("condition_nested", field_name, label=label))
    elif (
        question is not None
        and question in ordered
        and target in ordered
        and ordered.index(target) > ordered.index(question)
    ):
        problems.append(QuestionError("condition_later", field_name, label=label))
    elif question is not None and dependants(question):
        problems.append(QuestionError("condition_has_dependants", field_name))
    elif target.organisers_only and not data.organisers_only:
        problems.append(QuestionError("condition_internal", field_name, label=label))
    elif not data.condition_values:
        problems.append(QuestionError("condition_values_missing", "condition_values", label=label))
    else:
        unknown = [v for v in data.condition_values if v not in condition_values_allowed(target)]
        if unknown:
            problems.append(
                QuestionError(
                    "condition_value_unknown", "condition_values", label=label, values=unknown
                )
            )


def check_question(
    meeting: Meeting, data: QuestionInput, question: FormQuestion | None = None
) -> list[QuestionError]:
    """Every problem that keeps `data` from being saved (as `question`, or as a new
    question when None), each naming its field."""
    problems: list[QuestionError] = []
    default = meeting.default_language
    kind = data.type
    if not (data.label.get(default) or "").strip():
        problems.append(QuestionError("label_missing", f"label_{default}", language=default))
    if question is not None and kind is not question.type:
        answered = answer_count(question)
        if answered:
            problems.append(QuestionError("type_answered", "type", count=answered))
    key = data.key.strip()
    if key and (len(key) > KEY_MAX or not KEY_PATTERN.fullmatch(key)):
        problems.append(QuestionError("key_invalid", "key"))
    elif key and key in _keys_taken(meeting, question.id if question is not None else None):
        problems.append(QuestionError("key_taken", "key", key=key))
    unknown_categories = set(data.categories) - {c.value for c in Category}
    if unknown_categories and kind is not QuestionType.SECTION:
        problems.append(QuestionError("category_unknown", "categories"))
    if kind in CHOICE_TYPES:
        _check_options(meeting, data, question, problems)
    if (
        kind is QuestionType.NUMBER
        and data.min_value is not None
        and data.max_value is not None
        and data.min_value > data.max_value
    ):
        problems.append(QuestionError("bounds", "max_value"))
    if (
        kind in FILE_TYPES
        and data.max_bytes is not None
        and not 0 < data.max_bytes <= MAX_FILE_BYTES
    ):
        problems.append(QuestionError("file_limit", "max_bytes", limit=MAX_FILE_BYTES))
    if data.condition_question_id is not None and kind is not QuestionType.SECTION:
        _check_condition(meeting, data, question, problems)
    if question is not None:
        others = dependants(question)
        if others and kind not in CONDITION_TYPES:
            problems.append(QuestionError("dependants_type", "type", count=len(others)))
        elif others and data.organisers_only and any(not d.organisers_only for d in others):
            problems.append(QuestionError("dependants_internal", "organisers_only"))
    return problems


def _options(data: QuestionInput, question: FormQuestion | None, languages) -> list[dict]:
    """The options as stored: an existing option keeps its value whatever its labels
    become; a new one gets a value made from its label, unique in the question."""
    existing = {o["value"] for o in (question.options if question is not None else None) or ()}
    taken = {o.value for o in data.options if o.value in existing}
    stored = []
    for n, option in enumerate(data.options, start=1):
        value = option.value if option.value in existing else ""
        if not value:
            label = next((option.label.get(c) for c in languages if option.label.get(c)), "")
            base = _slug(label, OPTION_VALUE_MAX) or f"option_{n}"
            value = _unique(base, taken, OPTION_VALUE_MAX)
            taken.add(value)
        stored.append({"value": value, "label": _texts(option.label)})
    return stored


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {code: text.strip() for code, text in values.items() if text and text.strip()}


def save_question(
    meeting: Meeting, data: QuestionInput, question: FormQuestion | None = None, *, user=None
) -> FormQuestion:
    """Adds a question at the end of the form (`question` None) or changes one, its
    answers kept. Raises QuestionError (the first problem `check_question` finds)."""
    problems = check_question(meeting, data, question)
    if problems:
        raise problems[0]
    kind = data.type
    new = question is None
    label = _texts(data.label)
    key = data.key.strip() or (
        question.key
        if not new
        else make_key(meeting, label.get(meeting.default_language, ""), kind)
    )
    if new:
        last = db.session.scalar(
            sa.select(sa.func.max(FormQuestion.position)).where(
                FormQuestion.meeting_id == meeting.id
            )
        )
        question = FormQuestion(meeting_id=meeting.id, position=(last or 0) + 1)
        db.session.add(question)
    asks = kind is not QuestionType.SECTION
    question.type = kind
    question.key = key
    question.label = label
    question.help = _texts(data.help)
    question.required = data.required and asks
    question.categories = sorted(set(data.categories)) if asks else []
    question.organisers_only = data.organisers_only and asks
    question.sensitive = data.sensitive and asks
    conditional = asks and data.condition_question_id is not None
    question.condition_question_id = data.condition_question_id if conditional else None
    question.condition_values = list(dict.fromkeys(data.condition_values)) if conditional else []
    question.options = (
        _options(data, None if new else question, meeting.languages) if kind in CHOICE_TYPES else []
    )
    bounded = kind is QuestionType.NUMBER
    question.min_value = data.min_value if bounded else None
    question.max_value = data.max_value if bounded else None
    question.max_bytes = (data.max_bytes or DEFAULT_FILE_BYTES) if kind in FILE_TYPES else None
    db.session.flush()
    audit.record(
        "form.question_saved",
        user=user,
        meeting=meeting,
        details=f"{question.key} ({kind.value}){', new' if new else ''}",
    )
    return question


# --- Deleting, archiving, restoring ------------------------------------------------------


def delete_question(question: FormQuestion, *, user=None) -> bool:
    """Deletes a question nobody answered; archives one with answers, which keeps
    them (True then). Raises QuestionError when other questions depend on it."""
    others = dependants(question)
    if others:
        raise QuestionError("has_dependants", labels=[d.label for d in others])
    meeting = question.meeting
    answered = answer_count(question)
    if answered:
        question.archived_at = datetime.now(UTC)
        db.session.flush()
        audit.record(
            "form.question_archived",
            user=user,
            meeting=meeting,
            details=f"{question.key}, {answered} answers kept",
        )
        return True
    key = question.key
    db.session.delete(question)
    db.session.flush()
    audit.record("form.question_deleted", user=user, meeting=meeting, details=key)
    return False


def restore_question(question: FormQuestion, *, user=None) -> None:
    """Puts an archived question back, at the end of the form. Raises QuestionError
    when the question it depends on is archived (restore that one first)."""
    condition = question.condition_question
    if condition is not None and condition.archived_at is not None:
        raise QuestionError("condition_archived", label=condition.label)
    meeting = question.meeting
    last = db.session.scalar(
        sa.select(sa.func.max(FormQuestion.position)).where(
            FormQuestion.meeting_id == meeting.id, FormQuestion.archived_at.is_(None)
        )
    )
    question.archived_at = None
    question.position = (last or 0) + 1
    db.session.flush()
    audit.record("form.question_restored", user=user, meeting=meeting, details=question.key)


# --- Order -------------------------------------------------------------------------------


def _check_order(ordered: list[FormQuestion]) -> None:
    index = {q.id: n for n, q in enumerate(ordered)}
    for n, question in enumerate(ordered):
        target = question.condition_question_id
        if target in index and index[target] > n:
            raise QuestionError(
                "order_condition",
                label=question.label,
                condition=ordered[index[target]].label,
            )


def _renumber(ordered: list[FormQuestion]) -> None:
    for n, question in enumerate(ordered, start=1):
        question.position = n


def move_question(question: FormQuestion, direction: str, *, user=None) -> bool:
    """Swaps `question` with the one before ("up") or after ("down"); False when
    it is first or last already. Raises QuestionError when a question would come
    before the one its condition looks at."""
    ordered = questions_of(question.meeting_id)
    if question not in ordered:
        return False
    n = ordered.index(question)
    other = n - 1 if direction == "up" else n + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        return False
    ordered[n], ordered[other] = ordered[other], ordered[n]
    _check_order(ordered)
    _renumber(ordered)
    db.session.flush()
    audit.record(
        "form.reordered",
        user=user,
        meeting=question.meeting,
        details=f"{question.key} {direction}",
    )
    return True


def reorder(meeting: Meeting, ids: list[int], *, user=None) -> None:
    """Puts the questions in the order of `ids` (drag and drop), which must name each
    question of the form once. Raises QuestionError ("stale_order") when they don't
    (someone added or archived one meanwhile), or when a question would come before
    the one its condition looks at."""
    current = {q.id: q for q in questions_of(meeting.id)}
    if len(ids) != len(current) or set(ids) != set(current):
        raise QuestionError("stale_order")
    ordered = [current[i] for i in ids]
    _check_order(ordered)
    _renumber(ordered)
    db.session.flush()
    audit.record("form.reordered", user=user, meeting=meeting, details=f"{len(ids)} questions")


# --- Built-in fields ---------------------------------------------------------------------


def set_builtin_fields(
    meeting: Meeting, hidden: list[str], *, photo_on_badges: bool | None = None, user=None
) -> bool:
    """Hides the optional built-in fields named in `hidden` (the others are asked),
    and with `photo_on_badges` not None sets whether badges carry the photo. False
    when nothing changed."""
    names = [name for name in HIDEABLE_FIELDS if name in set(hidden)]
    changed = names != list(meeting.hidden_fields or [])
    meeting.hidden_fields = names
    if photo_on_badges is not None and photo_on_badges != meeting.photo_on_badges:
        meeting.photo_on_badges = photo_on_badges
        changed = True
    if not changed:
        return False
    db.session.flush()
    audit.record(
        "form.fields_hidden",
        user=user,
        meeting=meeting,
        details=f"hidden: {', '.join(names) or 'none'}; "
        f"photo on badges: {'yes' if meeting.photo_on_badges else 'no'}",
    )
    return True


# --- Copying a form ----------------------------------------------------------------------


def copy_form(source: Meeting, target: Meeting) -> int:
    """Copies `source`'s questions (not the archived ones) to `target`, with the same
    keys, order and options, and conditions on the copies; returns how many."""
    copies: dict[int, FormQuestion] = {}
    originals = questions_of(source.id)
    for original in originals:
        copy = FormQuestion(
            meeting_id=target.id,
            position=original.position,
            **{
                name: getattr(original, name)
                for name in (
                    "type",
                    "key",
                    "required",
                    "organisers_only",
                    "sensitive",
                    "min_value",
                    "max_value",
                    "max_bytes",
                )
            },
            label=dict(original.label or {}),
            help=dict(original.help or {}),
            categories=list(original.categories or []),
            condition_values=list(original.condition_values or []),
            options=[
                {"value": o["value"], "label": dict(o.get("label") or {})}
                for o in original.options or ()
            ],
        )
        db.session.add(copy)
        copies[original.id] = copy
    db.session.flush()
    for original in originals:
        if original.condition_question_id is not None:
            condition = copies.get(original.condition_question_id)
            copy = copies[original.id]
            # A condition on an archived question cannot be: none is left to copy.
            copy.condition_question_id = condition.id if condition is not None else None
            if condition is None:
                copy.condition_values = []
    db.session.flush()
    return len(copies)
