from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from meeting_app.core.forms import Form


class EraseForm(Form):
    confirm = BooleanField(
        _l("Yes, erase this person's personal data (this cannot be undone)"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
