from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional, Regexp

from meeting_app.core.forms import Form, choices
from meeting_app.documents.badges import LAYOUTS
from meeting_app.registration.models import Category


class BadgeForm(Form):
    layout = SelectField(_l("Layout"), choices=choices((k, v.label) for k, v in LAYOUTS.items()))
    language = SelectField(_l("Language of the badges"))
    delegation = SelectField(_l("Delegation"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    participant = SelectField(_l("One person (a reprint, say)"), validators=[Optional()])
    not_printed = BooleanField(_l("Only badges not printed yet"))

    def __init__(self, delegations, people, languages, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = choices(languages.items())
        self.delegation.choices = choices([("", _l("All")), *((str(i), n) for i, n in delegations)])
        self.category.choices = choices([("", _l("All")), *((c.value, c.label) for c in Category)])
        self.participant.choices = choices([("", _l("Everyone selected above")), *people])


class ColoursForm(Form):
    """The colour band of each category (organisers only); one field per category."""


for _category in Category:
    setattr(
        ColoursForm,
        _category.value,
        StringField(
            _category.label,
            validators=[Regexp(r"^#[0-9a-fA-F]{6}\Z", message=_l("A colour such as #0b2e59."))],
        ),
    )


class LogoForm(Form):
    logo = FileField(
        _l("Logo (PNG or JPEG, at most 2 MB)"),
        validators=[
            FileRequired(_l("Choose an image file.")),
            FileAllowed(["png", "jpg", "jpeg"], _l("A PNG or JPEG image.")),
        ],
    )
