"""The forms of a delegation's focal point page (/d/<token>): the nomination form
(the meeting's own registration form, the delegation fixed), an invitation, the
head, the credentials letter, attaching someone registered individually."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, Label
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from meeting_app.core.forms import Form, SelectField, choices, email_field
from meeting_app.core.i18n import LANGUAGE_NAMES, current_language
from meeting_app.delegations import accreditation
from meeting_app.delegations.models import Delegation
from meeting_app.questions import fields
from meeting_app.questions.services import hidden_fields
from meeting_app.registration.forms import RegistrationForm, _text


def nomination_form(delegation: Delegation, **kwargs) -> RegistrationForm:
    """The meeting's registration form as participants see it (its built-in fields
    and questions), for someone the focal point nominates: the delegation is the
    focal point's, whatever the browser sends. Having read how their data is used
    is the person's own to confirm (from the private link their confirmation
    brings); being named on the lists of participants the focal point answers for,
    as a government does for its officials (the person may change it from that link)."""
    meeting = delegation.meeting
    form_class = fields.question_form(RegistrationForm, meeting, audience=fields.PARTICIPANT)
    form = form_class(
        [(delegation.id, delegation.country.name(current_language()))],
        LANGUAGE_NAMES,
        hidden=hidden_fields(meeting),
        participation_mode=meeting.participation_mode,
        **kwargs,
    )
    form.delegation_id.data = str(delegation.id)
    del form.acknowledge_data_use
    if "consent_public_list" in form:
        form.consent_public_list.label = Label(
            form.consent_public_list.id,
            _(
                "The person agrees to be named, with their organisation, on the meeting's lists"
                " of participants"
            ),
        )
    return form


class InviteForm(Form):
    name = _text(_l("Name"), 200, required=True, message=_l("Enter the person's name."), name=True)
    email = email_field()
    language = SelectField(_l("Language of the e-mail"), validate_choice=True)

    def __init__(self, languages: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = choices(
            (code, LANGUAGE_NAMES[code]) for code in languages if code in LANGUAGE_NAMES
        )


class HeadForm(Form):
    head_id = SelectField(
        _l("Head of delegation"),
        validators=[DataRequired(_l("Choose a member of the delegation."))],
        validate_choice=True,
    )

    def __init__(self, candidates, *args, **kwargs):
        """`candidates`: the members who may head the delegation (holding a seat)."""
        super().__init__(*args, **kwargs)
        self.head_id.choices = choices([(str(m.id), m.full_name) for m in candidates])


class AttachForm(Form):
    email = HiddenField(validators=[DataRequired(), Length(max=254)])


class CredentialsForm(Form):
    letter = FileField(
        _l("Credentials letter (PDF)"),
        validators=[FileRequired(_l("Choose the PDF file of the letter."))],
    )
    dated = DateField(_l("Date of the letter"), validators=[Optional()])
    reference = _text(_l("Reference"), accreditation.REFERENCE_MAX)

    def validate_dated(self, field):
        if field.data and field.data > accreditation.latest_today():
            raise ValidationError(_l("The letter's date cannot be in the future."))
