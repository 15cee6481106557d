"""The survey's forms: the organisers' settings and questions, and the
participant's answers (one field `q_<id>` per question, checked on the server:
a choice that was not offered, a rating out of 1–5, a number out of bounds, a
required question left empty are refused under their field)."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import LazyString, format_decimal, gettext, lazy_ngettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FloatField,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from meeting_app.core.forms import Form, SelectField, choices, with_language_fields
from meeting_app.core.i18n import LANGUAGES, language_name, localized
from meeting_app.questions import fields
from meeting_app.questions.fields import (
    ANSWER,
    CHOOSE,
    NOT_A_DATE,
    CheckBoxes,
    NumberField,
    OfferedRadio,
    OfferedSelect,
)
from meeting_app.questions.models import QuestionType
from meeting_app.registration.forms import PHONE, country_choices, no_control_characters
from meeting_app.surveys import services
from meeting_app.surveys.models import Survey, SurveyQuestion

T = QuestionType
LABEL_MAX, HELP_MAX, OPTION_LABEL_MAX, INTRO_MAX = 300, 2000, 200, 5000
TEXT_MAX, PARAGRAPH_MAX = 500, 5000
NUMBER_LIMIT = Decimal("1e15")
BLANK_OPTION_ROWS = 3
# More options than this: a select instead of radio buttons.
RADIO_MAX = 6
YES, NO = "yes", "no"

TYPE_LABELS = {
    services.RATING: _l("Rating from 1 to 5"),
    **{t.value: t.label for t in QuestionType},
}
RATING_LABELS = {
    1: _l("1 – Very poor"),
    2: _l("2 – Poor"),
    3: _l("3 – Fair"),
    4: _l("4 – Good"),
    5: _l("5 – Excellent"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


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
        validators=[Optional(), _length(max_length), no_control_characters(textarea)],
        filters=[_strip],
    )


def _finite(_form, field):
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Enter a number."))


# --- The organisers' forms ---------------------------------------------------------------


@with_language_fields(intro=lambda code: _text(_l("Introduction"), INTRO_MAX, textarea=True))
class SettingsForm(Form):
    """`intro_<code>` for each language."""

    anonymous = BooleanField(_l("Anonymous: the answers do not say who gave them"))

    def fill_from(self, survey: Survey) -> None:
        for code in LANGUAGES:
            getattr(self, f"intro_{code}").data = (survey.intro or {}).get(code, "")
        self.anonymous.data = survey.anonymous

    def intro(self) -> dict[str, str]:
        return {code: getattr(self, f"intro_{code}").data or "" for code in LANGUAGES}


class OpenForm(Form):
    invite = BooleanField(_l("Write now to everyone checked in at least once"), default=True)


@with_language_fields(
    # Named by the language's name in the reader's language ("French", "francés").
    label=lambda code: _text(LazyString(language_name, code), OPTION_LABEL_MAX)
)
class OptionRow(PlainForm):
    """One option: its stable value (hidden; empty for a new one) and its label in
    each language (`label_<code>`)."""

    value = HiddenField(validators=[Optional(), Length(max=20)])

    def labels(self) -> dict[str, str]:
        return {code: getattr(self, f"label_{code}").data or "" for code in LANGUAGES}

    def is_blank(self) -> bool:
        return not any(v.strip() for v in self.labels().values())


@with_language_fields(
    label=lambda code: _text(_l("Question"), LABEL_MAX),
    help=lambda code: _text(_l("Help text"), HELP_MAX, textarea=True),
)
class QuestionForm(Form):
    """`label_<code>` and `help_<code>` for each language, typed in it."""

    type = SelectField(_l("Type"))
    required = BooleanField(_l("Required"))
    options = FieldList(FormField(OptionRow))
    min_value = FloatField(_l("Smallest number allowed"), validators=[Optional(), _finite])
    max_value = FloatField(_l("Largest number allowed"), validators=[Optional(), _finite])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_errors_list: list[str] = []
        self.option_errors: list[str] = []
        self.type.choices = choices((t, TYPE_LABELS[t]) for t in services.TYPES)

    def kind(self) -> str:
        return self.type.data if self.type.data in services.TYPES else services.RATING

    def fill_from(self, question: SurveyQuestion) -> None:
        self.type.data = question.type
        for code in LANGUAGES:
            getattr(self, f"label_{code}").data = (question.label or {}).get(code, "")
            getattr(self, f"help_{code}").data = (question.help or {}).get(code, "")
        self.required.data = question.required
        for option in question.options or ():
            labels = option.get("label") or {}
            self.options.append_entry(
                {"value": option["value"], **{f"label_{c}": labels.get(c, "") for c in LANGUAGES}}
            )
        settings = question.settings or {}
        self.min_value.data = settings.get("min")
        self.max_value.data = settings.get("max")

    def add_blank_options(self, count: int = BLANK_OPTION_ROWS) -> None:
        for _n in range(count):
            self.options.append_entry()

    def option_rows(self) -> list:
        return [row for row in self.options.entries if not row.form.is_blank()]

    def data_for_service(self, meeting) -> services.QuestionInput:
        languages = meeting.languages
        kind = self.kind()
        return services.QuestionInput(
            type=kind,
            label={c: getattr(self, f"label_{c}").data or "" for c in languages},
            help={c: getattr(self, f"help_{c}").data or "" for c in languages},
            required=bool(self.required.data),
            options=[
                services.OptionInput(
                    label={c: v for c, v in row.form.labels().items() if c in languages},
                    value=row.form.value.data or "",
                )
                for row in self.option_rows()
            ]
            if kind in services.CHOICE_TYPES
            else [],
            min_value=self.min_value.data if kind == T.NUMBER.value else None,
            max_value=self.max_value.data if kind == T.NUMBER.value else None,
        )


# --- The participant's answers ---------------------------------------------------------


class DateAnswer(fields.DateAnswer):
    """The registration form's date answer, saying how to write a date when the
    browser sends none it can read."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(NOT_A_DATE) from None


