"""The registration form, shared by the public page, the private link and the
organisers (who also set the role)."""

import functools
import re
import unicodedata

from flask_babel import force_locale, lazy_ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import Choice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import Select, html_params

from meeting_app.core.forms import Form, SelectField, choices, email_field
from meeting_app.core.i18n import current_language
from meeting_app.meetings.services import countries_by_name
from meeting_app.registration.models import EDITABLE_FIELDS, GENDERS, NOT_SAID, Category, Honorific
from meeting_app.registration.participation import ATTENDANCE_MODES, HYBRID

OTHER = "other"  # the "international organisation / other" choice: no delegation

# {language: [(code, name)...]}: every registration form lists the 250 countries
# (the nationality, country questions), which issue 21 measured as 38 % of a
# registration POST when read and sorted for each request. The list never changes
# while the application runs (the migrations fill it).
_COUNTRY_CHOICES: dict[str, list] = {}


def country_choices(language: str) -> list:
    """The countries as select choices (code, name in `language`), in `language`'s
    alphabetical order; the same list object for every request (do not change it)."""
    found = _COUNTRY_CHOICES.get(language)
    if found is None:
        found = choices((c.code, c.name(language)) for c in countries_by_name(language))
        if found:  # an empty table (a database being set up) is not remembered
            _COUNTRY_CHOICES[language] = found
    return found


_COUNTRY_NAMES: dict[str, dict[str, str]] = {}


def country_names(language: str) -> dict[str, str]:
    """{code: name in `language`} of every country (answers to country questions
    are written with it: a query each otherwise)."""
    found = _COUNTRY_NAMES.get(language)
    if found is None:
        found = {c.value: c.label for c in country_choices(language)}
        if found:
            _COUNTRY_NAMES[language] = found
    return found


# {language: (the countries' <option>s, {code: (option, option selected)})}: WTForms
# writes each option through html_params and Markup.format, 0.3 ms per hundred; a
# form with a few country questions spent most of its rendering there.
_COUNTRY_OPTIONS: dict[str, tuple[Markup, dict[str, tuple[Markup, Markup]]]] = {}


def _country_options(language: str):
    found = _COUNTRY_OPTIONS.get(language)
    if found is None:
        each = {
            c.value: (
                Markup('<option value="{}">{}</option>').format(c.value, c.label),
                Markup('<option selected value="{}">{}</option>').format(c.value, c.label),
            )
            for c in country_choices(language)
        }
        found = (Markup("").join(plain for plain, _ in each.values()), each)
        if each:
            _COUNTRY_OPTIONS[language] = found
    return found


class CountrySelect(Select):
    """A select of a field whose choices are an empty one then `country_choices(
    language)`, written from options rendered once per language: the same HTML as
    WTForms' Select (and RequiredSelect for a required one), faster."""

    def __init__(self, language: str):
        super().__init__()
        self.language = language

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if field.flags.required:
            kwargs.setdefault("required", True)
        empty = field.choices[0]
        html, each = _country_options(self.language)
        chosen = each.get(field.data)
        if chosen is not None:
            html = html.replace(chosen[0], chosen[1], 1)
        return Markup("<select {}>{}{}</select>").format(
            html_params(name=field.name, **kwargs),
            self.render_option(Choice(empty.value, empty.label, chosen is None, None)),
            html,
        )


@functools.cache
def _fixed_choices(language: str) -> dict[str, list]:
    """The choices every registration form has, their labels in `language`: looked
    up in the catalog once per language rather than for each form (the catalogs do
    not change while the process runs). The same lists for every form: replace a
    field's choices, never change these."""
    with force_locale(language):
        return {
            "honorific": choices([("", "—"), *((h.value, h.label) for h in Honorific)]),
            "category": choices(
                [("", str(_l("Choose…"))), *((c.value, c.label) for c in Category)]
            ),
            "gender": choices([("", str(NOT_SAID)), *((k, str(v)) for k, v in GENDERS.items())]),
        }


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
    gender = SelectField(_l("Gender"), default="", validate_choice=True)
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
    # Asked in a hybrid meeting only (the form is built with its mode).
    attendance_mode = RadioField(
        _l("How will you take part?"),
        choices=choices(ATTENDANCE_MODES.items()),
        validators=[DataRequired(_l("Choose whether you come in person or take part online."))],
    )
    acknowledge_data_use = BooleanField(
        _l("I have read how my data is used"),
        validators=[DataRequired(_l("Please confirm that you have read how your data is used."))],
    )

    def __init__(
        self,
        delegations: list[tuple[int, str]],
        languages: dict[str, str],
        *args,
        hidden: frozenset[str] = frozenset(),
        participation_mode: str = "in_person",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if participation_mode != HYBRID:
            del self.attendance_mode
        fixed = _fixed_choices(current_language())
        self.honorific.choices = fixed["honorific"]
        self.category.choices = fixed["category"]
        self.gender.choices = fixed["gender"]
        self.delegation_id.choices = choices(
            [
                ("", _l("Choose…")),
                *((str(i), name) for i, name in delegations),
                (OTHER, _l("International organisation / other")),
            ]
        )
        self.preferred_language.choices = choices(languages.items())
        self.nationality_code.choices = choices([("", "—")]) + country_choices(current_language())
        self.nationality_code.widget = CountrySelect(current_language())
        # The optional fields the meeting does not ask for (its organisers' forms ask
        # them all: `hidden` is empty there).
        for name in hidden:
            if name in self:
                del self[name]

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
        """The model's values from the form (badge name defaults to the full name);
        the fields the meeting hides are left out (the registration keeps what it
        had, or the model's default)."""
        delegation = self.delegation_id.data
        given = {name: field.data for name, field in self._fields.items()}
        values = {
            "honorific": Honorific(self.honorific.data) if self.honorific.data else None,
            "given_name": self.given_name.data,
            "family_name": self.family_name.data,
            "email": self.email.data,
            "organisation": self.organisation.data,
            "category": Category(self.category.data),
            "delegation_id": None if delegation == OTHER else int(delegation),
            "preferred_language": self.preferred_language.data,
        }
        for name in ("phone", "position", "gender", "dietary_needs", "accessibility_needs"):
            if name in given:
                values[name] = given[name] or ""
        if "badge_name" in given:
            values["badge_name"] = (
                given["badge_name"] or f"{self.given_name.data} {self.family_name.data}"
            )
        if "needs_visa_letter" in given:
            values["needs_visa_letter"] = given["needs_visa_letter"]
        if "nationality_code" in given:
            values["nationality_code"] = given["nationality_code"] or None
        if "passport_number" in given:
            values["passport_number"] = (given["passport_number"] or "").upper()
        if "consent_public_list" in given:
            values["consent_public_list"] = given["consent_public_list"]
        if "attendance_mode" in given:
            values["attendance_mode"] = given["attendance_mode"]
        return values

    def fill_from(self, participant) -> None:
        for name in EDITABLE_FIELDS:
            if name in ("honorific", "category", "delegation_id", "nationality_code"):
                continue  # choices, set below
            if name in self:
                self[name].data = getattr(participant, name)
        self.honorific.data = participant.honorific.value if participant.honorific else ""
        self.category.data = participant.category.value
        self.delegation_id.data = str(participant.delegation_id or OTHER)
        if "nationality_code" in self:
            self.nationality_code.data = participant.nationality_code or ""


class SendLinkForm(Form):
    email = email_field()


class CancelForm(Form):
    confirm = BooleanField(
        _l("Yes, cancel my registration"), validators=[DataRequired(_l("Tick the box to confirm."))]
    )
