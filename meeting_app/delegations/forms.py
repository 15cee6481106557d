from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

from meeting_app.core.forms import Form


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
