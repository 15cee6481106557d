from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from meeting_app.core.forms import Form, email_field


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)]
    )
    submit = SubmitField(_l("Sign in"))
