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
import operator
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.numbers import get_decimal_symbol
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from meeting_app.core.i18n import zone_name
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.meetings.models import Country
from meeting_app.questions.answers import is_empty, option_label, questions_of, text
from meeting_app.questions.models import FILE_TYPES, FormAnswer, FormQuestion, QuestionType
from meeting_app.registration import participation
from meeting_app.registration.forms import country_names
from meeting_app.registration.models import (
    Category,
    Honorific,
    Participant,
    ParticipantRole,
    RegistrationStatus,
)

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


def _csv_text(text: str | None) -> str | None:
    """`safe_cell` for a cell known to hold text (or nothing): its first character
    looked at, no more (a CSV writes None as it writes "")."""
    if text and text[0] in FORMULA_STARTS and not _readable_phone(text):
        return "'" + text
    return text


def _csv_words(words: Iterable[str]) -> Callable[[str], str] | None:
    """How a CSV writes a column of these words only (labels, yes and no): as they
    are (None), unless a translation starts as a formula would."""
    return None if all(safe_cell(w) == w for w in words) else _csv_text


_CSV_TIME = operator.methodcaller("strftime", "%Y-%m-%d %H:%M")  # as _text writes it


class Column(str):
    """A column's heading, and how a CSV writes its cells (`csv_cell`: a function
    of the cell, None for the cell as it is). A column whose cells are all of one
    kind (text, labels, times) is written without looking at each cell's type;
    any other, through `safe_cell`."""

    csv_cell: Callable | None

    def __new__(cls, heading: str, csv_cell: Callable | None = safe_cell):
        column = super().__new__(cls, heading)
        column.csv_cell = csv_cell
        return column


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
# is the decimal mark (French, Spanish, Russian; not English nor Arabic, whose
# Babel decimal mark is the point): there, a comma-separated file opens in one column.
DELIMITERS = {"comma": ",", "semicolon": ";"}


