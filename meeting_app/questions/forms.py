"""The form builder's forms: a question (its labels in each of the meeting's
languages, options, bounds, condition) and the built-in fields a meeting hides."""

import math

from flask_babel import LazyString, lazy_ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms import Form as PlainForm
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from meeting_app.core.forms import Form, choices, with_language_fields
from meeting_app.core.i18n import LANGUAGES, language_name
from meeting_app.core.uploads import MB
from meeting_app.questions import services
from meeting_app.questions.answers import text
from meeting_app.questions.models import QuestionType
from meeting_app.registration.forms import no_control_characters
from meeting_app.registration.models import Category

LABEL_MAX = 300
HELP_MAX = 2000
OPTION_LABEL_MAX = 200
# Blank option rows offered under the options typed so far.
BLANK_OPTION_ROWS = 3

# How the builder names the built-in fields a meeting may hide.
HIDEABLE_LABELS = {
    "badge_name": _l("Name as printed on the badge (else the given and family names)"),
    "phone": _l("Phone"),
    "position": _l("Position"),
    "gender": _l("Gender"),
    "dietary_needs": _l("Dietary needs"),
    "accessibility_needs": _l("Accessibility needs"),
    "needs_visa_letter": _l("Visa invitation letter request, with nationality and passport number"),
    "consent_public_list": _l(
        "Consent to be listed on the public list of delegations (hidden: nobody is listed)"
    ),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _length(max_length: int) -> Length:
    return Length(
        max=max_length,
        message=lazy_ngettext(
            "At most %(num)d character.", "At most %(num)d characters.", max_length
        ),
    )


def _text(label, max_length, textarea=False):
    return (TextAreaField if textarea else StringField)(
        label,
        validators=[
            Optional(),
            _length(max_length),
            no_control_characters(allow_newlines=textarea),
        ],
        filters=[_strip],
    )


def _finite(_form, field):
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Enter a number."))


class CheckBoxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


@with_language_fields(
    # Named by the language's name in the reader's language ("French", "francés").
    label=lambda code: _text(LazyString(language_name, code), OPTION_LABEL_MAX)
)
class OptionRow(PlainForm):
    """One option: its stable value (hidden; empty for a new option), its label in
    each language (`label_<code>`), its place in the list, and a box to remove it."""

    value = HiddenField(validators=[Optional(), Length(max=services.OPTION_VALUE_MAX)])
    order = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=1, max=999)])
    remove = BooleanField(_l("Remove"))

    def labels(self) -> dict[str, str]:
        return {code: getattr(self, f"label_{code}").data or "" for code in LANGUAGES}

    def is_blank(self) -> bool:
        return not any(self.labels().values())


