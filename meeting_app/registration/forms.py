"""The registration form, shared by the public page, the private link and the
organisers (who also set the role)."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from meeting_app.core.forms import Form, SelectField, choices, email_field
from meeting_app.core.i18n import current_language
from meeting_app.meetings.services import countries_by_name
from meeting_app.registration.models import EDITABLE_FIELDS, Category, Honorific

OTHER = "other"  # the "international organisation / other" choice: no delegation


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def no_control_characters(allow_newlines: bool = False):
    """Refuses invisible control characters (a pasted NUL or escape breaks exports
    and badges); letters of every script, emoji and punctuation are welcome."""
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()

    def check(_form, field):
        if any(unicodedata.category(c) == "Cc" and c not in allowed for c in field.data or ""):
            raise ValidationError(_l("Remove the invisible control characters from this field."))

    return check


# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) reorder the text
# around them: "\u202egnp.exe" shows as "exe.png", a name in a list can pose as
# another. Arabic and Hebrew need none of them to read right; the marks U+200E,
# U+200F and U+061C, which reorder nothing, stay allowed.
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def no_direction_controls(_form, field):
    """For names and organisations, which people read in lists and on badges."""
    if any(c in DIRECTION_CONTROLS for c in field.data or ""):
        raise ValidationError(
            _l("Remove the invisible characters that change the direction of the text.")
        )


def _text(label, max_length, required=False, message=None, textarea=False, name=False, **kwargs):
    validators = [
        DataRequired(message or _l("This field is required.")) if required else Optional(),
        Length(
            max=max_length,
            message=lazy_ngettext(
                "At most %(num)d character.", "At most %(num)d characters.", max_length
            ),
        ),
        no_control_characters(allow_newlines=textarea),
        *([no_direction_controls] if name else []),
    ]
    field = TextAreaField if textarea else StringField
    return field(label, validators=validators, filters=[_strip], **kwargs)


# Digits, spaces and + ( ) - . only, at least five digits: such a number cannot make a
# harmful spreadsheet formula, so the CSV exports can leave it readable (exports.py).
PHONE = re.compile(r"^(?=(?:\D*\d){5})[0-9+().\- ]{5,40}$")
PASSPORT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{2,29}$")


class RegistrationForm(Form):
    honorific = SelectField(_l("Title"), validators=[Optional()])
    given_name = _text(
        _l("Given name"), 100, required=True, message=_l("Enter your given name."), name=True
    )
    family_name = _text(
        _l("Family name"), 100, required=True, message=_l("Enter your family name."), name=True
    )
    badge_name = _text(_l("Name as printed on your badge"), 120, name=True)
    email = email_field()
    phone = _text(_l("Phone"), 40)
    delegation_id = SelectField(
        _l("Delegation"),
        validators=[
            DataRequired(_l("Choose your delegation, or “International organisation / other”."))
        ],
        validate_choice=True,
    )
    organisation = _text(
        _l("Organisation"), 200, required=True, message=_l("Enter your organisation."), name=True
    )
    position = _text(_l("Position"), 200)
    category = SelectField(_l("Category"), validators=[DataRequired(_l("Choose a category."))])
    preferred_language = SelectField(_l("Preferred language for e-mails"))
    dietary_needs = _text(_l("Dietary needs"), 300, textarea=True)
    accessibility_needs = _text(_l("Accessibility needs"), 300, textarea=True)
    needs_visa_letter = BooleanField(_l("I need a visa invitation letter"))
    # Not Optional(): the visa check below must run when it is left empty.
    nationality_code = SelectField(_l("Nationality"), default="", validate_choice=True)
    passport_number = _text(_l("Passport number"), 30)
    consent_public_list = BooleanField(
        _l("List my name and organisation on the meeting's public list of delegations")
    )
    acknowledge_data_use = BooleanField(
        _l("I have read how my data is used"),
        validators=[DataRequired(_l("Please confirm that you have read how your data is used."))],
    )

    def __init__(
        self, delegations: list[tuple[int, str]], languages: dict[str, str], *args, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.honorific.choices = choices([("", "—"), *((h.value, h.label) for h in Honorific)])
        self.category.choices = choices(
            [("", _l("Choose…")), *((c.value, c.label) for c in Category)]
        )
        self.delegation_id.choices = choices(
            [
                ("", _l("Choose…")),
                *((str(i), name) for i, name in delegations),
                (OTHER, _l("International organisation / other")),
            ]
        )
        self.preferred_language.choices = choices(languages.items())
        self.nationality_code.choices = choices(
            [
                ("", "—"),
                *(
                    (c.code, c.name(current_language()))
                    for c in countries_by_name(current_language())
                ),
            ]
        )

    def validate_nationality_code(self, field):
        if self.needs_visa_letter.data and not field.data:
            raise ValidationError(_l("Choose your nationality: it goes on the visa letter."))

    def validate_passport_number(self, field):
        if field.data and not PASSPORT.match(field.data):
            raise ValidationError(_l("Letters and digits only, as printed in your passport."))

    def validate_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError(_l("Use digits, spaces and + ( ) - . only."))

    def values(self) -> dict:
        """The model's values from the form (badge name defaults to the full name)."""
        delegation = self.delegation_id.data
        return {
            "honorific": Honorific(self.honorific.data) if self.honorific.data else None,
            "given_name": self.given_name.data,
            "family_name": self.family_name.data,
            "badge_name": self.badge_name.data or f"{self.given_name.data} {self.family_name.data}",
            "email": self.email.data,
            "phone": self.phone.data or "",
            "organisation": self.organisation.data,
            "position": self.position.data or "",
            "category": Category(self.category.data),
            "delegation_id": None if delegation == OTHER else int(delegation),
            "preferred_language": self.preferred_language.data,
            "dietary_needs": self.dietary_needs.data or "",
            "accessibility_needs": self.accessibility_needs.data or "",
            "needs_visa_letter": self.needs_visa_letter.data,
            "nationality_code": self.nationality_code.data or None,
            "passport_number": (self.passport_number.data or "").upper(),
            "consent_public_list": self.consent_public_list.data,
        }

    def fill_from(self, participant) -> None:
        for name in EDITABLE_FIELDS:
            if name in ("honorific", "category", "delegation_id", "nationality_code"):
                continue  # choices, set below
            getattr(self, name).data = getattr(participant, name)
        self.honorific.data = participant.honorific.value if participant.honorific else ""
        self.category.data = participant.category.value
        self.delegation_id.data = str(participant.delegation_id or OTHER)
        self.nationality_code.data = participant.nationality_code or ""


class SendLinkForm(Form):
    email = email_field()


class CancelForm(Form):
    confirm = BooleanField(
        _l("Yes, cancel my registration"), validators=[DataRequired(_l("Tick the box to confirm."))]
    )