def csv_delimiter(choice: str | None, language: str) -> str:
    """The separator asked for (`?sep=comma` or `semicolon`), else the one the
    reader's spreadsheet program most likely expects."""
    return DELIMITERS.get(choice or "", ";" if get_decimal_symbol(language) == "," else ",")


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
    written = [getattr(h, "csv_cell", safe_cell) for h in header]
    if all(write is safe_cell for write in written):
        lines = ([safe_cell(cell) for cell in row] for row in rows)
    else:  # the header's Columns say how
        lines = (
            [
                cell if write is None else write(cell)
                for write, cell in zip(written, row, strict=True)
            ]
            for row in rows
        )
    for line in lines:
        writer.writerow(line)
        if buffer.tell() >= CSV_CHUNK_CHARACTERS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(header: Sequence[str], rows: Iterable[Sequence], delimiter: str = ",") -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs keep the accents."""
    return b"".join(csv_chunks(header, rows, delimiter))


NUMBER_FORMATS = {datetime: "yyyy-mm-dd hh:mm", date: "yyyy-mm-dd", time: "hh:mm"}


def xlsx_file(
    header: Sequence[str], rows: Iterable[Sequence], title: str, *, right_to_left: bool = False
) -> tuple[BinaryIO, int]:
    """The table as XLSX in a temporary file, at its start (the caller closes it),
    and how many rows it holds (`right_to_left`: the sheet's columns run from the
    right, as an Arabic reader's do). openpyxl's write-only sheet keeps the rows in a
    temporary file of its own until it zips them: memory does not grow with them.

    Zipped here rather than straight to its destination: a write that fails there
    (a full disk) is then a plain error of copying, where openpyxl's half-written
    zip would fail once more when collected, at some later moment."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    # Set before the first row: the write-only sheet writes its views and columns then.
    sheet.freeze_panes = "A2"
    sheet.sheet_view.rightToLeft = right_to_left or None
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


def to_xlsx(
    header: Sequence[str], rows: Iterable[Sequence], title: str, *, right_to_left: bool = False
) -> bytes:
    file, _count = xlsx_file(header, rows, title, right_to_left=right_to_left)
    with file:
        return file.read()


def _xlsx_cell(sheet, value, font=None):
    if type(value) is str and font is None and value[:1] != "=":  # most cells: at once
        return value or None
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


# The kinds of the participant export's own columns (`_fields`): text as it is
# read, yes or no, the registration time, or a LabelledEnum (its label).
TEXT, YES_NO, LOCAL_TIME = "text", "yes_no", "local_time"


def _fields(meeting, language: str) -> list[tuple[str, sa.ColumnElement, Any]]:
    """The columns organisers work with: (heading in `language`, what is read, its
    kind). Call it within the export's force_locale."""
    p = Participant
    # Country.name(language): the name in `language`, else in English; "" for none.
    country = Country.name_column(language)
    delegation = sa.func.coalesce(sa.func.nullif(country, ""), Country.name_en, "")
    zone = zone_name(meeting.timezone, language)
    return [
        (_("Status"), p.status, RegistrationStatus),
        (_("Title"), p.honorific, Honorific),
        (_("Given name"), p.given_name, TEXT),
        (_("Family name"), p.family_name, TEXT),
        (_("Name as printed on your badge"), p.badge_name, TEXT),
        (_("E-mail"), p.email, TEXT),
        (_("Phone"), p.phone, TEXT),
        (_("Delegation"), delegation, TEXT),
        (_("Organisation"), p.organisation, TEXT),
        (_("Position"), p.position, TEXT),
        (_("Category"), p.category, Category),
        (_("Role"), p.role, ParticipantRole),
        (_("Preferred language for e-mails"), p.preferred_language, TEXT),
        (_("Dietary needs"), p.dietary_needs, TEXT),
        (_("Accessibility needs"), p.accessibility_needs, TEXT),
        (_("Visa invitation letter"), p.needs_visa_letter, YES_NO),
        (_("Public list of delegations"), p.consent_public_list, YES_NO),
        (_("Registered on (%(zone)s)", zone=zone), p.created_at, LOCAL_TIME),
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
) -> tuple[list[Column], Iterator[list]]:
    """The organisers' export of the participants `query` selects (the list's
    `participants_query`, in its order): the header now, the rows as they are read.
    `_fields`' columns, "Takes part" for a meeting not only in person, then one per
    question (`exported_questions`) with typed cells: numbers as numbers, dates as
    dates, yes/no as the word, choices and countries by their names in `language`,
    a file by its name.

    One statement, streamed in chunks of CHUNK_ROWS, whatever the number of people:
    plain columns (no objects made per person), with each person's answers gathered
    by the database into one JSON array per row (a query per chunk would grow with
    the meeting; reading all the answers first would hold them all). Each column's
    cells are made by one converter chosen here, its words looked up once; the
    header's `Column`s tell a CSV which cells can hold a formula (text) and which
    cannot (labels, dates)."""
    questions = exported_questions(meeting, sensitive=sensitive)
    online_column = meeting.participation_mode != participation.IN_PERSON
    with force_locale(language):
        fields = _fields(meeting, language)
        words = {True: _("Yes"), False: _("No")}
        places = {key: str(label) for key, label in participation.ATTENDANCE_MODES.items()}
        labels = {
            kind: {member: str(member.label) for member in kind} | {None: ""}
            for _heading, _column, kind in fields
            if isinstance(kind, type)
        }
        takes_part = _("Takes part")
    zone = ZoneInfo(meeting.timezone)

    def local(value: datetime) -> datetime:
        return value.astimezone(zone).replace(tzinfo=None)

    header: list[Column] = []
    columns = []
    # For each column read: how its value becomes the cell (None: as it is).
    made: list[Callable | None] = []
    for heading, column, kind in fields:
        columns.append(column)
        if kind == TEXT:
            made.append(None)
            header.append(Column(heading, _csv_text))
        elif kind == YES_NO:
            made.append(words.__getitem__)
            header.append(Column(heading, _csv_words(words.values())))
        elif kind == LOCAL_TIME:
            made.append(local)
            header.append(Column(heading, _CSV_TIME))
        else:
            made.append(labels[kind].__getitem__)
            header.append(Column(heading, _csv_words(labels[kind].values())))
    if online_column:
        # participation.online, said by the database: True or False (1 or 0).
        modes = {True: places[participation.ONLINE], False: places[participation.IN_PERSON]}
        columns.append(participation.online_clause(meeting))
        made.append(modes.__getitem__)
        header.append(Column(takes_part, _csv_words(modes.values())))
    countries = (
        country_names(language) if any(q.type is QuestionType.COUNTRY for q in questions) else {}
    )
    # Answers of the TYPED types through safe_cell (a number, a date or text); of
    # the others, text or nothing.
    header += [
        Column(question_header(q, meeting, language), safe_cell if q.type in TYPED else _csv_text)
        for q in questions
    ]
    if questions:
        columns.append(_answers_column([q.id for q in questions]))
    at = {q.id: index for index, q in enumerate(questions)}
    answer_cells = [answer_cells_of(q, meeting, language, countries, words) for q in questions]
    statement = (
        query.with_only_columns(*columns, maintain_column_froms=False)
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .outerjoin(Country, Country.code == Delegation.country_code)
        .execution_options(yield_per=CHUNK_ROWS)
    )

    def rows() -> Iterator[list]:
        if db.session.get_bind().dialect.name == "postgresql":
            # PostgreSQL compiles a plan as costly as a large meeting's (50,000) to
            # machine code first: 0.4 s before the first row, for a statement whose
            # time goes into reading rows, not into expressions. Off for this
            # transaction only.
            db.session.execute(sa.text("SET LOCAL jit = off"))
        result = db.session.execute(statement)
        for chunk in result.partitions():
            for found in chunk:
                # Stops before the answers (the last column, when there is one).
                pairs = zip(made, found, strict=False)
                row = [value if make is None else make(value) for make, value in pairs]
                if questions:
                    cells = [None] * len(questions)
                    for question_id, value, filename in _answers(found[-1]):
                        index = at[question_id]
                        cells[index] = answer_cells[index](value, filename)
                    row += cells
                yield row

    return header, rows()


def _answers_column(question_ids: list[int]) -> sa.ScalarSelect:
    """A column of the participants query: the person's answers to these questions
    as one JSON array of [question id, value, file name] (or NULL, or [], for none)."""
    if db.session.get_bind().dialect.name == "postgresql":
        item = sa.func.json_build_array(
            FormAnswer.question_id, FormAnswer.value, StoredFile.filename
        )
        # As text: decoded here from a str, in a third of the time the driver takes
        # to decode it from bytes.
        gathered = sa.cast(sa.func.json_agg(item), sa.Text)
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


def _answers(gathered: str | None) -> list:
    """[[question id, value, file name], ...] from `_answers_column`'s JSON."""
    return json.loads(gathered) if gathered else []


# The types whose cell depends on the value alone (a choice's label, a country's
# name, yes or no): each value's cell is made once per export.
SAME_CELL = (QuestionType.CHOICE, QuestionType.COUNTRY, QuestionType.YES_NO)
# The types whose cells are numbers or dates, or text when the value is not one.
TYPED = (QuestionType.NUMBER, QuestionType.DATE)


def answer_cells_of(
    question: FormQuestion, meeting, language: str, countries: dict, words: dict[bool, str]
) -> Callable[[Any, str | None], Any]:
    """How an answer to `question` (its value, and a file's name) becomes a typed
    cell, None for none: numbers as numbers, dates as dates, yes and no as `words`
    says them, choices and countries by their names in `language`, a file by its
    name, anything else as text. Chosen once per question; the cells of the types
    in SAME_CELL are remembered per value."""
    kind = question.type
    if kind in FILE_TYPES:
        return lambda _value, filename: filename

    def option(value) -> str:
        return option_label(question, value, meeting, language)

    def cell(value, _filename=None):
        if is_empty(value):
            return None
        if kind is QuestionType.NUMBER and type(value) in (int, float):  # not a bool
            return value
        if kind is QuestionType.DATE:
            try:
                return date.fromisoformat(value)
            except (TypeError, ValueError):
                return str(value)
        if kind is QuestionType.YES_NO:
            return words[bool(value)]
        if kind is QuestionType.CHOICE:
            return option(value)
        if kind is QuestionType.CHOICES:
            return ", ".join(option(v) for v in (value if isinstance(value, list) else [value]))
        if kind is QuestionType.COUNTRY:
            return countries.get(value, str(value))
        return str(value)

    if kind not in SAME_CELL:
        return cell
    found: dict = {}

    def remembered(value, _filename):
        if not _hashable(value):
            return cell(value)
        key = (type(value), value)  # True apart from 1
        if key not in found:
            found[key] = cell(value)
        return found[key]

    return remembered
