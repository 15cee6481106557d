"""The desk's forms: a walk-in's registration and one badge's (re)print."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from meeting_app.core.forms import Form, choices
from meeting_app.documents.badges import LAYOUTS
from meeting_app.registration.manage_forms import OrganiserRegistrationForm


class WalkInForm(OrganiserRegistrationForm):
    """The organisers' registration form (the public one, without the data-use
    checkbox, plus the role): the host fills it in with the person at the desk."""


class ReprintForm(Form):
    layout = SelectField(
        _l("Layout"), choices=choices((k, v.label) for k, v in LAYOUTS.items()), default="a6"
    )
