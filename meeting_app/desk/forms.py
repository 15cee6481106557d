"""The desk's forms: a walk-in's registration, one badge's (re)print, a photo."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
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


class PhotoForm(Form):
    """A photo from the device's camera (its script fills this field) or a file;
    what it is, is judged by its content (files.check), not by its name."""

    photo = FileField(
        _l("Photo (JPEG or PNG)"),
        validators=[FileRequired(_l("Choose a photo, or take one with the camera."))],
        render_kw={"accept": "image/jpeg,image/png"},
    )
