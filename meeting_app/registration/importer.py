"""Importing registrations from a CSV file: check every row first (the preview),
then store the good rows in one transaction."""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from meeting_app.core.i18n import LANGUAGE_NAMES, current_language
from meeting_app.meetings.models import Meeting
from meeting_app.registration import services
from meeting_app.registration.forms import OTHER
from meeting_app.registration.manage_forms import OrganiserRegistrationForm

COLUMNS = (
    "given_name",
    "family_name",
    "email",
    "organisation",
    "category",
    "delegation",
    "position",
    "phone",
    "honorific",
    "badge_name",
    "preferred_language",
    "role",
    "dietary_needs",
    "accessibility_needs",
    "needs_visa_letter",
    "nationality",
    "consent_public_list",
)
REQUIRED = ("given_name", "family_name", "email", "organisation", "category")
MAX_ROWS = 5000
_YES = {"1", "yes", "y", "true", "oui", "sí", "si", "x"}


@dataclass
class ImportRow:
    line: int
    raw: dict[str, str]
    values: dict | None = None
    errors: list[str] = field(default_factory=list)


class ImportFileError(ValueError):
    pass


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text: save it as “CSV UTF-8”.")) from None


def check(meeting: Meeting, content: str) -> list[ImportRow]:
    """Every row of `content` checked with the same rules as the registration form,
    plus duplicates within the file and against existing registrations."""
    try:
        dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content), dialect=dialect)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(
            _("Columns missing from the first line: %(columns)s.", columns=", ".join(missing))
        )
    reader.fieldnames = header
    delegations = {d.country_code: d.id for d in meeting.delegations}
    choices = services.delegation_choices(meeting, current_language())
    seen: set[str] = set()
    rows = []
    for number, record in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(_("At most %(count)d rows at a time.", count=MAX_ROWS))
        raw = {key: (record.get(key) or "").strip() for key in COLUMNS}
        if not any(raw.values()):
            continue
        rows.append(_check_row(meeting, number, raw, delegations, choices, seen))
    return rows


def _check_row(meeting, number, raw, delegations, choices, seen) -> ImportRow:
    row = ImportRow(number, raw)
    code = raw["delegation"].upper()
    if code and code not in delegations:
        row.errors.append(
            _("Delegation: no delegation for “%(code)s” at this meeting.", code=raw["delegation"])
        )
    formdata = MultiDict(
        {
            **{
                k: v
                for k, v in raw.items()
                if k
                not in ("delegation", "nationality", "needs_visa_letter", "consent_public_list")
            },
            "nationality_code": raw["nationality"].upper(),
            "delegation_id": str(delegations[code]) if code in delegations else OTHER,
            "preferred_language": raw["preferred_language"].lower() or meeting.default_language,
            "role": raw["role"] or "delegate",
            "category": raw["category"].lower().replace(" ", "_"),
            "honorific": raw["honorific"].lower().rstrip("."),
        }
    )
    for flag in ("needs_visa_letter", "consent_public_list"):
        if raw[flag].lower() in _YES:
            formdata[flag] = "y"
    form = OrganiserRegistrationForm(
        choices, LANGUAGE_NAMES, formdata=formdata, meta={"csrf": False}
    )
    if not form.validate():
        for name, messages in form.errors.items():
            label = getattr(form, name).label.text
            row.errors.extend(f"{label}: {message}" for message in messages)
    email = services.normalise_email(raw["email"])
    if email in seen:
        row.errors.append(_("E-mail: this address is on an earlier line of the file."))
    elif email and services.find_by_email(meeting, email) is not None:
        row.errors.append(_("E-mail: already registered for this meeting."))
    seen.add(email)
    if not row.errors:
        row.values = form.values()
    return row


def import_rows(meeting: Meeting, rows: list[ImportRow], *, by_user) -> int:
    """Registers the rows without errors (the caller commits); returns how many."""
    count = 0
    for row in rows:
        if row.values is not None:
            services.register(meeting, row.values, by_user=by_user)
            count += 1
    return count
