"""Importing registrations from a CSV file: check every row first (the preview),
then store the good rows in one transaction."""

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from meeting_app.core.i18n import LANGUAGE_NAMES, current_language
from meeting_app.extensions import db
from meeting_app.mail import services as mail
from meeting_app.meetings.models import Meeting
from meeting_app.registration import seats, services
from meeting_app.registration.forms import OTHER
from meeting_app.registration.manage_forms import OrganiserRegistrationForm
from meeting_app.registration.models import Participant, RegistrationChange, RegistrationStatus

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
    plus duplicates within the file and against existing registrations.

    A file of more than MAX_ROWS rows is refused before any row is checked. The
    form is built once and given each row in turn (its choices, the 250 countries
    among them, are what costs), and the meeting's addresses are read in one query."""
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
    too_many = ImportFileError(
        ngettext("At most %(num)d row at a time.", "At most %(num)d rows at a time.", MAX_ROWS)
    )
    records = []
    for number, record in enumerate(reader, start=2):
        # Empty lines are left out, but count too (twice as many allowed): a file of
        # nothing but empty lines would otherwise be read to its last byte.
        if number > 2 * MAX_ROWS + 1:
            raise too_many
        raw = {key: (record.get(key) or "").strip() for key in COLUMNS}
        if any(raw.values()):
            if len(records) == MAX_ROWS:
                raise too_many
            records.append((number, raw))
    delegations = {d.country_code: d.id for d in meeting.delegations}
    form = OrganiserRegistrationForm(
        services.delegation_choices(meeting, current_language()),
        LANGUAGE_NAMES,
        formdata=None,
        meta={"csrf": False},
    )
    registered = set(
        db.session.scalars(db.select(Participant.email).filter_by(meeting_id=meeting.id))
    )
    seen: set[str] = set()
    return [
        _check_row(meeting, form, number, raw, delegations, registered, seen)
        for number, raw in records
    ]


def _check_row(meeting, form, number, raw, delegations, registered, seen) -> ImportRow:
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
    form.process(formdata)
    if not form.validate():
        for name, messages in form.errors.items():
            label = getattr(form, name).label.text
            row.errors.extend(f"{label}: {message}" for message in messages)
    email = services.normalise_email(raw["email"])
    if email in seen:
        row.errors.append(_("E-mail: this address is on an earlier line of the file."))
    elif email in registered:
        row.errors.append(_("E-mail: already registered for this meeting."))
    seen.add(email)
    if not row.errors:
        row.values = form.values()
    return row


def import_rows(meeting: Meeting, rows: list[ImportRow], *, by_user) -> int:
    """Registers the rows without errors as `register` does one (a seat while there
    is room, else the waiting list; the change log; the confirmation e-mail), but in
    bulk: the seats counted once for the whole file, one flush, and the change log
    and the e-mails written as rows, thousands of objects would take seconds. The
    caller commits; returns how many. Raises DuplicateRegistration when an address
    was registered meanwhile (the caller rolls back: nothing is stored)."""
    good = [row.values for row in rows if row.values is not None]
    seated = seats.take_seats(meeting.id, [values["delegation_id"] for values in good])
    delegations = {d.id: d for d in meeting.delegations}
    people = [
        Participant(
            meeting=meeting,
            status=services.seat_status(meeting) if has_seat else RegistrationStatus.WAITLISTED,
            # The relationship too: the confirmation names the delegation.
            delegation=delegations.get(values["delegation_id"]),
            **dict(values, email=services.normalise_email(values["email"])),
        )
        for values, has_seat in zip(good, seated, strict=True)
    ]
    db.session.add_all(people)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The unique (meeting, e-mail) constraint decides, as for one registration.
        if "email" not in str(error.orig):
            raise
        raise services.DuplicateRegistration() from error
    if people:
        # What services.record writes for each.
        db.session.execute(
            sa.insert(RegistrationChange.__table__),
            [
                {
                    "participant_id": p.id,
                    "from_status": None,
                    "to_status": p.status,
                    "by_user_id": by_user.id if by_user else None,
                    "actor": "organiser" if by_user else "participant",
                    "details": "",
                }
                for p in people
            ],
        )
    with mail.bulk():
        for participant in people:
            services.resend_confirmation(participant)
    return len(people)
