"""Importing registrations from a CSV file: check every row first (the preview),
then store the good rows in one transaction.

Besides the built-in columns (COLUMNS), a column may answer a question of the
meeting's form: it is recognised by the question's key, its label in any of the
languages, or the export's "Label (key)". Each value is read as its type asks
(`convert`): an option by its value or its label, yes and no in any of the
languages, a country by its code or its name in any of them, a date in ISO or the
organiser's language's way, a number in either way too. Files cannot be imported:
their columns are left aside. A required question left empty is no error here:
organisers complete the registration later."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from babel.dates import format_date, parse_date
from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from meeting_app.core.i18n import LANGUAGE_NAMES, LANGUAGES, current_language
from meeting_app.extensions import db
from meeting_app.mail import services as mail
from meeting_app.meetings.models import Country, Meeting
from meeting_app.questions import fields, filling
from meeting_app.questions.answers import option_label, questions_of, text
from meeting_app.questions.models import FILE_TYPES, FormAnswer, FormQuestion, QuestionType
from meeting_app.questions.services import condition_met
from meeting_app.registration import seats, services
from meeting_app.registration.forms import OTHER, PHONE
from meeting_app.registration.manage_forms import OrganiserRegistrationForm
from meeting_app.registration.models import Participant, RegistrationChange, RegistrationStatus

COLUMNS = (
    "given_name",
    "family_name",
    "email",
    "organisation",
    "category",
    "delegation",
    "position",
    "phone",
    "honorific",
    "badge_name",
    "preferred_language",
    "role",
    "dietary_needs",
    "accessibility_needs",
    "needs_visa_letter",
    "nationality",
    "consent_public_list",
)
REQUIRED = ("given_name", "family_name", "email", "organisation", "category")
MAX_ROWS = 5000
# Yes and no as people write them in each language (casefolded).
_YES = {"1", "yes", "y", "true", "oui", "sí", "si", "x", "نعم", "да"}
_NO = {"0", "no", "n", "false", "non", "لا", "нет"}
# The longest answers the form takes, and its largest number.
TEXT_MAX = {QuestionType.TEXT: fields.TEXT_MAX, QuestionType.PARAGRAPH: fields.PARAGRAPH_MAX}
# Several choices in one cell: "A, B" (as the export writes them), "A; B", or one a line.
_CHOICES_APART = re.compile(r"\s*[,;\n|]\s*")
_KEY_IN_HEADER = re.compile(r"\(([A-Za-z0-9_]+)\)\s*$")


@dataclass
class ImportRow:
    line: int
    raw: dict[str, str]
    values: dict | None = None
    errors: list[str] = field(default_factory=list)
    # {question id: value as stored}, for the questions the file has columns for.
    answers: dict[int, Any] = field(default_factory=dict)


class ImportFileError(ValueError):
    pass


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text: save it as “CSV UTF-8”.")) from None


def check(meeting: Meeting, content: str) -> list[ImportRow]:
    """Every row of `content` checked with the same rules as the registration form,
    plus duplicates within the file and against existing registrations.

    A file of more than MAX_ROWS rows is refused before any row is checked. The
    form is built once and given each row in turn (its choices, the 250 countries
    among them, are what costs), and the meeting's addresses are read in one query."""
    try:
        dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content), dialect=dialect)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(
            _("Columns missing from the first line: %(columns)s.", columns=", ".join(missing))
        )
    reader.fieldnames = header
    questions = question_columns(meeting, header)
    too_many = ImportFileError(
        ngettext("At most %(num)d row at a time.", "At most %(num)d rows at a time.", MAX_ROWS)
    )
    records = []
    for number, record in enumerate(reader, start=2):
        # Empty lines are left out, but count too (twice as many allowed): a file of
        # nothing but empty lines would otherwise be read to its last byte.
        if number > 2 * MAX_ROWS + 1:
            raise too_many
        raw = {key: (record.get(key) or "").strip() for key in COLUMNS}
        answers = {
            question.id: (record.get(column) or "").strip()
            for column, question in questions.items()
        }
        if any(raw.values()) or any(answers.values()):
            if len(records) == MAX_ROWS:
                raise too_many
            records.append((number, raw, answers))
    delegations = {d.country_code: d.id for d in meeting.delegations}
    form = OrganiserRegistrationForm(
        services.delegation_choices(meeting, current_language()),
        LANGUAGE_NAMES,
        formdata=None,
        meta={"csrf": False},
    )
    registered = set(
        db.session.scalars(db.select(Participant.email).filter_by(meeting_id=meeting.id))
    )
    seen: set[str] = set()
    answer_reader = AnswerReader(meeting, list(questions.values()), current_language())
    rows = []
    for number, raw, answers in records:
        row = _check_row(meeting, form, number, raw, delegations, registered, seen)
        answer_reader.read(row, answers)
        if row.errors:
            row.values = None
        rows.append(row)
    return rows


