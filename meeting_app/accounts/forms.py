from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import MIN_PASSWORD_LENGTH, password_problem_code
from meeting_app.core.forms import Form, choices, email_field
from meeting_app.core.i18n import LANGUAGE_NAMES

ROLE_LABELS = {Role.ORGANISER: _l("Organiser"), Role.HOST: _l("Host")}


def role_choices():
    return choices((role.value, label) for role, label in ROLE_LABELS.items())


def language_choices():
    return choices(LANGUAGE_NAMES.items())


def password_message(code: str) -> str:
    """What a refused password is told, in the reader's language."""
    if code == "short":
        return ngettext(
            "The password must have at least %(num)d character.",
            "The password must have at least %(num)d characters.",
            MIN_PASSWORD_LENGTH,
        )
    if code == "email":
        return str(_l("The password must not be the e-mail address."))
    return str(_l("This password is in a list of common passwords: choose another."))


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)]
    )
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(Form):
    email = email_field()


class CodeForm(Form):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=20)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
    )


class NewPasswordMixin:
    """A new password typed twice, checked against the rules; the view sets
    `account_email` (the password must not be it)."""

    account_email = ""

    def validate_new_password(self, field):
        problem = password_problem_code(field.data or "", self.account_email)
        if problem:
            raise ValidationError(password_message(problem))


def _new_password_field():
    return PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a password.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )


def _confirm_field():
    return PasswordField(
        _l("The new password again"),
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo("new_password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChoosePasswordForm(NewPasswordMixin, Form):
    new_password = _new_password_field()
    confirm = _confirm_field()


class ChangePasswordForm(NewPasswordMixin, Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password_field()
    confirm = _confirm_field()


class LanguageForm(Form):
    language = SelectField(_l("Interface language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = choices(
            [("", _l("The browser's language")), *LANGUAGE_NAMES.items()]
        )


class PasswordConfirmForm(Form):
    """Turning two-factor sign-in off asks for the password again."""

    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


# --- Administrators' staff pages -----------------------------------------------------


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InviteForm(Form):
    email = email_field()
    is_admin = BooleanField(_l("Administrator (every meeting, staff accounts, site settings)"))
    role = SelectField(_l("Role"), default=Role.HOST.value)
    meetings = MultiCheckboxField(_l("In the meetings"), coerce=int, validate_choice=False)
    language = SelectField(_l("Language of the invitation"))

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()
        self.meetings.choices = choices(meetings)
        self.language.choices = language_choices()

    def validate_meetings(self, field):
        known = {choice.value for choice in field.choices}
        if any(value not in known for value in field.data or ()):
            raise ValidationError(_l("Choose among the meetings listed."))
        if not self.is_admin.data and not field.data:
            raise ValidationError(_l("Choose at least one meeting, or administrator."))


class GrantForm(Form):
    meeting = SelectField(_l("Meeting"), coerce=int, validate_choice=False)
    role = SelectField(_l("Role"))

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, prefix="grant", **kwargs)
        self.meeting.choices = choices(meetings)
        self.role.choices = role_choices()

    def validate_meeting(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a meeting."))


class SiteSettingsForm(Form):
    require_two_factor = BooleanField(
        _l("Require two-factor sign-in of every organiser (they see passport numbers)")
    )
