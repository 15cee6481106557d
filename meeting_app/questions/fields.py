"""A meeting's questions as fields of the registration forms (the public form, the
private link's edit form, the organisers' pages): built once for a form's
questions and kept while they stay the same, checked on the server, read back as
typed answers.

`question_form(RegistrationForm, meeting, audience=PARTICIPANT)` is the form class
with one field `q_<key>` per question the audience is asked (organisers-only
questions on the organisers' pages only). A question asked only of some categories,
or only when another answer has some values, that does not apply to what was
sent is not checked and its answer is dropped. File and photo questions keep a
file accepted with a form that had errors (`q_<key>_kept`, its signed id), so that
nobody uploads it twice; on the edit forms the current file stays unless another
is chosen or "remove" is ticked (`q_<key>_remove`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from babel.lists import format_list
from flask import current_app, request
from flask_babel import format_decimal, gettext, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from meeting_app.core.forms import SelectField, choices
from meeting_app.core.i18n import current_language, localized
from meeting_app.core.tokens import plausible, selector_of
from meeting_app.core.uploads import MB
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.files.models import StoredFile
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.questions.answers import PlainQuestion, keep_signature, live_questions
from meeting_app.questions.models import FILE_TYPES, FormAnswer, FormQuestion, QuestionType
from meeting_app.questions.services import DEFAULT_FILE_BYTES, NO, YES, condition_met
from meeting_app.registration.forms import (
    PHONE,
    CountrySelect,
    country_names,
    no_control_characters,
)
from meeting_app.registration.models import Category, Participant

T = QuestionType
PARTICIPANT, ORGANISER = "participant", "organiser"
# More options than this: a select instead of a list of radio buttons.
RADIO_MAX = 6
TEXT_MAX, PARAGRAPH_MAX = 500, 5000
# Beyond this, a number is a typo (and a float loses digits).
NUMBER_LIMIT = Decimal("1e15")

ANSWER = _l("Answer this question.")
CHOOSE = _l("Choose an answer.")
CHOOSE_SOME = _l("Choose at least one answer.")
CHOOSE_FILE = _l("Choose a file.")
NOT_OFFERED = _l("This is not one of the choices.")
NOT_A_NUMBER = _l("Enter a number, such as 12 or 3.5.")
NOT_A_DATE = _l("Enter a date as year-month-day, such as 2027-03-14.")


def field_name(question: PlainQuestion) -> str:
    return f"q_{question.key}"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


# --- Fields of each type ---------------------------------------------------------------


class NumberField(DecimalField):
    """A number typed as people write it: "3,5" as well as "3.5", spaces between
    thousands; refused unless finite and of a sane size."""

    widget = widgets.TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = "".join(valuelist[0].split()).replace("\u202f", "").replace(",", ".")
        if not text:
            self.data = None
            return
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= NUMBER_LIMIT:
            self.data = None
            raise ValueError(NOT_A_NUMBER)
        self.data = number

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return (
            format(self.data.normalize(), "f") if isinstance(self.data, Decimal) else str(self.data)
        )


def _bounds(question: PlainQuestion):
    low, high = question.min_value, question.max_value

    def within(_form, field):
        value = field.data
        if value is None:
            return
        if (low is not None and value < Decimal(str(low))) or (
            high is not None and value > Decimal(str(high))
        ):
            raise ValidationError(bounds_text(question))

    return within


def bounds_text(question: PlainQuestion) -> str:
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return gettext(
            "Enter a number from %(min)s to %(max)s.",
            min=format_decimal(low),
            max=format_decimal(high),
        )
    if low is not None:
        return gettext("Enter a number of at least %(min)s.", min=format_decimal(low))
    if high is not None:
        return gettext("Enter a number of at most %(max)s.", max=format_decimal(high))
    return ""


class OfferedSelect(SelectField):
    """A select (or radio buttons) whose answer must be one of the choices offered."""

    def pre_validate(self, form):
        if self.data in (None, ""):
            return  # nothing chosen: the required check (or none) decides
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(NOT_OFFERED) from None


class CountryAnswer(SelectField):
    """A country, which must be one of the countries (or none: the required check
    decides). Its only choice is the empty one: CountrySelect writes the countries
    from options rendered once per language, and they are checked against
    `country_names`. As the field's choices, WTForms would copy and go through the
    250 of them for each country question of every form it builds."""

    def __init__(self, *args, language: str, empty_label, **kwargs):
        super().__init__(
            *args, choices=choices([("", empty_label)]), widget=CountrySelect(language), **kwargs
        )
        self.language = language

    def pre_validate(self, form):
        if self.data in (None, "") or self.process_errors or not self.validate_choice:
            return
        if self.data not in country_names(self.language):
            raise ValidationError(NOT_OFFERED)


class OfferedRadio(RadioField):
    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        if self.data not in {c.value for c in self._choices_from_input(self.choices)}:
            raise ValidationError(NOT_OFFERED)


class CheckBoxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        offered = {c.value for c in self._choices_from_input(self.choices)}
        if any(value not in offered for value in self.data or ()):
            raise ValidationError(NOT_OFFERED)


class DateAnswer(DateField):
    """A date (the browser's date picker sends year-month-day)."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata([v.strip() for v in valuelist])


def _label(values: dict | None, default_language: str, language: str):
    """The label in the reader's language, else the meeting's default one, marked
    with its language (screen readers then read it in the right voice)."""
    found = localized(values, default_language, language)
    if found.is_fallback:
        return Markup('<span lang="{}">{}</span>').format(found.language, found.text)
    return found.text


def _required(question: PlainQuestion, message, check=DataRequired):
    return check(message) if question.required else Optional()


def options_of(
    question: PlainQuestion, default_language: str, language: str
) -> list[tuple[str, str]]:
    return [
        (o["value"], localized(o.get("label"), default_language, language).text)
        for o in question.options or ()
    ]


def _unbound(question: PlainQuestion, default_language: str, language: str):
    """The WTForms field (unbound) that asks `question`."""
    label = _label(question.label, default_language, language)
    kind = question.type
    common = {"label": label, "description": _label(question.help, default_language, language)}
    if kind is T.TEXT:
        return StringField(
            validators=[
                _required(question, ANSWER),
                _length(TEXT_MAX),
                no_control_characters(),
            ],
            filters=[_strip],
            **common,
        )
    if kind is T.PARAGRAPH:
        return TextAreaField(
            validators=[
                _required(question, ANSWER),
                _length(PARAGRAPH_MAX),
                no_control_characters(allow_newlines=True),
            ],
            filters=[_strip],
            render_kw={"rows": 4},
            **common,
        )
    if kind is T.NUMBER:
        return NumberField(
            validators=[_required(question, ANSWER, InputRequired), _bounds(question)],
            render_kw={"inputmode": "decimal", "autocomplete": "off"},
            places=None,
            **common,
        )
    if kind is T.DATE:
        return DateAnswer(
            validators=[_required(question, ANSWER)],
            invalid_value_message=NOT_A_DATE,
            **common,
        )
    if kind is T.YES_NO:
        return OfferedRadio(
            choices=choices([(YES, _l("Yes")), (NO, _l("No"))]),
            validators=[_required(question, CHOOSE)],
            **common,
        )
    if kind is T.CHOICE:
        offered = options_of(question, default_language, language)
        if len(offered) > RADIO_MAX:
            empty = ("", _l("Choose…") if question.required else "—")
            return OfferedSelect(
                choices=choices([empty, *offered]),
                validators=[_required(question, CHOOSE)],
                **common,
            )
        return OfferedRadio(
            choices=choices(offered), validators=[_required(question, CHOOSE)], **common
        )
    if kind is T.CHOICES:
        return CheckBoxes(
            choices=choices(options_of(question, default_language, language)),
            validators=[_required(question, CHOOSE_SOME)],
            **common,
        )
    if kind is T.COUNTRY:
        return CountryAnswer(
            language=language,
            empty_label=_l("Choose…") if question.required else "—",
            validators=[_required(question, CHOOSE)],
            **common,
        )
    if kind is T.EMAIL:
        return EmailField(
            validators=[
                _required(question, ANSWER),
                Email(_l("Enter a valid e-mail address."), check_deliverability=False),
                Length(max=254),
            ],
            filters=[_strip],
            **common,
        )
    if kind is T.PHONE:
        return TelField(
            validators=[_required(question, ANSWER), _length(40), _phone],
            filters=[_strip],
            **common,
        )
    if kind in FILE_TYPES:
        accept = (
            "image/jpeg,image/png" if kind is T.PHOTO else "application/pdf,image/jpeg,image/png"
        )
        return FileField(render_kw={"accept": accept}, **common)
    raise ValueError(f"no field for {kind}")


def _length(max_length: int) -> Length:
    return Length(
        max=max_length,
        message=lazy_ngettext(
            "At most %(num)d character.", "At most %(num)d characters.", max_length
        ),
    )


def _phone(_form, field):
    if field.data and not PHONE.match(field.data):
        raise ValidationError(_l("Use digits, spaces and + ( ) - . only."))


def max_bytes(question: PlainQuestion) -> int:
    return question.max_bytes or DEFAULT_FILE_BYTES


# --- The form ---------------------------------------------------------------------------


def asked(questions: Iterable[PlainQuestion], audience: str) -> list[PlainQuestion]:
    """The questions and headings `audience` sees (participants: not the
    organisers-only ones)."""
    return [q for q in questions if audience == ORGANISER or not q.organisers_only]


# {(base, audience, language, meeting id, its default language, its questions' copies):
# the form class}, per process, the most recently used ones. Made for each request,
# a form of 30 questions took longer to build than the rest of the registration.
# The class holds plain values only (see answers.PlainQuestion): no database object,
# no request. A change to a question gives new copies (live_questions), hence a
# new class.
_CLASSES: OrderedDict[tuple, type] = OrderedDict()
CLASSES_CACHED = 64
_classes_lock = threading.Lock()


def question_form(base: type, meeting: Meeting, *, audience: str, language: str | None = None):
    """`base` (a registration form class) with a field for each of the meeting's
    questions `audience` answers (the labels in the reader's language): made once
    for these questions, then kept while none of them changes."""
    language = language or current_language()
    questions = live_questions(meeting.id)
    key = (base, audience, language, meeting.id, meeting.default_language, questions)
    with _classes_lock:
        found = _CLASSES.get(key)
        if found is not None:
            _CLASSES.move_to_end(key)
            return found
    found = _form_class(base, meeting.id, meeting.default_language, audience, language, questions)
    with _classes_lock:
        _CLASSES[key] = found
        while len(_CLASSES) > CLASSES_CACHED:
            _CLASSES.popitem(last=False)
    return found


def _form_class(base, meeting_id, default_language, audience, language, questions) -> type:
    questions = asked(questions, audience)
    attrs: dict[str, Any] = {
        "questions": tuple(questions),
        "meeting_id": meeting_id,
        "default_language": default_language,
        "audience": audience,
        "language": language,
        # The form is then sent as multipart/form-data.
        "asks_files": any(q.type in FILE_TYPES for q in questions),
    }
    for question in questions:
        if not question.asks:
            continue
        name = field_name(question)
        attrs[name] = _unbound(question, default_language, language)
        if question.type in FILE_TYPES:
            attrs[f"{name}_kept"] = HiddenField()
            if not question.required:
                attrs[f"{name}_remove"] = BooleanField(_l("Remove this file"))
    return type(f"{base.__name__}WithQuestions", (QuestionFields, base), attrs)


@dataclass
class Item:
    """A question as the template shows it."""

    question: PlainQuestion
    field: Any
    # Radio buttons or checkboxes: a fieldset whose legend is the question.
    grouped: bool
    limits: str = ""  # what is accepted: a number's bounds, a file's types and size
    categories: str = ""  # the categories it is asked of, space-separated ("": everyone)
    category_note: str = ""
    condition_field: str = ""  # the field whose answer shows it
    condition_values: str = ""  # JSON list of the values of that field that show it
    condition_note: str = ""
    kept: Any = None  # the hidden field carrying a kept file's signed id
    kept_file: StoredFile | None = None
    current_file: StoredFile | None = None
    current_url: str = ""
    remove: Any = None


@dataclass
class Group:
    """A section heading (None: the questions before the first one) and its questions."""

    section: PlainQuestion | None
    title: Any
    help: Any
    categories: str = ""
    items: list[Item] = field(default_factory=list)


class QuestionFields:
    """Mixed into the registration form classes by `question_form`."""

    questions: tuple[PlainQuestion, ...] = ()
    asks_files = False
    meeting_id: int
    default_language: str
    audience: str
    language: str

    def __init__(self, *args, answers: dict[int, FormAnswer] | None = None, **kwargs):
        # The person's answers as stored (the edit forms): their current files, and
        # the conditions that look at a question this form does not ask.
        self.stored_answers = answers or {}
        # Question id -> the file it now has: uploaded with this request, kept
        # from an earlier one, or the current one (None: no file).
        self.files: dict[int, StoredFile | None] = {}
        self.hidden_questions: set[int] = set()
        super().__init__(*args, **kwargs)

    # Reading what was sent ----------------------------------------------------------

    def answerable(self) -> list[PlainQuestion]:
        return [q for q in self.questions if q.asks]

    def _typed(self, question: PlainQuestion):
        """The answer sent for `question`, typed as it is stored (None: none)."""
        data = self[field_name(question)].data
        kind = question.type
        if data in (None, "", []):
            return None
        if kind is T.NUMBER:
            return int(data) if data == data.to_integral_value() else float(data)
        if kind is T.DATE:
            return data.isoformat() if isinstance(data, date) else None
        if kind is T.YES_NO:
            return {YES: True, NO: False}.get(data)
        if kind is T.CHOICES:
            chosen = set(data)
            return [o["value"] for o in question.options or () if o["value"] in chosen] or None
        return data

    def _condition_value(self, question: PlainQuestion):
        """The answer the condition of `question` looks at: as sent if this form
        asks it, else as stored."""
        condition = question.condition_question
        if condition is None:
            return None
        if field_name(condition) in self and condition in self.questions:
            if not self._applies_to_category(condition):
                return None
            try:
                return self._typed(condition)
            except (ValueError, TypeError, ArithmeticError):
                return None
        stored = self.stored_answers.get(condition.id)
        return stored.value if stored is not None else None

    def _category(self) -> str | None:
        return self.category.data if "category" in self else None

    def _applies_to_category(self, question: PlainQuestion) -> bool:
        return not question.categories or self._category() in question.categories

    def applies(self, question: PlainQuestion) -> bool:
        """Whether `question` is asked, given what was sent (the category, the
        answer its condition looks at)."""
        if not self._applies_to_category(question):
            return False
        if question.condition_question_id is None:
            return True
        if question.condition_question is None or question.condition_question.archived_at:
            return False
        return condition_met(question, self._condition_value(question))

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        self.hidden_questions = set()
        for question in self.answerable():
            name = field_name(question)
            if not self.applies(question):
                # Not asked: nothing to check, and its answer is dropped.
                self.hidden_questions.add(question.id)
                self[name].errors = []
                continue
            if question.type in FILE_TYPES:
                self._take_file(question)
        self._errors = None
        return not self.errors

    def _take_file(self, question: PlainQuestion) -> None:
        name = field_name(question)
        upload, kept = self[name], self[f"{name}_kept"]
        remove = self._fields.get(f"{name}_remove")
        data = upload.data
        if isinstance(data, FileStorage) and data.filename:
            content = data.read()
            allowed = files.IMAGES if question.type is T.PHOTO else files.DOCUMENTS
            try:
                content_type = files.check(content, allowed, max_bytes(question))
                if question.type is T.PHOTO:
                    content, content_type = files.photo(content), files.JPEG
                elif content_type in files.IMAGES:
                    content = files.clean_image(content, content_type)
            except files.FileRefused as error:
                upload.errors.append(files.message(error))
            else:
                stored = files.store(self.meeting_id, None, data.filename, content, content_type)
                self.files[question.id] = stored
                kept.data = files.signed_id(stored)
                return
        if kept.data:
            stored = files.unsign_id(kept.data, self.meeting_id)
            if stored is not None and stored.participant_id is None:
                self.files[question.id] = stored
                return
            kept.data = ""
        if upload.errors:
            return
        current = self._current_file(question)
        if current is not None and not (remove is not None and remove.data):
            self.files[question.id] = current
            return
        self.files[question.id] = None
        if question.required:
            upload.errors.append(str(CHOOSE_FILE))

    def _current_file(self, question: PlainQuestion) -> StoredFile | None:
        stored = self.stored_answers.get(question.id)
        return stored.file if stored is not None else None

    @property
    def new_files(self) -> list[StoredFile]:
        """Files stored with this request or kept from an earlier one, nobody's yet."""
        return [f for f in self.files.values() if f is not None and f.participant_id is None]

    def forget_kept_files(self) -> None:
        """After a rollback: the files stored with this request are gone."""
        for question in self.answerable():
            if question.type in FILE_TYPES:
                self[f"{field_name(question)}_kept"].data = ""
        self.files = {}

    def answers(self) -> tuple[dict[int, Any], dict[int, StoredFile | None]]:
        """What to store, after a successful `validate`: ({question id: typed value},
        {question id: file}) for every question this form asks; None for no answer,
        and for the questions that did not apply (their answers are dropped)."""
        values: dict[int, Any] = {}
        chosen: dict[int, StoredFile | None] = {}
        for question in self.answerable():
            hidden = question.id in self.hidden_questions
            if question.type in FILE_TYPES:
                chosen[question.id] = None if hidden else self.files.get(question.id)
            else:
                values[question.id] = None if hidden else self._typed(question)
        return values, chosen

    # Showing it --------------------------------------------------------------------

    def fill_answers(self) -> None:
        """Fills the fields from the stored answers (the edit forms' first view)."""
        for question in self.answerable():
            stored = self.stored_answers.get(question.id)
            if stored is None or question.type in FILE_TYPES or stored.value is None:
                continue
            value, kind = stored.value, question.type
            if kind is T.NUMBER:
                value = Decimal(str(value))
            elif kind is T.DATE:
                value = date.fromisoformat(value)
            elif kind is T.YES_NO:
                value = YES if value else NO
            self[field_name(question)].data = value

    def groups(self, file_url: Callable[[StoredFile], str] | None = None) -> list[Group]:
        """The questions in form order, grouped under their section headings."""
        default, language = self.default_language, self.language
        groups = [Group(None, gettext("More questions"), "")]
        for question in self.questions:
            if not question.asks:
                groups.append(
                    Group(
                        question,
                        _label(question.label, default, language),
                        _label(question.help, default, language),
                        " ".join(question.categories or ()),
                    )
                )
                continue
            item = self._item(question, file_url)
            if item is not None:
                groups[-1].items.append(item)
        return [g for g in groups if g.items]

    def _item(self, question: PlainQuestion, file_url) -> Item | None:
        name = field_name(question)
        bound = self[name]
        kind = question.type
        item = Item(
            question=question,
            field=bound,
            grouped=kind in (T.YES_NO, T.CHOICES)
            or (kind is T.CHOICE and len(question.options or ()) <= RADIO_MAX),
        )
        if kind is T.NUMBER:
            item.limits = bounds_text(question)
        elif kind in FILE_TYPES:
            size = format_decimal(round(max_bytes(question) / MB, 1))
            item.limits = (
                gettext(
                    "A JPEG or PNG photo, at most %(size)s MB. It is cut to the shape of"
                    " a passport photo (35 × 45).",
                    size=size,
                )
                if kind is T.PHOTO
                else gettext(
                    "A PDF document or a JPEG or PNG image, at most %(size)s MB.", size=size
                )
            )
        if question.categories:
            item.categories = " ".join(question.categories)
            item.category_note = gettext(
                "Only for: %(categories)s.",
                categories=format_list(
                    [str(Category(c).label) for c in question.categories if c in _CATEGORIES],
                    locale=self.language,
                ),
            )
        condition = question.condition_question
        if question.condition_question_id is not None:
            if condition is None or condition.archived_at is not None:
                return None
            if condition in self.questions:
                item.condition_field = field_name(condition)
                item.condition_values = json.dumps(list(question.condition_values or ()))
                item.condition_note = self._condition_note(question, condition)
            elif not self.applies(question):
                return None  # looks at an answer this form does not ask: settled
        if kind in FILE_TYPES:
            item.kept = self[f"{name}_kept"]
            kept = self.files.get(question.id)
            if kept is not None and kept.participant_id is None:
                item.kept_file = kept
            item.current_file = self._current_file(question)
            if item.current_file is not None and file_url is not None:
                item.current_url = file_url(item.current_file)
            if f"{name}_remove" in self:
                item.remove = self[f"{name}_remove"]
        return item

    def _condition_note(self, question: PlainQuestion, condition: PlainQuestion) -> str:
        default, language = self.default_language, self.language
        if condition.type is T.YES_NO:
            names = {YES: gettext("Yes"), NO: gettext("No")}
            wanted = [names.get(v, v) for v in question.condition_values or ()]
        elif condition.type is T.COUNTRY:
            countries = country_names(language)
            wanted = [countries.get(v, v) for v in question.condition_values or ()]
        else:
            labels = dict(options_of(condition, default, language))
            wanted = [labels.get(v, v) for v in question.condition_values or ()]
        return gettext(
            "Answer only if your answer to “%(question)s” is %(answers)s.",
            question=localized(condition.label, default, language).text,
            answers=format_list([f"“{w}”" for w in wanted], style="or", locale=language),
        )


_CATEGORIES = frozenset(c.value for c in Category)


# --- How much a request may send ---------------------------------------------------------


def upload_limit() -> int | None:
    """For @accepts_upload on the views whose forms take the meeting's files: every
    file question's limit together, and room for the form's text around them.
    Only a POST sends files; the meeting is found from the URL (`slug` or `token`).

    Its query reads all the meeting's live questions' (id, updated_at) with it:
    the view's `question_form` then builds its form from them (one query less for
    every registration sent)."""
    if request.method != "POST":
        return None
    args = request.view_args or {}
    question = FormQuestion.__table__
    columns = (question.c.id, question.c.updated_at, question.c.type, question.c.max_bytes)
    live = sa.and_(question.c.meeting_id == Meeting.id, question.c.archived_at.is_(None))
    if "slug" in args:
        # The meeting whole (the view reads it next: meetings.remember_read).
        query = (
            sa.select(Meeting, *columns)
            .outerjoin(question, live)
            .where(Meeting.slug == args["slug"])
        )
    elif "token" in args and plausible(args["token"]):
        query = (
            sa.select(Meeting.id, *columns)
            .select_from(Participant)
            .join(Meeting, Meeting.id == Participant.meeting_id)
            .outerjoin(question, live)
            .where(Participant.token_selector == selector_of(args["token"]))
        )
    else:
        return None
    rows = db.session.execute(query.order_by(question.c.position, question.c.id)).all()
    if rows:  # one meeting's (selectors are unique); its row alone: no question
        meeting = rows[0][0]
        if isinstance(meeting, Meeting):
            meetings.remember_read(meeting)
            meeting = meeting.id
        keep_signature(meeting, tuple((row[1], row[2]) for row in rows if row[1] is not None))
    sizes = [row[4] or 0 for row in rows if row[1] is not None and row[3] in FILE_TYPES]
    if not sizes:
        return None
    largest = max(*sizes, DEFAULT_FILE_BYTES)
    return max(current_app.config["MAX_CONTENT_LENGTH"] or 0, len(sizes) * largest + 2 * MB)
