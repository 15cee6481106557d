"""Participant and delegation lists as CSV and XLSX: pure functions that return bytes.

A table is a header and rows of typed cells: text, numbers, and naive datetimes,
dates and times already in the meeting's time zone; booleans are written by the
table itself as yes or no in the export's language (`yes_no`).

XLSX: every text cell is written as an inline string, which a spreadsheet never
evaluates, so no text needs protecting there; dates and times are real date cells
with a number format; the header row is frozen and carries the filter buttons.

CSV: a text cell that a spreadsheet would run as a formula gets an apostrophe
first (`safe_cell`), except a phone number that cannot be one.

The participant export adds a column per question of the meeting's form
(`participant_export`), headed "Label (key)": the label in the export's language
to read, the key that stays when labels change and that the import recognises.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from meeting_app.core.i18n import zone_name
from meeting_app.questions.answers import answers_of, is_empty, option_label, questions_of, text
from meeting_app.questions.models import FILE_TYPES, FormAnswer, FormQuestion, QuestionType
from meeting_app.registration import participation
from meeting_app.registration.forms import country_names

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Why a phone number such as "+221 77 123 45 67" is written without the apostrophe
# (OWASP, "CSV Injection"). Spreadsheet programs evaluate a cell that starts with
# = + - @ (or a tab or carriage return they trim first) as a formula. What makes
# that dangerous is what a formula can reach: a function (HYPERLINK, WEBSERVICE,
# IMPORTXML...), DDE (=cmd|' /C calc'!A0), other cells by reference (to send them
# away in a link). Each needs a letter or one of | ! : " ' , & and a cell made only
# of digits, spaces and + - ( ) . has none: whatever a program makes of it, it can
# only be arithmetic on the numbers written in the cell. Nothing runs, nothing is
# read or sent. The apostrophe adds no safety there, and it costs: a program that
# opens a CSV shows it (it hides it only when typed into a cell), and a program
# that reads the file gets "'+221...".
#
# Shown as written? The leading + makes Excel parse the cell as a formula, but in
# "+221 77 123 45 67" a space stands between two numbers: in a formula a space is
# the intersection operator, which takes ranges only, so this is no valid formula
# (typed in, Excel says "There's a problem with this formula") and the cell stays
# the text it is. Without such a space ("+221771234567", "+1-555-0100") it is a
# valid formula, a number shown as 2.21771E+11 or a subtraction shown as -4654:
# those keep the apostrophe, which keeps their digits right. (This is reasoned
# from how Excel parses, not tried in Excel here. One display quirk remains, not a
# formula: groups of three digits, "+33 123 456 789", may be read as one number
# where the space is the thousands separator, as in French.) Phone numbers are
# checked on input to use those characters only (forms.PHONE).
_PHONE_CHARACTERS = re.compile(r"[0-9+\-(). ]+")
_NUMBERS_APART = re.compile(r"[0-9)] +[0-9(]")


def safe_cell(value) -> str | int | float:
    """A CSV cell: text a spreadsheet would run as a formula starts with an
    apostrophe, except a phone number that cannot be a formula (see above)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("write booleans with yes_no()")
    if isinstance(value, int | float):
        return value
    text = _text(value)
    if text.startswith(FORMULA_STARTS) and not _readable_phone(text):
        return "'" + text
    return text


def _readable_phone(text: str) -> bool:
    return _PHONE_CHARACTERS.fullmatch(text) is not None and _NUMBERS_APART.search(text) is not None


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def yes_no(value: bool) -> str:
    """A boolean as a reader of the export's language writes it (call it within
    the export's force_locale)."""
    return _("Yes") if value else _("No")


# ',' by default; ';' where the spreadsheet programs' lists use it because the comma
# is the decimal mark (French, Spanish): there, a comma-separated file opens in
# one column.
DELIMITERS = {"comma": ",", "semicolon": ";"}


def csv_delimiter(choice: str | None, language: str) -> str:
    """The separator asked for (`?sep=comma` or `semicolon`), else the one the
    reader's spreadsheet program most likely expects."""
    return DELIMITERS.get(choice or "", ";" if language in ("fr", "es") else ",")


def to_csv(header: Sequence[str], rows: Iterable[Sequence], delimiter: str = ",") -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs keep the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