def bounds_text(question: SurveyQuestion) -> str:
    settings = question.settings or {}
    low, high = settings.get("min"), settings.get("max")
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


def _within(question: SurveyQuestion):
    settings = question.settings or {}
    low, high = settings.get("min"), settings.get("max")

    def check(_form, field):
        value = field.data
        if value is None:
            return
        if (low is not None and value < Decimal(str(low))) or (
            high is not None and value > Decimal(str(high))
        ):
            raise ValidationError(bounds_text(question))

    return check


def label_of(values: dict | None, meeting, language: str | None = None) -> str:
    return localized(values, meeting.default_language, language).text


def option_pairs(question: SurveyQuestion, meeting, language: str | None = None) -> list:
    return [(o["value"], label_of(o.get("label"), meeting, language)) for o in question.options]


def _field(question: SurveyQuestion, meeting, language: str):
    """The unbound WTForms field that asks `question`."""
    kind = question.type
    label = label_of(question.label, meeting, language)
    description = label_of(question.help, meeting, language)
    required = question.required
    chosen = [InputRequired(CHOOSE)] if required else [Optional()]
    typed = [DataRequired(ANSWER)] if required else [Optional()]
    if kind == services.RATING:
        return OfferedRadio(
            label,
            description=description,
            choices=choices((str(n), RATING_LABELS[n]) for n in services.RATINGS),
            validators=chosen,
        )
    if kind == T.YES_NO.value:
        return OfferedRadio(
            label,
            description=description,
            choices=choices([(YES, _l("Yes")), (NO, _l("No"))]),
            validators=chosen,
        )
    if kind == T.CHOICE.value:
        pairs = option_pairs(question, meeting, language)
        if len(pairs) > RADIO_MAX:
            return OfferedSelect(
                label,
                description=description,
                choices=choices([("", _l("Choose…")), *pairs]),
                validators=typed,
            )
        return OfferedRadio(
            label, description=description, choices=choices(pairs), validators=chosen
        )
    if kind == T.CHOICES.value:
        return CheckBoxes(
            label,
            description=description,
            choices=choices(option_pairs(question, meeting, language)),
            validators=[DataRequired(_l("Choose at least one answer."))] if required else [],
        )
    if kind == T.COUNTRY.value:
        return OfferedSelect(
            label,
            description=description,
            choices=[*choices([("", _l("Choose…"))]), *country_choices(language)],
            validators=typed,
        )
    if kind == T.NUMBER.value:
        return NumberField(
            label,
            description=description,
            validators=[*typed, _within(question)],
            render_kw={"inputmode": "decimal"},
        )
    if kind == T.DATE.value:
        return DateAnswer(label, description=description, validators=typed)
    if kind == T.EMAIL.value:
        return EmailField(
            label,
            description=description,
            validators=[
                *typed,
                Email(_l("Enter a valid e-mail address."), check_deliverability=False),
                Length(max=254),
            ],
            filters=[_strip],
        )
    if kind == T.PHONE.value:
        return StringField(
            label,
            description=description,
            validators=[
                *typed,
                Regexp(PHONE, message=_l("Enter a phone number: digits, +, spaces, ( ) -.")),
            ],
            filters=[_strip],
            render_kw={"type": "tel", "autocomplete": "off"},
        )
    if kind == T.PARAGRAPH.value:
        return TextAreaField(
            label,
            description=description,
            validators=[*typed, _length(PARAGRAPH_MAX), no_control_characters(True)],
            filters=[_strip],
        )
    return StringField(
        label,
        description=description,
        validators=[*typed, _length(TEXT_MAX), no_control_characters()],
        filters=[_strip],
    )


def field_name(question: SurveyQuestion) -> str:
    return f"q_{question.id}"


class AnswersForm(Form):
    """The survey's questions; built by `answers_form`."""

    questions: tuple[SurveyQuestion, ...] = ()

    def items(self) -> list[tuple[SurveyQuestion, Any, bool, str]]:
        """(question, bound field, grouped as a fieldset, limits text) in order."""
        found = []
        for question in self.questions:
            bound = self[field_name(question)]
            grouped = isinstance(bound, OfferedRadio | CheckBoxes)
            limits = bounds_text(question) if question.type == T.NUMBER.value else ""
            found.append((question, bound, grouped, limits))
        return found

    def answers(self) -> dict[int, Any]:
        """{question id: typed value} after a successful validate (None: no answer)."""
        values: dict[int, Any] = {}
        for question in self.questions:
            data = self[field_name(question)].data
            kind = question.type
            if data in (None, "", []):
                values[question.id] = None
            elif kind == services.RATING:
                values[question.id] = int(data)
            elif kind == T.NUMBER.value:
                values[question.id] = int(data) if data == data.to_integral_value() else float(data)
            elif kind == T.DATE.value:
                values[question.id] = data.isoformat() if isinstance(data, date) else None
            elif kind == T.YES_NO.value:
                values[question.id] = data == YES
            elif kind == T.CHOICES.value:
                picked = set(data)
                values[question.id] = [o["value"] for o in question.options if o["value"] in picked]
            else:
                values[question.id] = data
        return values


def answers_form(survey: Survey, meeting, language: str, **kwargs) -> AnswersForm:
    questions = tuple(survey.questions)
    attrs: dict[str, Any] = {"questions": questions}
    for question in questions:
        attrs[field_name(question)] = _field(question, meeting, language)
    form_class = type("SurveyAnswersForm", (AnswersForm,), attrs)
    return form_class(**kwargs)
