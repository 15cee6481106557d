"""Participant and delegation lists as CSV and XLSX: pure functions that return bytes.

Every cell passes through `safe_cell`: text that a spreadsheet would read as a
formula (=, +, -, @, tab, carriage return) is prefixed with an apostrophe.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str | int | bool:
    if value is None:
        return ""
    if isinstance(value, bool | int):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs keep the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def spreadsheet(fmt: str, header: Sequence[str], rows: Iterable[Sequence], title: str) -> bytes:
    """The table as `fmt` ("csv" or "xlsx")."""
    return to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, title)


def participant_table(participants, language: str) -> tuple[list[str], list[list]]:
    """The columns organisers work with, labelled in `language`."""
    with force_locale(language):
        header = [
            _("Status"),
            _("Title"),
            _("Given name"),
            _("Family name"),
            _("Name as printed on your badge"),
            _("E-mail"),
            _("Phone"),
            _("Delegation"),
            _("Organisation"),
            _("Position"),
            _("Category"),
            _("Role"),
            _("Preferred language for e-mails"),
            _("Dietary needs"),
            _("Accessibility needs"),
            _("Visa invitation letter"),
            _("Public list of delegations"),
            _("Registered on"),
        ]
        rows = [
            [
                p.status.label,
                p.honorific.label if p.honorific else "",
                p.given_name,
                p.family_name,
                p.badge_name,
                p.email,
                p.phone,
                p.delegation.country.name(language) if p.delegation else "",
                p.organisation,
                p.position,
                p.category.label,
                p.role.label,
                p.preferred_language,
                p.dietary_needs,
                p.accessibility_needs,
                p.needs_visa_letter,
                p.consent_public_list,
                p.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            ]
            for p in participants
        ]
    return header, rows