def question_columns(meeting: Meeting, header: list[str]) -> dict[str, FormQuestion]:
    """{column: question} for the columns of `header` that answer a question of the
    meeting's form (not archived, not a file): by key, label in any language, or
    the export's "Label (key)". A built-in column's name stays the built-in field's."""
    questions = [q for q in questions_of(meeting.id) if q.asks and q.type not in FILE_TYPES]
    names: dict[str, FormQuestion] = {}
    for question in questions:
        names.setdefault(question.key.casefold(), question)
    for question in questions:
        for label in (question.label or {}).values():
            if label and label.strip():
                names.setdefault(label.strip().casefold(), question)
    found: dict[str, FormQuestion] = {}
    for column in header:
        if not column or column in COLUMNS:
            continue
        question = names.get(column.casefold())
        key = _KEY_IN_HEADER.search(column)
        if question is None and key:
            question = names.get(key.group(1).casefold())
        if question is not None and question not in found.values():
            found[column] = question
    return found


def question_help(meeting: Meeting, language: str) -> tuple[list[tuple[str, str]], list[str]]:
    """For the import page: the columns that answer questions ([(key, label)]) and
    the labels of the file questions, which cannot be imported."""
    columns, files = [], []
    for question in questions_of(meeting.id):
        if not question.asks:
            continue
        label = text(question.label, meeting, language) or question.key
        if question.type in FILE_TYPES:
            files.append(label)
        else:
            columns.append((question.key, label))
    return columns, files


class AnswerReader:
    """Reads a row's answers, converted by type; built once per file (the countries
    are read once, if a country question has a column)."""

    def __init__(self, meeting: Meeting, questions: list[FormQuestion], language: str):
        self.meeting = meeting
        self.questions = {q.id: q for q in questions}
        self.language = language
        self.countries: dict[str, str] = {}
        if any(q.type is QuestionType.COUNTRY for q in questions):
            for country in db.session.scalars(sa.select(Country)):
                self.countries[country.code.casefold()] = country.code
                for code in LANGUAGES:
                    name = country.name(code)
                    self.countries.setdefault(name.casefold(), country.code)

    def read(self, row: ImportRow, texts: dict[int, str]) -> None:
        """Fills `row.answers`, or adds to `row.errors` a message per column."""
        for question_id, value in texts.items():
            if not value:
                continue
            question = self.questions[question_id]
            label = self._label(question)
            try:
                row.answers[question_id] = convert(
                    question, value, self.meeting, self.language, self.countries
                )
            except ValueError as problem:
                row.errors.append(f"{label}: {problem}")
        category = (row.values or {}).get("category")
        for question_id in list(row.answers):
            question = self.questions[question_id]
            if (
                category is not None
                and question.categories
                and getattr(category, "value", category) not in question.categories
            ):
                row.errors.append(
                    _(
                        "%(question)s: this question is not asked of this category.",
                        question=self._label(question),
                    )
                )
            given = row.answers.get(question.condition_question_id)
            if question.condition_question_id and not condition_met(question, given):
                row.errors.append(
                    _(
                        "%(question)s: this question is asked only after certain answers to "
                        "“%(other)s”, and this line has none of them.",
                        question=self._label(question),
                        other=self._label(question.condition_question),
                    )
                )

    def _label(self, question) -> str:
        return text(question.label, self.meeting, self.language) or question.key