@with_language_fields(
    label=lambda code: _text(_l("Question"), LABEL_MAX),
    help=lambda code: _text(_l("Help text"), HELP_MAX, textarea=True),
)
class QuestionForm(Form):
    """`label_<code>` and `help_<code>` for each language, typed in it."""

    type = SelectField(_l("Type"))
    key = StringField(
        _l("Key"),
        validators=[Optional(), _length(services.KEY_MAX)],
        filters=[_strip, _lower],
    )
    required = BooleanField(_l("Required"))
    categories = CheckBoxes(_l("Asked of these categories only"))
    condition_question_id = SelectField(
        _l("Shown only when this question…"), default="", validate_choice=False
    )
    organisers_only = BooleanField(_l("Organisers only (the participant never sees it)"))
    sensitive = BooleanField(_l("Sensitive (purged at the retention date like passport numbers)"))
    options = FieldList(FormField(OptionRow))
    min_value = FloatField(_l("Smallest number allowed"), validators=[Optional(), _finite])
    max_value = FloatField(_l("Largest number allowed"), validators=[Optional(), _finite])
    max_mb = IntegerField(
        _l("Largest file accepted, in MB (at most 20)"),
        default=services.DEFAULT_FILE_BYTES // MB,
        validators=[Optional()],
    )

    # The condition's answers are fields of their own, one per question a condition
    # may look at (`cond_<id>`), added by `question_form`.
    condition_fields: dict[int, str] = {}

    def setup(self, meeting, candidates) -> None:
        self.option_errors: list[str] = []  # about the options as a whole
        self.type.choices = choices((t.value, t.label) for t in QuestionType)
        self.categories.choices = choices((c.value, c.label) for c in Category)
        self.condition_question_id.choices = choices(
            [
                ("", _l("Always shown")),
                *(
                    (
                        str(q.id),
                        text(q.label, meeting, None)
                        + (f" ({_('organisers only')})" if q.organisers_only else ""),
                    )
                    for q in candidates
                ),
            ]
        )

    def kind(self) -> QuestionType:
        try:
            return QuestionType(self.type.data)
        except ValueError:
            return QuestionType.TEXT

    def condition_field(self):
        """The answers field of the question chosen in "Shown only when", if any."""
        name = self.condition_fields.get(self.condition_id())
        return getattr(self, name) if name else None

    def condition_id(self) -> int | None:
        value = self.condition_question_id.data or ""
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None

    def fill_from(self, question) -> None:
        self.type.data = question.type.value
        for code in LANGUAGES:
            getattr(self, f"label_{code}").data = (question.label or {}).get(code, "")
            getattr(self, f"help_{code}").data = (question.help or {}).get(code, "")
        self.key.data = question.key
        self.required.data = question.required
        self.categories.data = list(question.categories or [])
        self.condition_question_id.data = str(question.condition_question_id or "")
        self.organisers_only.data = question.organisers_only
        self.sensitive.data = question.sensitive
        for n, option in enumerate(question.options or (), start=1):
            self.options.append_entry(
                {
                    "value": option["value"],
                    "order": n,
                    **{f"label_{c}": (option.get("label") or {}).get(c, "") for c in LANGUAGES},
                }
            )
        self.min_value.data = question.min_value
        self.max_value.data = question.max_value
        if question.max_bytes:
            self.max_mb.data = max(1, round(question.max_bytes / MB))
        field = self.condition_field()
        if field is not None:
            field.data = list(question.condition_values or [])

    def add_blank_options(self, count: int = BLANK_OPTION_ROWS) -> None:
        for _n in range(count):
            self.options.append_entry()

    def option_rows(self) -> list:
        """The rows that hold an option, in the order asked for (the numbers typed,
        then the rows without one): blank and removed rows are left out."""
        rows = [
            (n, row)
            for n, row in enumerate(self.options.entries)
            if not row.form.remove.data and not row.form.is_blank()
        ]
        return sorted(rows, key=lambda pair: (pair[1].form.order.data or 1000, pair[0]))

    def data_for_service(self, meeting) -> services.QuestionInput:
        languages = meeting.languages
        condition = self.condition_field()
        max_mb = self.max_mb.data
        return services.QuestionInput(
            type=self.kind(),
            label={c: getattr(self, f"label_{c}").data or "" for c in languages},
            help={c: getattr(self, f"help_{c}").data or "" for c in languages},
            key=self.key.data or "",
            required=self.required.data,
            categories=list(self.categories.data or []),
            condition_question_id=self.condition_id(),
            condition_values=list(condition.data or []) if condition is not None else [],
            organisers_only=self.organisers_only.data,
            sensitive=self.sensitive.data,
            options=[
                services.OptionInput(
                    label={c: v for c, v in row.form.labels().items() if c in languages},
                    value=row.form.value.data or "",
                )
                for _n, row in self.option_rows()
            ],
            min_value=self.min_value.data,
            max_value=self.max_value.data,
            max_bytes=max_mb * MB if max_mb is not None else None,
        )


def condition_choices(question, meeting, countries) -> list:
    """The answers a condition on `question` may look for, as (value, label)."""
    if question.type is QuestionType.YES_NO:
        return choices([(services.YES, _l("Yes")), (services.NO, _l("No"))])
    if question.type is QuestionType.COUNTRY:
        return choices(countries)
    return choices((o["value"], text(o.get("label"), meeting, None)) for o in question.options)


def question_form(meeting, candidates, countries, **kwargs) -> QuestionForm:
    """The question form of `meeting`, with a field for the answers of each question
    a condition may look at (`candidates`); `countries` are (code, name) pairs."""
    fields, names = {}, {}
    for question in candidates:
        name = f"cond_{question.id}"
        label = _(
            "Answers of “%(question)s” that show this question",
            question=text(question.label, meeting, None),
        )
        field_class = SelectMultipleField if question.type is QuestionType.COUNTRY else CheckBoxes
        fields[name] = field_class(
            label,
            choices=condition_choices(question, meeting, countries),
            validate_choice=False,
        )
        names[question.id] = name
    form_class = type("MeetingQuestionForm", (QuestionForm,), {**fields, "condition_fields": names})
    form = form_class(**kwargs)
    form.setup(meeting, candidates)
    return form


class BuiltinFieldsForm(Form):
    asked = CheckBoxes(_l("Optional fields the form asks for"))
    photo_on_badges = BooleanField(_l("Put the participant's photo on badges"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked.choices = choices(
            (name, HIDEABLE_LABELS[name]) for name in services.HIDEABLE_FIELDS
        )
