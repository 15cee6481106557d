"""The participant export's cells (issue 21): read as plain columns and written by
a converter chosen per column, a CSV holds what writing each typed cell through
`safe_cell` gives, whatever the kind of cell, the meeting's mode and the language:
formulas neutralised in text (names, answers, option labels, file names), phone
numbers left readable, labels, times and numbers as they are."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType
from meeting_app.registration import exports
from meeting_app.registration.models import (
    Category,
    Honorific,
    Participant,
    ParticipantRole,
    RegistrationStatus,
)
from meeting_app.registration.queries import Filters, participants_query

T = QuestionType
ANSWERS = {
    T.TEXT: ["=cmd", "Vol AF 12", "", "+221 77 123 45 67", None],
    T.NUMBER: [3, 2.5, "12", True],
    T.DATE: ["2027-01-02", "not a date", 5],
    T.YES_NO: [True, False, "yes"],
    T.CHOICE: ["veg", "halal", "unknown"],
    T.CHOICES: [["veg", "halal"], ["zzz"], "veg"],
    T.COUNTRY: ["MA", "XX"],
}
OPTIONS = [
    {"value": "veg", "label": {"en": "Vegetarian", "fr": "Végétarien"}},
    {"value": "halal", "label": {"en": "=Halal"}},
]
TEXTS = ["=SUM(A1)", "+221 77 123 45 67", "+221771234567", "Ñúñez", 'a;b,c"d', "\tTab", "@x"]


@pytest.fixture
def meeting(open_meeting):
    meeting = open_meeting(slug="cells", capacity=None, participation_mode="hybrid")
    delegations = list(meeting.delegations)
    questions = [
        FormQuestion(
            meeting=meeting,
            position=position,
            key=kind.value,
            type=kind,
            label={"en": kind.value, "fr": f"Libellé {kind.value}"},
            options=OPTIONS if kind in (T.CHOICE, T.CHOICES) else None,
        )
        for position, kind in enumerate([*ANSWERS, T.FILE])
    ]
    document = StoredFile(
        meeting_id=meeting.id,
        filename="=passport.pdf",
        content_type="application/pdf",
        size=4,
        sha256="",
        content=b"%PDF",
    )
    db.session.add_all([*questions, document])
    people = [
        Participant(
            meeting=meeting,
            honorific=[None, *Honorific][n % (len(Honorific) + 1)],
            given_name=TEXTS[n % len(TEXTS)],
            family_name=f"Family {n:02d}",
            badge_name=TEXTS[(n + 1) % len(TEXTS)],
            email=f"p{n}@example.org",
            phone=TEXTS[(n + 2) % 3 + 1] if n % 2 else "",
            organisation=TEXTS[(n + 3) % len(TEXTS)],
            delegation=delegations[n % 2] if n % 3 else None,
            category=list(Category)[n % len(Category)],
            role=list(ParticipantRole)[n % len(ParticipantRole)],
            status=list(RegistrationStatus)[n % len(RegistrationStatus)],
            needs_visa_letter=bool(n % 2),
            attendance_mode="online" if n % 3 == 0 else "in_person",
            created_at=datetime(2027, 3, 28, 0, 30, tzinfo=UTC) + timedelta(hours=5 * n),
        )
        for n in range(21)
    ]
    db.session.add_all(people)
    db.session.flush()
    answers = []
    for n, person in enumerate(people):
        for q in questions:
            if q.type is T.FILE:
                answers.append(
                    {"participant_id": person.id, "question_id": q.id, "file_id": document.id}
                )
            elif n % 4 != 3:
                values = ANSWERS[q.type]
                answers.append(
                    {
                        "participant_id": person.id,
                        "question_id": q.id,
                        "value": values[n % len(values)],
                    }
                )
    db.session.execute(sa.insert(FormAnswer), answers)
    db.session.commit()
    return meeting


def _column(header: list[str], ending: str) -> int:
    return next(i for i, heading in enumerate(header) if heading.endswith(ending))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_column_is_written_as_safe_cell_writes_each_of_its_cells(
    app_context, meeting, language
):
    header, rows = exports.participant_export(
        meeting, participants_query(meeting, Filters(order="date")), language
    )
    typed = list(rows)
    assert len(typed) == 21
    written = exports.to_csv(header, typed, ";")
    # The same rows under plain headings: every cell through safe_cell.
    assert written == exports.to_csv([str(h) for h in header], typed, ";")
    lines = list(csv.reader(io.StringIO(written.decode("utf-8")[1:]), delimiter=";"))[1:]
    given = 2
    assert [line[given] for line in lines[:2]] == ["'=SUM(A1)", "+221 77 123 45 67"]
    assert lines[0][_column(header, "(file)")] == "'=passport.pdf"
    # 00:30 UTC on 28 March 2027: 01:30 in Casablanca (UTC+1), as a spreadsheet's time.
    registered = 17  # the last of the participant's own columns
    assert typed[0][registered] == datetime(2027, 3, 28, 1, 30)
    assert lines[0][registered] == "2027-03-28 01:30"
    choice = _column(header, "(choice)")
    vegetarian = "Vegetarian" if language == "en" else "Végétarien"
    assert [row[choice] for row in typed[:3]] == [vegetarian, "=Halal", "unknown"]
    assert lines[1][choice] == "'=Halal"
    number = _column(header, "(number)")
    assert [row[number] for row in typed[:4]] == [3, 2.5, "12", None]
    day = _column(header, "(date)")
    assert typed[0][day] == date(2027, 1, 2) and lines[0][day] == "2027-01-02"


def test_the_xlsx_holds_the_same_rows(app_context, meeting):
    header, rows = exports.participant_export(
        meeting, participants_query(meeting, Filters(order="date")), "en"
    )
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(header, rows, "cells"))).active
    read = list(sheet.iter_rows(values_only=True))
    assert len(read) == 22 and read[0] == tuple(header)
    assert read[1][header.index("Given name")] == "=SUM(A1)"  # text, not a formula
    assert read[-1][header.index("Family name")] == "Family 20"
