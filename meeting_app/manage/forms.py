"""The forms of a meeting itself: its settings (new or changed), publishing,
archiving and deleting it."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from meeting_app.core.forms import Form, choices, with_language_fields
from meeting_app.core.i18n import language_name
from meeting_app.meetings.services import CONTENT_LANGUAGES, MeetingInput
from meeting_app.registration.forms import no_control_characters
from meeting_app.registration.participation import MEETING_MODES

NEW_SERIES = "new"
# How a meeting takes registrations (Meeting.registration_mode: one of
# manage.services.REGISTRATION_MODES), as the settings form offers them.
REGISTRATION_MODES = {
    "both": _l("Individual registrations and nominations by delegations' focal points"),
    "individual": _l("Individual registrations only"),
    "nominations": _l("Nominations by delegations' focal points only"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, max_length, textarea=False):
    return (TextAreaField if textarea else StringField)(
        label,
        validators=[
            Optional(),
            Length(
                max=max_length,
                message=lazy_ngettext(
                    "At most %(num)d character.", "At most %(num)d characters.", max_length
                ),
            ),
            no_control_characters(allow_newlines=textarea),
        ],
        filters=[_strip],
    )


class LanguagesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


@with_language_fields(
    title=lambda code: _text(_l("Title"), 300),
    description=lambda code: _text(_l("Description"), 5000, textarea=True),
    host=lambda code: _text(_l("Host's name"), 300),
    signatory_title=lambda code: _text(_l("Signatory's title"), 300),
)
class MeetingForm(Form):
    """A meeting's settings. The content fields (`title_<code>`...) exist for each
    language; the template shows those of the meeting's languages
    (`content_languages`)."""

    source_id = SelectField(_l("Start from an earlier meeting"), validate_choice=False)
    copy_agenda = BooleanField(_l("Also copy its agenda, shifted to the new dates"))

    series_id = SelectField(_l("Series"), validate_choice=False)
    new_series_title = _text(_l("Title of the new series"), 200)
    number_in_series = IntegerField(
        _l("Number in the series (e.g. 4 for the 4th meeting)"), validators=[Optional()]
    )
    slug = StringField(
        _l("Address (slug)"),
        validators=[Length(max=200)],
        filters=[_strip],
    )
    host_country_code = SelectField(_l("Host country"), validate_choice=False)
    city = _text(_l("City"), 120)
    venue = _text(_l("Venue"), 200)
    venue_address = _text(_l("Venue address"), 300)
    timezone = StringField(_l("Time zone"), validators=[Length(max=64)], filters=[_strip])
    confirmed_timezone = HiddenField()
    start_date = DateField(_l("First day"), validators=[InputRequired(_l("Enter the first day."))])
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Enter the last day."))])
    languages = LanguagesField(_l("The meeting's languages"))
    default_language = SelectField(_l("Default language"), validate_choice=False)
    contact_email = StringField(
        _l("Contact e-mail shown to participants"), validators=[Length(max=254)], filters=[_strip]
    )
    signatory_name = _text(_l("Signatory of letters and certificates (name)"), 200)
    # Settings of a meeting that exists (the new-meeting form has none of them).
    registration_mode = RadioField(
        _l("Who may register"),
        choices=choices(REGISTRATION_MODES.items()),
        validators=[DataRequired(_l("Choose who may register."))],
    )
    host_country_first = BooleanField(
        _l("In the list of participants, the host country's delegation comes first")
    )
    # Left out of a submission, it stays as it is (the page always sends one).
    participation_mode = RadioField(
        _l("How people take part"),
        choices=choices(MEETING_MODES.items()),
        validators=[Optional()],
        validate_choice=False,
    )
    online_counts_against_capacity = BooleanField(
        _l("Online participants count against the meeting's capacity")
    )

    def __init__(self, *args, series=(), countries=(), sources=(), language="en", **kwargs):
        super().__init__(*args, **kwargs)
        names = [(code, language_name(code)) for code in CONTENT_LANGUAGES]
        self.languages.choices = choices(names)
        self.default_language.choices = choices(names)
        self.series_id.choices = choices(
            [
                ("", _l("No series")),
                *((str(s.id), s_title(s, language)) for s in series),
                (NEW_SERIES, _l("A new series (give its title below)")),
            ]
        )
        self.host_country_code.choices = choices(
            [("", _l("No host country")), *((c.code, c.name(language)) for c in countries)]
        )
        self.source_id.choices = choices([("", _l("Nothing: an empty meeting")), *sources])
        self.content_languages = list(CONTENT_LANGUAGES)

    def validate_participation_mode(self, field):
        if field.data and field.data not in MEETING_MODES:
            raise ValidationError(_l("Choose how people take part."))

    def validate_new_series_title(self, field):
        if self.series_id.data == NEW_SERIES and not field.data:
            raise ValidationError(_l("Give the new series a title."))

    def texts(self, name: str) -> dict[str, str]:
        return {
            lang: getattr(self, f"{name}_{lang}").data or ""
            for lang in self.content_languages
            if getattr(self, f"{name}_{lang}").data
        }

    def to_input(self, keep=None) -> MeetingInput:
        """The service's input; `keep` (the meeting's current settings) supplies the
        content of languages the form did not show."""

        def merged(name):
            values = dict(getattr(keep, name, {}) or {}) if keep is not None else {}
            for lang in self.content_languages:
                values.pop(lang, None)
            return {**values, **self.texts(name)}

        series = self.series_id.data or ""
        return MeetingInput(
            slug=self.slug.data or "",
            title=merged("title"),
            description=merged("description"),
            host=merged("host"),
            signatory_title=merged("signatory_title"),
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            timezone=self.timezone.data or "",
            city=self.city.data or "",
            venue=self.venue.data or "",
            venue_address=self.venue_address.data or "",
            host_country_code=self.host_country_code.data or None,
            series_id=int(series) if series.isdigit() else None,
            new_series_title=(self.new_series_title.data or "") if series == NEW_SERIES else "",
            number_in_series=self.number_in_series.data,
            languages=list(self.languages.data or []),
            default_language=self.default_language.data or "",
            contact_email=self.contact_email.data or "",
            signatory_name=self.signatory_name.data or "",
        )

    def fill_from(self, data: MeetingInput) -> None:
        self.slug.data = data.slug
        for name in ("title", "description", "host", "signatory_title"):
            for lang in CONTENT_LANGUAGES:
                getattr(self, f"{name}_{lang}").data = getattr(data, name).get(lang, "")
        self.start_date.data, self.end_date.data = data.start_date, data.end_date
        self.timezone.data = data.timezone
        self.city.data, self.venue.data = data.city, data.venue
        self.venue_address.data = data.venue_address
        self.host_country_code.data = data.host_country_code or ""
        self.series_id.data = str(data.series_id) if data.series_id else ""
        self.number_in_series.data = data.number_in_series
        self.languages.data = list(data.languages)
        self.default_language.data = data.default_language
        self.contact_email.data = data.contact_email
        self.signatory_name.data = data.signatory_name

    def field_for(self, name: str):
        """The form field that shows a service error about `name`."""
        if name == "title":
            shown = self.content_languages
            preferred = self.default_language.data if self.default_language.data in shown else None
            return getattr(self, f"title_{preferred or shown[0]}")
        if name == "series_id" and self.series_id.data == NEW_SERIES:
            return self.new_series_title
        return getattr(self, name, None)


def s_title(series, language: str) -> str:
    title = series.title or {}
    return title.get(language) or next(iter(title.values()), "") or series.slug


class DeleteMeetingForm(Form):
    confirm_slug = StringField(
        _l("Type the meeting's address to confirm"),
        validators=[DataRequired(_l("Type the meeting's address to confirm."))],
        filters=[_strip],
    )
