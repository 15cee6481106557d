"""Participant and delegation lists as CSV and XLSX: functions that return bytes,
and their streamed forms (`csv_chunks`, `xlsx_file`) for exports too large to
hold: the participant export reads the meeting in chunks and writes row by row.

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
Its rows come from one streamed statement (see `participant_export`).
"""

import csv
import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from typing import Any, BinaryIO, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from meeting_app.core.i18n import zone_name
from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.questions.answers import is_empty, option_label, questions_of, text
from meeting_app.questions.models import FILE_TYPES, FormAnswer, FormQuestion, QuestionType
from meeting_app.registration import participation
from meeting_app.registration.forms import country_names
from meeting_app.registration.models import Participant

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
    if type(value) is str:  # most cells are plain text: it is looked at first
        text = value
    elif value is None:
        return ""
    elif isinstance(value, bool):
        raise TypeError("write booleans with yes_no()")
    elif isinstance(value, int | float):
        return value
    else:
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


# How much CSV text a stream gathers before handing it on: large enough that a
# response is not written a row at a time, small enough to stay flat in memory.
CSV_CHUNK_CHARACTERS = 64 * 1024


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence], delimiter: str = ","
) -> Iterator[bytes]:
    """The CSV of `to_csv` in pieces, as `rows` come: for a streamed response or a
    file written as it goes (memory does not grow with the rows)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        if buffer.tell() >= CSV_CHUNK_CHARACTERS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(header: Sequence[str], rows: Iterable[Sequence], delimiter: str = ",") -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs keep the accents."""
    return b"".join(csv_chunks(header, rows, delimiter))


NUMBER_FORMATS = {datetime: "yyyy-mm-dd hh:mm", date: "yyyy-mm-dd", time: "hh:mm"}


def xlsx_file(header: Sequence[str], rows: Iterable[Sequence], title: str) -> tuple[BinaryIO, int]:
    """The table as XLSX in a temporary file, at its start (the caller closes it),
    and how many rows it holds. openpyxl's write-only sheet keeps the rows in a
    temporary file of its own until it zips them: memory does not grow with them.

    Zipped here rather than straight to its destination: a write that fails there
    (a full disk) is then a plain error of copying, where openpyxl's half-written
    zip would fail once more when collected, at some later moment."""
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
    # Written after the rows (at the sheet's end), so it may cover them all.
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{count + 1}"
    file = tempfile.TemporaryFile()  # noqa: SIM115 (returned open: the caller's)
    try:
        workbook.save(file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file, count


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence], title: str) -> bytes:
    file, _count = xlsx_file(header, rows, title)
    with file:
        return file.read()


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


def write_spreadsheet(
    out: BinaryIO,
    fmt: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    title: str,
    delimiter: str = ",",
) -> int:
    """`spreadsheet` written to `out` as the rows come (never whole in memory); how
    many rows it holds."""
    if fmt == "xlsx":
        file, count = xlsx_file(header, rows, title)
        with file:
            shutil.copyfileobj(file, out)
        return count
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for piece in csv_chunks(header, counted(), delimiter):
        out.write(piece)
    return count


# Participants read from the database at a time: fetched through a server-side
# cursor on PostgreSQL (yield_per), so that neither the driver nor the session ever
# holds the whole meeting; each chunk's rows are written before the next is read.
CHUNK_ROWS = 1000


class Answer(NamedTuple):
    """An answer as the export reads it: its value, and a file's name."""

    value: Any
    filename: str | None


