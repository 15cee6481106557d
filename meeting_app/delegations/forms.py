from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from meeting_app.core.forms import Form, choices
from meeting_app.registration.forms import no_control_characters
from meeting_app.registration.models import Category, RegistrationStatus


class DelegationForm(Form):
    head_id = SelectField(_l("Head of delegation"), coerce=str, validate_choice=True)
    size_limit = IntegerField(
        _l("Size limit"),
        validators=[
            Optional(),
            NumberRange(min=1, max=10000, message=_l("A number from 1 to 10,000.")),
        ],
    )


class AddDelegationForm(Form):
    country_code = SelectField(_l("Country"), validators=[DataRequired()], validate_choice=True)
    size_limit = IntegerField(
        _l("Size limit"),
        validators=[
            Optional(),
            NumberRange(min=1, max=10000, message=_l("A number from 1 to 10,000.")),
        ],
    )


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LanguagesField(SelectMultipleField):
    """Checkboxes, one per language of the meeting."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FocalPointForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the focal point's name.")),
            Length(max=200, message=_l("At most 200 characters.")),
            no_control_characters(),
        ],
        filters=[_strip],
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter the focal point's e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254, message=_l("At most 254 characters.")),
        ],
        filters=[_strip],
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[
            Optional(),
            Length(max=200, message=_l("At most 200 characters.")),
            no_control_characters(),
        ],
        filters=[_strip],
    )
    languages = LanguagesField(
        _l("Languages they read"),
        validate_choice=True,
    )

    def __init__(self, languages: dict[str, str], *args, **kwargs):
        """`languages`: the meeting's, code -> name, in the meeting's order."""
        super().__init__(*args, **kwargs)
        self.languages.choices = choices(languages.items())


def _quota_field(category: Category) -> IntegerField:
    return IntegerField(
        category.label,
        validators=[
            Optional(),
            NumberRange(min=0, max=10000, message=_l("A number from 0 to 10,000.")),
        ],
    )


class QuotasForm(Form):
    """A quota per category (left empty: no quota for it), one field per category:
    `quota_national_government`..."""

    def field_of(self, category: Category):
        return self[f"quota_{category.value}"]

    def limits(self) -> dict[Category, int | None]:
        return {category: self.field_of(category).data for category in Category}


for _category in Category:
    setattr(QuotasForm, f"quota_{_category.value}", _quota_field(_category))


class CredentialsForm(Form):
    """A credentials letter received by the secretariat (often by diplomatic pouch);
    the file is checked by its content when it is stored (accreditation.py)."""

    file = FileField(
        _l("Credentials letter (PDF)"),
        validators=[FileRequired(_l("Choose the letter's PDF file."))],
    )
    dated = DateField(_l("Date of the letter"), validators=[Optional()])
    reference = StringField(
        _l("Reference"),
        validators=[
            Optional(),
            Length(max=200, message=_l("At most 200 characters.")),
            no_control_characters(),
        ],
        filters=[_strip],
    )


DECISIONS = {"approve": RegistrationStatus.APPROVED, "decline": RegistrationStatus.DECLINED}


class NominationsForm(Form):
    ids = SelectMultipleField(
        _l("Nominations"),
        coerce=int,
        validators=[DataRequired(_l("Select at least one nomination."))],
        validate_choice=False,
    )
    action = RadioField(
        _l("Decision"),
        choices=choices([("approve", _l("Approve")), ("decline", _l("Decline"))]),
        validators=[DataRequired(_l("Choose a decision."))],
    )
    reason = TextAreaField(
        _l("Note to the nominees and their focal point (optional)"),
        validators=[Optional(), Length(max=1000), no_control_characters(allow_newlines=True)],
    )
