"""The organisers' outcome forms: a session's minutes (one language at a time),
a decision, publishing to an audience, and the register's sign-off."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from meeting_app.core.forms import Form, choices, with_language_fields
from meeting_app.core.i18n import LANGUAGES
from meeting_app.outcomes import minutes
from meeting_app.outcomes.models import DecisionStatus
from meeting_app.outcomes.register import NAME_MAX, NOTE_MAX
from meeting_app.outcomes.services import PARTICIPANTS, PUBLIC
from meeting_app.registration.forms import no_control_characters

LANGUAGE_LABELS = {
    "fr": _l("Text in French"),
    "en": _l("Text in English"),
    "es": _l("Text in Spanish"),
    "ar": _l("Text in Arabic"),
    "ru": _l("Text in Russian"),
}


class MinutesForm(Form):
    body = TextAreaField(
        _l("Summary (Markdown)"),
        validators=[
            Optional(),
            Length(max=minutes.MAX_LENGTH),
            no_control_characters(allow_newlines=True),
        ],
    )


class PreviewForm(Form):
    body = TextAreaField(validators=[Optional(), Length(max=minutes.MAX_LENGTH)])


class PublishForm(Form):
    audience = RadioField(
        _l("Publish to"),
        choices=choices(
            [
                (PARTICIPANTS, _l("Approved participants only (through their private link)")),
                (PUBLIC, _l("The public (and the participants)")),
            ]
        ),
        default=PARTICIPANTS,
        validators=[DataRequired(_l("Choose who may read this version."))],
    )


def _text(label):
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=5000), no_control_characters(allow_newlines=True)],
    )


@with_language_fields(text=lambda code: _text(LANGUAGE_LABELS[code]))
class DecisionForm(Form):
    """`text_<code>` for each language, typed in it."""

    owner = StringField(
        _l("Owner (who carries it out)"),
        validators=[Optional(), Length(max=200), no_control_characters()],
    )
    due_date = DateField(
        _l("Due date"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    status = SelectField(_l("Status"), validators=[DataRequired()])

    def __init__(self, *args, languages=None, default_language="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = [lang for lang in LANGUAGES if lang in (languages or LANGUAGES)]
        self.default_language = default_language
        self.status.choices = choices((s.value, s.label) for s in DecisionStatus)

    def text_fields(self):
        return [getattr(self, f"text_{lang}") for lang in self.languages]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.due_date.errors:
            # WTForms' own "Not a valid date value." says nothing of the form expected.
            self.due_date.errors = [
                _l("Enter the due date as a date (YYYY-MM-DD), or leave it empty.")
            ]
        if not any((f.data or "").strip() for f in self.text_fields()):
            first = self.default_language if self.default_language in self.languages else "en"
            getattr(self, f"text_{first}").errors.append(
                _l("Write the decision in at least one language.")
            )
            valid = False
        return valid

    def texts(self) -> dict[str, str]:
        return {lang: getattr(self, f"text_{lang}").data or "" for lang in self.languages}


class SignOffForm(Form):
    name = StringField(
        _l("Signed off by (name)"),
        validators=[
            DataRequired(_l("Type the name of the person signing off.")),
            Length(max=NAME_MAX),
            no_control_characters(),
        ],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX), no_control_characters(allow_newlines=True)],
    )