def participant_header(language: str, timezone: str) -> list[str]:
    """The columns organisers work with, labelled in `language` (call it within the
    export's force_locale); the registration time in the meeting's `timezone`."""
    return [
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


class Words:
    """The words an export writes again and again (statuses, categories, yes and
    no), each looked up in the export's language once: a translation looked up per
    cell took a third of a 50,000-row export's time."""

    def __init__(self, language: str):
        self.language = language
        self._found: dict = {}

    def label(self, member) -> str:
        """An enum member's label (`member.label`), as text."""
        key = (type(member), member)
        found = self._found.get(key)
        if found is None:
            with force_locale(self.language):
                found = self._found[key] = str(member.label)
        return found

    def yes_no(self, value: bool) -> str:
        found = self._found.get(bool(value))
        if found is None:
            with force_locale(self.language):
                found = self._found[bool(value)] = yes_no(bool(value))
        return found


def participant_row(p, words: Words, zone: ZoneInfo) -> list:
    """`participant_header`'s cells for one person, its words in the export's
    language."""
    return [
        words.label(p.status),
        words.label(p.honorific) if p.honorific else "",
        p.given_name,
        p.family_name,
        p.badge_name,
        p.email,
        p.phone,
        p.delegation.country.name(words.language) if p.delegation else "",
        p.organisation,
        p.position,
        words.label(p.category),
        words.label(p.role),
        p.preferred_language,
        p.dietary_needs,
        p.accessibility_needs,
        words.yes_no(p.needs_visa_letter),
        words.yes_no(p.consent_public_list),
        p.created_at.astimezone(zone).replace(tzinfo=None),
    ]


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
    meeting, query: sa.Select, language: str, *, sensitive: bool = False
) -> tuple[list[str], Iterator[list]]:
    """The organisers' export of the participants `query` selects (the list's
    `participants_query`, in its order): the header now, the rows as they are read.
    `participant_header`'s columns, "Takes part" for a meeting not only in person,
    then one per question (`exported_questions`) with typed cells: numbers as
    numbers, dates as dates, yes/no as the word, choices and countries by their
    names in `language`, a file by its name.

    One statement, streamed in chunks of CHUNK_ROWS, whatever the number of people:
    each person's answers come with them, gathered by the database into one JSON
    array per row (a query per chunk would grow with the meeting; reading all the
    answers first would hold them all)."""
    questions = exported_questions(meeting, sensitive=sensitive)
    online_column = meeting.participation_mode != participation.IN_PERSON
    with force_locale(language):
        header = participant_header(language, meeting.timezone)
        modes = {key: str(label) for key, label in participation.ATTENDANCE_MODES.items()}
        if online_column:
            header.append(_("Takes part"))
        header += [question_header(q, meeting, language) for q in questions]
    countries = (
        country_names(language) if any(q.type is QuestionType.COUNTRY for q in questions) else {}
    )
    if questions:
        query = query.add_columns(_answers_column([q.id for q in questions]))
    zone = ZoneInfo(meeting.timezone)

    words = Words(language)
    # An answer's cell, by question and value, for the types whose cell depends on
    # the value alone (a choice's label, a country's name: looked up once each).
    same_cell = (QuestionType.CHOICE, QuestionType.COUNTRY, QuestionType.YES_NO)
    cells: dict = {}

    def cell(question: FormQuestion, answer: Answer | None):
        if answer is None or question.type not in same_cell or not _hashable(answer.value):
            return answer_cell(question, answer, meeting, language, countries)
        key = (question.id, type(answer.value), answer.value)
        if key not in cells:
            cells[key] = answer_cell(question, answer, meeting, language, countries)
        return cells[key]

    def rows() -> Iterator[list]:
        result = db.session.execute(query.execution_options(yield_per=CHUNK_ROWS))
        for chunk in result.partitions():
            # The chunk made in the export's language; written outside it.
            with force_locale(language):
                made = []
                for found in chunk:
                    participant = found[0]
                    row = participant_row(participant, words, zone)
                    if online_column:
                        # participation.mode_of, from the meeting at hand: the
                        # participant's own (lazy) link to it costs a look-up each.
                        online = participation.online(meeting, participant.attendance_mode)
                        row.append(
                            modes[participation.ONLINE if online else participation.IN_PERSON]
                        )
                    if questions:
                        given = _answers(found[1])
                        row += [cell(q, given.get(q.id)) for q in questions]
                    made.append(row)
            yield from made

    return header, rows()


def _answers_column(question_ids: list[int]) -> sa.ScalarSelect:
    """A column of the participants query: the person's answers to these questions
    as one JSON array of [question id, value, file name] (or NULL, or [], for none)."""
    if db.session.get_bind().dialect.name == "postgresql":
        item = sa.func.json_build_array(
            FormAnswer.question_id, FormAnswer.value, StoredFile.filename
        )
        gathered = sa.func.json_agg(item)
    else:  # SQLite keeps JSON as text: json() makes the value JSON again, not a string
        item = sa.func.json_array(
            FormAnswer.question_id, sa.func.json(FormAnswer.value), StoredFile.filename
        )
        gathered = sa.func.json_group_array(item)
    return (
        sa.select(gathered)
        .select_from(FormAnswer)
        .outerjoin(StoredFile, StoredFile.id == FormAnswer.file_id)
        .where(
            FormAnswer.participant_id == Participant.id, FormAnswer.question_id.in_(question_ids)
        )
        .scalar_subquery()
    )


def _hashable(value) -> bool:
    return isinstance(value, str | bool | int | float)


def _answers(gathered) -> dict[int, Answer]:
    """{question id: answer} from `_answers_column` (PostgreSQL's driver gives the
    JSON decoded; SQLite's, as text)."""
    if isinstance(gathered, str):
        gathered = json.loads(gathered)
    return {question_id: Answer(value, filename) for question_id, value, filename in gathered or ()}


def answer_cell(
    question: FormQuestion, answer: Answer | None, meeting, language: str, countries: dict
):
    """One answer as a typed cell (None: no answer). Call it within the export's
    force_locale (yes and no are words of its language)."""
    if answer is None:
        return None
    if question.type in FILE_TYPES:
        return answer.filename
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
