"""The form of a meeting's automatic reminders (reminder_views.py)."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from meeting_app.core.forms import Form
from meeting_app.messages import reminders

DEFAULT_DAYS = "7, 1"


def parse_days(text: str) -> list[int]:
    """'7, 1' as [7, 1]; a ValidationError names what is wrong."""
    parts = [part.strip() for part in (text or "").split(",")]
    parts = [part for part in parts if part]
    if not parts:
        raise ValidationError(_("Enter the number of days, e.g. 7, 1."))
    days = []
    for part in parts:
        if not re.fullmatch(r"[0-9]{1,4}", part):
            raise ValidationError(
                _(
                    "“%(value)s” is not a number of days: use whole numbers separated by"
                    " commas, e.g. 7, 1.",
                    value=part,
                )
            )
        number = int(part)
        if not 1 <= number <= reminders.MAX_DAYS_BEFORE:
            raise ValidationError(
                _(
                    "%(value)s: each number of days must be from 1 to %(max)s.",
                    value=number,
                    max=reminders.MAX_DAYS_BEFORE,
                )
            )
        if number in days:
            raise ValidationError(
                _("%(value)s is there twice: give each number once.", value=number)
            )
        days.append(number)
    if len(days) > reminders.MAX_BEFORE_REMINDERS:
        raise ValidationError(
            ngettext(
                "At most %(num)d reminder before the meeting.",
                "At most %(num)d reminders before the meeting.",
                reminders.MAX_BEFORE_REMINDERS,
            )
        )
    return days


class ReminderSettingsForm(Form):
    before = BooleanField(_l("Remind approved participants before the meeting"))
    days_before = StringField(
        _l("Days before the first day"),
        default=DEFAULT_DAYS,
        validators=[Length(max=100)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    visa_days = IntegerField(
        _l(
            "Remind those with an unfinished visa letter request this many days before"
            " registration closes"
        ),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=reminders.MAX_VISA_DAYS,
                message=_l("A number of days from 1 to %(max)s, or empty for no reminder."),
            ),
        ],
    )
    certificate = BooleanField(
        _l("Send the certificate link after the meeting to those checked in")
    )

    def validate_days_before(self, field):
        # Checked only when the reminder is on: switched off, the days are not kept.
        if self.before.data:
            parse_days(field.data)

    def settings(self) -> reminders.Settings:
        """What was entered (once the form is valid)."""
        return reminders.Settings(
            days_before=parse_days(self.days_before.data) if self.before.data else [],
            visa_days=self.visa_days.data,
            certificate=self.certificate.data,
        )