def convert(question: FormQuestion, value: str, meeting: Meeting, language: str, countries=None):
    """A cell's text as the answer stores it; ValueError with the reason, for the
    organiser, otherwise."""
    kind = question.type
    if kind in TEXT_MAX:
        if len(value) > TEXT_MAX[kind]:
            raise ValueError(
                _(
                    "At most %(num)s characters.",
                    num=format_decimal(TEXT_MAX[kind], locale=language),
                )
            )
        return value
    if kind is QuestionType.NUMBER:
        return _number(question, value, language)
    if kind is QuestionType.DATE:
        return _date(value, language).isoformat()
    if kind is QuestionType.YES_NO:
        word = value.casefold()
        if word in _YES:
            return True
        if word in _NO:
            return False
        raise ValueError(_("Write yes or no (oui or non, sí or no)."))
    if kind in (QuestionType.CHOICE, QuestionType.CHOICES):
        return _choices(question, value, meeting, language)
    if kind is QuestionType.COUNTRY:
        code = (countries or {}).get(value.casefold())
        if code is None:
            raise ValueError(
                _("“%(value)s” is not a country: write its ISO code (SN) or its name.", value=value)
            )
        return code
    if kind is QuestionType.EMAIL:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            raise ValueError(_("Enter a valid e-mail address.")) from None
        return value
    if kind is QuestionType.PHONE:
        if not PHONE.match(value):
            raise ValueError(_("Use digits, spaces and + ( ) - . only."))
        return value
    raise ValueError(_("This kind of answer cannot be imported."))


def _number(question: FormQuestion, value: str, language: str):
    compact = re.sub(r"[\s\u00a0\u202f]", "", value)
    number = None
    try:
        number = Decimal(compact)
    except InvalidOperation:
        try:
            number = parse_decimal(compact, locale=language, strict=True)
        except NumberFormatError:
            number = None
    if number is None or not number.is_finite() or abs(number) >= fields.NUMBER_LIMIT:
        raise ValueError(_("“%(value)s” is not a number.", value=value))
    low, high = question.min_value, question.max_value
    if (low is not None and number < Decimal(str(low))) or (
        high is not None and number > Decimal(str(high))
    ):
        shown = {
            "low": format_decimal(low, locale=language) if low is not None else "",
            "high": format_decimal(high, locale=language) if high is not None else "",
        }
        if low is not None and high is not None:
            message = _("Enter a number from %(low)s to %(high)s.", **shown)
        elif low is not None:
            message = _("Enter a number of at least %(low)s.", **shown)
        else:
            message = _("Enter a number of at most %(high)s.", **shown)
        raise ValueError(message)
    return int(number) if number == number.to_integral_value() else float(number)


