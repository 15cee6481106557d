"""Organisers' forms: moderation, bulk actions, adding people and CSV import."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from meeting_app.core.forms import Form, choices
from meeting_app.registration.forms import RegistrationForm, no_control_characters
from meeting_app.registration.models import ParticipantRole, RegistrationStatus

ACTIONS = {
    "approve": RegistrationStatus.APPROVED,
    "decline": RegistrationStatus.DECLINED,
    "waitlist": RegistrationStatus.WAITLISTED,
    "cancel": RegistrationStatus.CANCELLED,
}
ACTION_LABELS = {
    "approve": _l("Approve"),
    "decline": _l("Decline"),
    "waitlist": _l("Put on the waiting list"),
    "cancel": _l("Cancel"),
}


class StatusForm(Form):
    action = SelectField(
        _l("Decision"), choices=choices(ACTION_LABELS.items()), validators=[DataRequired()]
    )
    reason = TextAreaField(
        _l("Note to the participant (optional)"),
        validators=[Optional(), Length(max=1000), no_control_characters(allow_newlines=True)],
    )


class BulkForm(StatusForm):
    ids = SelectMultipleField(
        _l("Registrations"),
        coerce=int,
        validators=[DataRequired(_l("Select at least one registration."))],
        validate_choice=False,
    )


class OrganiserRegistrationForm(RegistrationForm):
    """The public form plus what only organisers set; no data-use checkbox (the
    organiser registers on someone's behalf)."""

    role = SelectField(_l("Role at the meeting"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.acknowledge_data_use
        self.role.choices = choices((r.value, r.label) for r in ParticipantRole)

    def values(self) -> dict:
        return {**super().values(), "role": ParticipantRole(self.role.data)}

    def fill_from(self, participant) -> None:
        super().fill_from(participant)
        self.role.data = participant.role.value


class ImportUploadForm(Form):
    file = FileField(
        _l("CSV file"),
        validators=[
            DataRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Choose a CSV file.")),
        ],
    )


class ImportConfirmForm(Form):
    # The checked CSV travels back with the confirmation: nothing is kept on the
    # server between preview and import, so any worker can take the second step.
    content = HiddenField(validators=[DataRequired()])


class EmptyForm(Form):
    """A POST with nothing but its CSRF token (resend, new link)."""
