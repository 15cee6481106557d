"""The organisers' communiqué forms."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from meeting_app.communiques.sdgs import GOALS
from meeting_app.communiques.services import SLUG_MAX, SLUG_PATTERN
from meeting_app.core.forms import Form, choices
from meeting_app.core.i18n import LANGUAGE_NAMES
from meeting_app.registration.forms import no_control_characters


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class GoalsField(SelectMultipleField):
    """The 17 goals as check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class TextFields(Form):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give the communiqué a title.")),
            Length(max=300),
            no_control_characters(),
        ],
        filters=[_strip],
    )
    # Invisible control characters break the feed's XML and PostgreSQL refuses NUL.
    summary = TextAreaField(
        _l("Lead paragraph"),
        validators=[Length(max=2000), no_control_characters(allow_newlines=True)],
        filters=[_strip],
        render_kw={"rows": 3},
    )
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[Length(max=50_000), no_control_characters(allow_newlines=True)],
        render_kw={"rows": 18},
    )
    sdgs = GoalsField(_l("Sustainable Development Goals"), coerce=int, validate_choice=True)

    def set_goal_choices(self) -> None:
        self.sdgs.choices = choices((g.number, f"{g.number}. {g.name}") for g in GOALS.values())


class NewCommuniqueForm(TextFields):
    meeting_id = SelectField(
        _l("Meeting"), coerce=int, validators=[InputRequired(_l("Choose the meeting."))]
    )
    language = SelectField(_l("Language of this first version"))

    def __init__(self, meetings, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_goal_choices()
        self.meeting_id.choices = choices(meetings)
        self.language.choices = choices(
            (code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]
        )
        # In the language chosen just above, which the page cannot know yet: the
        # browser sets the direction from the first strong letter typed (Arabic: rtl).
        for field in (self.title, self.summary, self.body):
            field.render_kw = {**(field.render_kw or {}), "dir": "auto"}


class EditTextForm(TextFields):
    slug = StringField(
        _l("Address (slug)"),
        validators=[
            DataRequired(_l("Give the communiqué an address.")),
            Length(max=SLUG_MAX),
            Regexp(
                SLUG_PATTERN,
                message=_l("Use lower-case letters, digits and single hyphens only."),
            ),
        ],
        filters=[_strip],
    )
    version = HiddenField()

    def __init__(self, *args, slug_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_goal_choices()
        if slug_locked:
            # Printed and shared links use it since the first publication.
            del self.slug


class PreviewForm(Form):
    meeting_id = IntegerField(validators=[Optional()])
    language = StringField()
    title = StringField()
    summary = StringField()
    body = StringField()


class WorkflowForm(Form):
    version = HiddenField()


class ScheduleForm(WorkflowForm):
    at = DateTimeLocalField(
        _l("Publish on"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired(_l("Choose the date and time of publication."))],
    )