def _date(value: str, language: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parse_date(value, locale=language)
    except (ValueError, IndexError):
        raise ValueError(
            _(
                "“%(value)s” is not a date: write it as %(iso)s or %(local)s.",
                value=value,
                iso="2027-01-31",
                local=format_date(date(2027, 1, 31), "short", locale=language),
            )
        ) from None


def _choices(question: FormQuestion, value: str, meeting: Meeting, language: str):
    options: dict[str, str] = {}
    for option in question.options or ():
        stored = option.get("value")
        options.setdefault(str(stored).casefold(), stored)
        for label in (option.get("label") or {}).values():
            if label:
                options.setdefault(label.strip().casefold(), stored)
    if question.type is QuestionType.CHOICE or value.casefold() in options:
        parts = [value]
    else:
        parts = [part for part in _CHOICES_APART.split(value) if part]
    chosen = []
    for part in parts:
        stored = options.get(part.casefold())
        if stored is None:
            offered = ", ".join(
                option_label(question, o.get("value"), meeting, language)
                for o in question.options or ()
            )
            raise ValueError(
                _(
                    "“%(value)s” is not one of the choices: %(choices)s.",
                    value=part,
                    choices=offered,
                )
            )
        if stored not in chosen:
            chosen.append(stored)
    return chosen[0] if question.type is QuestionType.CHOICE else chosen


def _check_row(meeting, form, number, raw, delegations, registered, seen) -> ImportRow:
    row = ImportRow(number, raw)
    code = raw["delegation"].upper()
    if code and code not in delegations:
        row.errors.append(
            _("Delegation: no delegation for “%(code)s” at this meeting.", code=raw["delegation"])
        )
    formdata = MultiDict(
        {
            **{
                k: v
                for k, v in raw.items()
                if k
                not in ("delegation", "nationality", "needs_visa_letter", "consent_public_list")
            },
            "nationality_code": raw["nationality"].upper(),
            "delegation_id": str(delegations[code]) if code in delegations else OTHER,
            "preferred_language": raw["preferred_language"].lower() or meeting.default_language,
            "role": raw["role"] or "delegate",
            "category": raw["category"].lower().replace(" ", "_"),
            "honorific": raw["honorific"].lower().rstrip("."),
        }
    )
    for flag in ("needs_visa_letter", "consent_public_list"):
        if raw[flag].lower() in _YES:
            formdata[flag] = "y"
    form.process(formdata)
    if not form.validate():
        for name, messages in form.errors.items():
            label = getattr(form, name).label.text
            row.errors.extend(f"{label}: {message}" for message in messages)
    email = services.normalise_email(raw["email"])
    if email in seen:
        row.errors.append(_("E-mail: this address is on an earlier line of the file."))
    elif email in registered:
        row.errors.append(_("E-mail: already registered for this meeting."))
    seen.add(email)
    if not row.errors:
        row.values = form.values()
    return row


def import_rows(meeting: Meeting, rows: list[ImportRow], *, by_user) -> int:
    """Registers the rows without errors as `register` does one (a seat while there
    is room, else the waiting list; the change log; the confirmation e-mail), but in
    bulk: the seats counted once for the whole file, one flush, and the change log
    and the e-mails written as rows, thousands of objects would take seconds. The
    caller commits; returns how many. Raises DuplicateRegistration when an address
    was registered meanwhile (the caller rolls back: nothing is stored)."""
    kept = [row for row in rows if row.values is not None]
    good = [row.values for row in kept]
    seated = seats.take_seats(
        meeting.id,
        [values["delegation_id"] for values in good],
        [values.get("category") for values in good],
    )
    delegations = {d.id: d for d in meeting.delegations}
    people = [
        Participant(
            meeting=meeting,
            status=services.seat_status(meeting) if has_seat else RegistrationStatus.WAITLISTED,
            # The relationship too: the confirmation names the delegation.
            delegation=delegations.get(values["delegation_id"]),
            **dict(values, email=services.normalise_email(values["email"])),
        )
        for values, has_seat in zip(good, seated, strict=True)
    ]
    db.session.add_all(people)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The unique (meeting, e-mail) constraint decides, as for one registration.
        if "email" not in str(error.orig):
            raise
        raise services.DuplicateRegistration() from error
    if people:
        # What services.record writes for each.
        db.session.execute(
            sa.insert(RegistrationChange.__table__),
            [
                {
                    "participant_id": p.id,
                    "from_status": None,
                    "to_status": p.status,
                    "by_user_id": by_user.id if by_user else None,
                    "actor": "organiser" if by_user else "participant",
                    "details": "",
                }
                for p in people
            ],
        )
    answers = [
        {"participant_id": person.id, "question_id": question_id, "value": value}
        for person, row in zip(people, kept, strict=True)
        for question_id, value in row.answers.items()
    ]
    if answers:
        db.session.execute(sa.insert(FormAnswer.__table__), answers)
    questions = {q.id: q for q in questions_of(meeting.id)} if answers else {}
    with mail.bulk():
        for participant, row in zip(people, kept, strict=True):
            # The confirmation lists the answers: given, not read again person by person.
            services.resend_confirmation(
                participant,
                answers=[
                    filling.NewAnswer(questions[question_id], value)
                    for question_id, value in row.answers.items()
                ],
            )
    return len(people)
