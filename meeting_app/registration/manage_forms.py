"""Organisers' forms: moderation, bulk actions, adding people and CSV import."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

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

    # Most people added are delegates; a delegation's head is named on the
    # Delegations page, which gives that person the head's role.
    role = SelectField(_l("Role at the meeting"), default=ParticipantRole.DELEGATE.value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.acknowledge_data_use
        self.role.choices = choices((r.value, r.label) for r in ParticipantRole)

    def validate_nationality_code(self, field):
        """Organisers may not know it yet: the letter then simply leaves it out."""

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


class RegistrationSettingsForm(Form):
    """When people may register, how many, and whether organisers decide; the
    dates are in the meeting's local time."""

    opens_at = DateTimeLocalField(
        _l("Registration opens"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Enter a date and time."))],
    )
    closes_at = DateTimeLocalField(
        _l("Registration closes"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Enter a date and time."))],
    )
    capacity = IntegerField(
        _l("Capacity (empty: no limit)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100_000, message=_l("A number from 1 to 100,000.")),
        ],
    )
    requires_approval = BooleanField(_l("Organisers approve each registration"))
    requires_approval_of_changes = BooleanField(
        _l("Changes made by approved participants go back to the organisers")
    )
    desk_approves_walk_ins = BooleanField(_l("The hosts' desk approves the walk-ins it registers"))
    # Left empty, the period stays as it is.
    retention_days_after_end = IntegerField(
        _l("Days sensitive data is kept after the meeting"),
        validators=[
            Optional(),
            NumberRange(min=0, max=3650, message=_l("A number from 0 to 3,650.")),
        ],
    )

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("Registration must close after it opens."))
