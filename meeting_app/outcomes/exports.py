"""The attendance register as files: a PDF (A4, the meeting in the header, page
numbers, the sign-off line) and an XLSX (registration/exports.py's table, with its
formula escaping). Pure functions: the register in, bytes out."""

from babel.dates import format_date
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from meeting_app.core.i18n import format_local_datetime, localized, text_direction
from meeting_app.documents.pdf import bidi, render_pdf
from meeting_app.outcomes.models import AttendanceSignOff
from meeting_app.outcomes.register import Register, figures
from meeting_app.registration.exports import to_xlsx


def day_label(day, language: str) -> str:
    return format_date(day, "EEE d MMM y", locale=language)


def sign_off_line(signed: AttendanceSignOff | None, timezone: str, language: str) -> str:
    """'Signed off by X on DATE' or 'Not signed off' (call within force_locale)."""
    if signed is None:
        return _("Not signed off")
    return _(
        "Signed off by %(name)s on %(date)s",
        name=signed.signed_by_name,
        date=format_local_datetime(signed.signed_at, timezone, language),
    )


def changed_since(register: Register, signed: AttendanceSignOff | None) -> bool:
    return signed is not None and signed.figures != figures(register)


def register_pdf(register: Register, signed: AttendanceSignOff | None, language: str) -> bytes:
    meeting = register.meeting
    with force_locale(language):
        html = render_template(
            "pdf/attendance_register.html",
            register=register,
            meeting=meeting,
            meeting_title=localized(meeting.title, meeting.default_language, language).text,
            days=[(day, day_label(day, language)) for day in register.days],
            sign_off_line=sign_off_line(signed, meeting.timezone, language),
            note=signed.note if signed else "",
            changed=changed_since(register, signed),
            **bidi(language),
        )
    return render_pdf(html)


def register_xlsx(register: Register, signed: AttendanceSignOff | None, language: str) -> bytes:
    """One row per person present, with their delegation (or category) and, per day,
    "present" or nothing; the sign-off line as the sheet's last row."""
    with force_locale(language):
        present = _("present")
        header = [
            _("Delegation or category"),
            _("Family name"),
            _("Given name"),
            *(day_label(day, language) for day in register.days),
        ]
        rows = [
            [
                group.label,
                person.family_name,
                person.given_name,
                *(present if day in person.days else "" for day in register.days),
            ]
            for group in register.groups
            for person in group.people
        ]
        rows.append(
            [
                _("Total"),
                "",
                "",
                *(register.total(day) for day in register.days),
            ]
        )
        rows.append([sign_off_line(signed, register.meeting.timezone, language)])
        title = _("Attendance register")
    return to_xlsx(header, rows, title, right_to_left=text_direction(language) == "rtl")
