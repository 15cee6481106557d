"""Forms of sponsored participation: the participant's request, the section's
setting, the organisers' decision and the funded person's ticket and allowance."""

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from meeting_app.core.forms import Form, choices
from meeting_app.registration.forms import no_control_characters, no_direction_controls
from meeting_app.travel import sponsorship as ops
from meeting_app.travel.models import FundingDecision


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return value.upper() if isinstance(value, str) else value


class RequestForm(Form):
    note = TextAreaField(
        _l("Why you ask for support, and what you need"),
        validators=[
            DataRequired(ops.MESSAGES["note_missing"]),
            Length(max=ops.NOTE_MAX, message=ops.MESSAGES["note_too_long"]),
            no_control_characters(allow_newlines=True),
        ],
        filters=[_strip],
        render_kw={"rows": 6, "maxlength": ops.NOTE_MAX},
    )


class SettingForm(Form):
    enabled = BooleanField(_l("Participants may ask for travel support from their private link"))


class DecisionForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=choices((d.value, d.label) for d in ops.DECISIONS),
        validate_choice=False,  # the validators below say what is wrong in words
        validators=[
            InputRequired(_l("Choose a decision.")),
            AnyOf([d.value for d in ops.DECISIONS], message=ops.MESSAGES["decision_unknown"]),
        ],
    )
    note = TextAreaField(
        _l("Note to the person"),
        validators=[
            Length(max=ops.NOTE_MAX, message=ops.MESSAGES["note_too_long"]),
            no_control_characters(allow_newlines=True),
        ],
        filters=[_strip],
        render_kw={"rows": 4, "maxlength": ops.NOTE_MAX},
    )

    def validate_note(self, field):
        if self.decision.data in {d.value for d in ops.NOTE_REQUIRED} and not field.data:
            raise ValidationError(ops.MESSAGES["note_required"])

    def chosen(self) -> FundingDecision:
        return FundingDecision(self.decision.data)


# Digits, the decimal mark and group separators of the languages (space, no-break spaces,
# comma, point) and a sign: what an amount typed in any of them may hold.
_AMOUNT = re.compile(r"[-+]?[0-9][0-9 \u00a0\u202f.,]*")
_SPACES = re.compile(r"[ \u00a0\u202f]")


class AmountField(StringField):
    """An amount as the reader writes it: "1 500,50" in French, "1,500.50" in
    English; "150.50" too whatever the language (read with the decimal point)."""

    def process_formdata(self, valuelist):
        self.data = None
        text = _SPACES.sub("", valuelist[0]) if valuelist else ""
        if not text:
            return
        if not _AMOUNT.fullmatch(text):
            raise ValueError(_l("Enter an amount in figures, such as 150 or 150.50."))
        try:
            value = parse_decimal(text, locale=get_locale() or "en", strict=True)
        except NumberFormatError:
            try:
                value = Decimal(text)
            except InvalidOperation:
                raise ValueError(_l("Enter an amount in figures, such as 150 or 150.50.")) from None
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="0.00", locale=get_locale() or "en")


def two_decimals(_form, field):
    if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(_l("At most two decimals."))


def currency_code(_form, field):
    code = field.data or ""
    if not ops.CURRENCY.fullmatch(code) or code not in ops.CURRENCIES:
        raise ValidationError(ops.MESSAGES["currency"])


class FollowUpForm(Form):
    ticket_issued = BooleanField(_l("Ticket issued"))
    ticket_reference = StringField(
        _l("Ticket reference"),
        validators=[
            Length(max=ops.REFERENCE_MAX, message=ops.MESSAGES["reference_length"]),
            no_control_characters(),
            no_direction_controls,
        ],
        filters=[_strip],
        render_kw={"maxlength": ops.REFERENCE_MAX, "autocomplete": "off"},
    )
    dsa_days = IntegerField(
        _l("Days"),
        validators=[
            Optional(),
            NumberRange(min=0, max=ops.DAYS_MAX, message=ops.MESSAGES["days"]),
        ],
        render_kw={"min": 0, "max": ops.DAYS_MAX},
    )
    dsa_rate = AmountField(
        _l("Daily rate"),
        validators=[
            Optional(),
            NumberRange(min=0, max=ops.RATE_MAX, message=ops.MESSAGES["rate"]),
            two_decimals,
        ],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    currency = StringField(
        _l("Currency"),
        default="USD",
        validators=[DataRequired(ops.MESSAGES["currency"]), currency_code],
        filters=[_strip, _upper],
        render_kw={"maxlength": 3, "size": 4, "autocomplete": "off", "spellcheck": "false"},
    )
    paid = BooleanField(_l("Allowance paid"))

    def fill_from(self, sponsorship) -> None:
        for name in ops.FOLLOW_UP_FIELDS:
            getattr(self, name).data = getattr(sponsorship, name)

    def values(self) -> ops.FollowUp:
        return ops.FollowUp(
            ticket_issued=bool(self.ticket_issued.data),
            ticket_reference=self.ticket_reference.data or "",
            dsa_days=self.dsa_days.data,
            dsa_rate=self.dsa_rate.data,
            currency=self.currency.data or "",
            paid=bool(self.paid.data),
        )