NUMBER_FORMATS = {datetime: "yyyy-mm-dd hh:mm", date: "yyyy-mm-dd", time: "hh:mm"}


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    # Set before the first row: the write-only sheet writes its views and columns then.
    sheet.freeze_panes = "A2"
    for number, label in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = max(12, len(str(label)) + 4)
    bold = Font(bold=True)
    sheet.append([_xlsx_cell(sheet, label, bold) for label in header])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value, font=None):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("write booleans with yes_no()")
    if isinstance(value, datetime | date | time):
        if getattr(value, "tzinfo", None) is not None:
            raise ValueError("give local times without a time zone")
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = NUMBER_FORMATS[type(value)]
    elif isinstance(value, int | float):
        return value
    else:
        text = str(value)
        if font is None and not text.startswith("="):
            return text  # a string cell as it is (openpyxl writes it inline)
        cell = WriteOnlyCell(sheet, value=text)
        # openpyxl makes any text starting with "=" a formula: this one is text.
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def spreadsheet(
    fmt: str, header: Sequence[str], rows: Iterable[Sequence], title: str, delimiter: str = ","
) -> bytes:
    """The table as `fmt` ("csv", with `delimiter`, or "xlsx")."""
    return to_csv(header, rows, delimiter) if fmt == "csv" else to_xlsx(header, rows, title)


def participant_table(participants, language: str, timezone: str) -> tuple[list[str], list[list]]:
    """The columns organisers work with, labelled in `language`; the registration
    time in the meeting's `timezone`."""
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
            _("Registered on (%(zone)s)", zone=zone_name(timezone, language)),
        ]
        zone = ZoneInfo(timezone)
        # Labels made text here, in `language` (they are lazy: later, they would
        # take the language of whoever asked).
        rows = [
            [
                str(p.status.label),
                str(p.honorific.label) if p.honorific else "",
                p.given_name,
                p.family_name,
                p.badge_name,
                p.email,
                p.phone,
                p.delegation.country.name(language) if p.delegation else "",
                p.organisation,
                p.position,
                str(p.category.label),
                str(p.role.label),
                p.preferred_language,
                p.dietary_needs,
                p.accessibility_needs,
                yes_no(p.needs_visa_letter),
                yes_no(p.consent_public_list),
                p.created_at.astimezone(zone).replace(tzinfo=None),
            ]
            for p in participants
        ]
    return header, rows


def exported_questions(meeting, *, sensitive: bool = False) -> list[FormQuestion]:
    """The questions that get a column: in form order, the archived ones after the
    others (their answers stay until purged); the sensitive ones only when asked."""
    return [
        q
        for q in questions_of(meeting.id, archived=True)
        if q.asks and (sensitive or not q.sensitive)
    ]


def has_sensitive_questions(meeting) -> bool:
    """Whether an export may leave columns out (its "with sensitive answers" link)."""
    return any(q.sensitive and q.asks for q in questions_of(meeting.id, archived=True))


def question_header(question: FormQuestion, meeting, language: str) -> str:
    label = text(question.label, meeting, language)
    return f"{label} ({question.key})" if label else question.key


def participant_export(
    meeting, participants, language: str, *, sensitive: bool = False
) -> tuple[list[str], list[list]]:
    """The organisers' export: `participant_table`'s columns, then one per question
    (`exported_questions`) with typed cells: numbers as numbers, dates as dates,
    yes/no as the word, choices and countries by their names in `language`, a file
    by its name. The answers are read in one query, the countries' names in one."""
    participants = list(participants)
    header, rows = participant_table(participants, language, meeting.timezone)
    if meeting.participation_mode != participation.IN_PERSON:
        with force_locale(language):
            header.append(_("Takes part"))
            modes = {key: str(label) for key, label in participation.ATTENDANCE_MODES.items()}
        for participant, row in zip(participants, rows, strict=True):
            row.append(modes[participation.mode_of(participant)])
    questions = exported_questions(meeting, sensitive=sensitive)
    if not questions:
        return header, rows
    answers = answers_of(p.id for p in participants)
    countries = (
        country_names(language) if any(q.type is QuestionType.COUNTRY for q in questions) else {}
    )
    with force_locale(language):
        header += [question_header(q, meeting, language) for q in questions]
        for participant, row in zip(participants, rows, strict=True):
            given = answers.get(participant.id, {})
            row += [
                answer_cell(q, given.get(q.id), meeting, language, countries) for q in questions
            ]
    return header, rows


def answer_cell(
    question: FormQuestion, answer: FormAnswer | None, meeting, language: str, countries: dict
):
    """One answer as a typed cell (None: no answer). Call it within the export's
    force_locale (yes and no are words of its language)."""
    if answer is None:
        return None
    if question.type in FILE_TYPES:
        return answer.file.filename if answer.file is not None else None
    value = answer.value
    if is_empty(value):
        return None
    kind = question.type
    if (
        kind is QuestionType.NUMBER
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return value
    if kind is QuestionType.DATE:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            return str(value)
    if kind is QuestionType.YES_NO:
        return yes_no(bool(value))
    if kind is QuestionType.CHOICE:
        return option_label(question, value, meeting, language)
    if kind is QuestionType.CHOICES:
        values = value if isinstance(value, list) else [value]
        return ", ".join(option_label(question, v, meeting, language) for v in values)
    if kind is QuestionType.COUNTRY:
        return countries.get(value, str(value))
    return str(value)
