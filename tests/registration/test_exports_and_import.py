"""Participant exports (CSV, XLSX, command line) and the CSV import with preview."""

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from meeting_app.accounts.models import Role
from meeting_app.core import tasks as core_tasks
from meeting_app.extensions import db
from meeting_app.mail import services as mail
from meeting_app.mail.models import MailStatus, OutgoingMail
from meeting_app.registration import exports, importer, manage_views
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.conftest import registration_data
from tests.mail.servers import record_smtp_connections

DANGEROUS = [
    '=HYPERLINK("http://evil.example")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\tTabbed",
    "\rReturn",
    # Phone-like, but a valid formula: a number (+ lost) or a subtraction (-4654).
    "+221771234567",
    "+1-555-0100",
]
PHONE = "+33 1 23 45 67 89"


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")


@pytest.mark.parametrize("value", DANGEROUS)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value):
    assert exports.safe_cell(value) == "'" + value
    assert exports.safe_cell("Équateur = Ecuador") == "Équateur = Ecuador"
    assert exports.safe_cell(3) == 3


@pytest.mark.parametrize(
    "phone", [PHONE, "+221 77 123 45 67", "+1 (555) 010-0100", "-33 1 23", "+ 33 1 23 45"]
)
def test_phone_numbers_that_cannot_be_formulas_stay_readable_in_csv(phone):
    """Bad outcome tried: "+221 77 123 45 67" written "'+221 77 123 45 67", which
    Excel shows with its apostrophe, although digits, spaces and + - ( ) . can make
    no formula that runs or reads anything, and spaced digits make no formula at all."""
    assert exports.safe_cell(phone) == phone


@pytest.mark.parametrize("phone", ["030/1234567", "+221 77 CALL ME", "+++++"])
def test_the_form_refuses_phone_numbers_with_other_characters(client, open_meeting, phone):
    """Bad input tried: a phone number with a slash or letters, which the exports
    could not leave unprotected; the field says what it takes."""
    meeting = open_meeting(slug="board")
    response = client.post(
        "/meetings/board/register",
        data=registration_data(meeting, phone=phone),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "Use digits, spaces and + ( ) - . only." in response.get_data(as_text=True)


@pytest.fixture
def people(open_meeting, make_participant):
    meeting = open_meeting(slug="board")
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    make_participant(
        meeting,
        given_name="Ndèye",
        family_name="Đorđević",
        delegation=senegal,
        organisation=DANGEROUS[0],
        phone=PHONE,
        status=RegistrationStatus.APPROVED,
        needs_visa_letter=True,
        created_at=REGISTERED,
    )
    make_participant(
        meeting,
        given_name="Айгүл",
        family_name="Сыдыкова",
        organisation="@Ministry",
        phone="+221771234567",
        status=RegistrationStatus.WAITLISTED,
        created_at=REGISTERED,
    )
    return meeting


# 13:30 UTC: 14:30 in Casablanca (the test meetings' zone, UTC+1 in January).
REGISTERED = datetime(2027, 1, 10, 13, 30, tzinfo=UTC)


def test_csv_export_keeps_accents_and_neutralises_formulas(client, organiser, people):
    """Bad outcomes tried: a formula let through; a phone number made unreadable; the
    Content-Type's charset twice; True/False and a UTC time in an organiser's list."""
    response = client.get(
        "/manage/meetings/board/registrations/export.csv?sep=comma",
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="board-participants.csv"' in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Statut", "Civilité", "Prénom", "Nom de famille"]
    body = {cell for row in rows[1:] for cell in row}
    assert {"Ndèye", "Đorđević", "Айгүл", "Сыдыкова", "Sénégal"} <= body
    assert "'" + DANGEROUS[0] in body and "'@Ministry" in body and "'+221771234567" in body
    assert PHONE in body
    assert not any(cell.startswith(("=", "+", "@")) for cell in body if cell != PHONE)
    with force_locale("fr"):
        yes, no = gettext("Yes"), gettext("No")
    by_name = {row[3]: row for row in rows[1:]}
    assert by_name["Đorđević"][15] == yes and by_name["Сыдыкова"][15] == no
    assert by_name["Đorđević"][17] == "2027-01-10 14:30"  # the meeting's time, not UTC


def test_csv_with_semicolons_for_spreadsheets_in_french_or_spanish(client, organiser, people):
    """Bad outcome tried: only commas, which a spreadsheet program set to French or
    Spanish (comma = decimal mark) opens as one column per line."""
    page = client.get("/manage/meetings/board/registrations/").get_data(as_text=True)
    assert "export.csv?sep=semicolon" in page and "export.csv?sep=comma" in page
    semicolons = client.get("/manage/meetings/board/registrations/export.csv?sep=semicolon")
    rows = list(csv.reader(io.StringIO(semicolons.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Status", "Title", "Given name"] and len(rows) == 3
    # The default: ';' where the comma is the decimal mark (Russian too), ',' elsewhere.
    for language, separator in (("fr", ";"), ("es", ";"), ("en", ","), ("ru", ";"), ("ar", ",")):
        response = client.get(
            "/manage/meetings/board/registrations/export.csv",
            headers={"Accept-Language": language},
        )
        first_line = response.get_data(as_text=True).splitlines()[0]
        assert first_line.count(separator) == 17, (language, first_line)
    delegations = client.get("/manage/meetings/board/delegations/export.csv?sep=semicolon")
    assert delegations.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert delegations.get_data(as_text=True).splitlines()[0].startswith("\ufeffCountry;ISO code;")
    arrivals = client.get("/desk/meetings/board/arrivals.csv?sep=semicolon")
    assert arrivals.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert arrivals.get_data(as_text=True).startswith("\ufeffFamily name;Given name;")


def test_export_follows_the_list_filters(client, organiser, people):
    response = client.get("/manage/meetings/board/registrations/export.csv?status=waitlisted")
    text = response.get_data().decode("utf-8-sig")
    assert "Сыдыкова" in text and "Đorđević" not in text


def test_xlsx_cells_are_typed_with_a_frozen_filtered_header(client, organiser, people):
    """Bad outcomes tried: text cells carrying an apostrophe (or, without it, read as
    formulas), the registration time as UTC text, booleans as TRUE/FALSE, and a
    header that scrolls away with no filter."""
    response = client.get(
        "/manage/meetings/board/registrations/export.xlsx", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:R3"
    header = [cell.value for cell in sheet[1]]
    assert header[17].startswith("Registered on (") and "Casablanca" in header[17]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert not any(isinstance(c.value, str) and c.value.startswith("'") for c in cells)
    by_name = {row[3].value: row for row in sheet.iter_rows(min_row=2)}
    first = by_name["Đorđević"]
    assert first[8].value == DANGEROUS[0] and first[8].data_type == "s"  # text, as entered
    assert first[6].value == PHONE and by_name["Сыдыкова"][6].value == "+221771234567"
    assert first[15].value == "Yes" and by_name["Сыдыкова"][15].value == "No"
    assert first[17].is_date and first[17].value == datetime(2027, 1, 10, 14, 30)
    assert first[17].number_format == "yyyy-mm-dd hh:mm"


def test_command_line_exports_participants_and_delegations(runner, people, tmp_path):
    out = tmp_path / "approved.xlsx"
    result = runner.invoke(
        args=[
            "export",
            "participants",
            "--meeting",
            "board",
            "--out",
            str(out),
            "--status",
            "approved",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1 participant written" in result.output
    sheet = load_workbook(out).active
    assert sheet.max_row == 2
    csv_out = tmp_path / "delegations.csv"
    result = runner.invoke(
        args=[
            "export",
            "delegations",
            "--meeting",
            "board",
            "--out",
            str(csv_out),
            "--language",
            "fr",
        ]
    )
    assert result.exit_code == 0, result.output
    text = csv_out.read_text(encoding="utf-8-sig")
    assert "Sénégal" in text and "Maroc" in text
    bad = runner.invoke(
        args=["export", "participants", "--meeting", "nowhere", "--out", str(tmp_path / "x.csv")]
    )
    assert bad.exit_code == 1 and "No meeting" in bad.output
    wrong = runner.invoke(
        args=["export", "participants", "--meeting", "board", "--out", str(tmp_path / "x.pdf")]
    )
    assert wrong.exit_code == 1 and ".csv or .xlsx" in wrong.output


CSV_FILE = (
    "given_name,family_name,email,organisation,category,delegation,needs_visa_letter\r\n"
    "Awa,Ndiaye,awa@example.org,Ville de Dakar,local_government,SN,yes\r\n"
    ",Nameless,nameless@example.org,Org,donor,,\r\n"
    "Bad,Email,not-an-email,Org,donor,,\r\n"
    "Zed,Country,zed@example.org,Org,donor,ZZ,\r\n"
    "Again,Awa,AWA@example.org,Org,donor,,\r\n"
    "Уулу,Бакыт,bakyt@example.org,\"=cmd|' /C calc'!A0\",civil_society,,no\r\n"
)


def _upload(client, content: bytes, name="people.csv"):
    return client.post(
        "/manage/meetings/board/registrations/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def test_import_preview_shows_which_rows_fail_and_why_and_saves_nothing(
    client, organiser, open_meeting
):
    open_meeting(slug="board")
    response = _upload(client, CSV_FILE.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rows that can be imported: 2. Rows with problems, left out: 4." in html
    assert "Enter your given name." in html
    assert "Enter a valid e-mail address." in html
    assert "no delegation for “ZZ”" in html
    assert "on an earlier line of the file" in html
    assert db.session.execute(db.select(Participant)).first() is None


def test_import_confirmed_stores_the_good_rows_and_mails_them(
    client, organiser, open_meeting, inbox
):
    meeting = open_meeting(slug="board")
    preview = _upload(client, CSV_FILE.encode()).get_data(as_text=True)
    assert 'name="content"' in preview
    response = client.post(
        "/manage/meetings/board/registrations/import", data={"content": CSV_FILE}
    )
    assert response.status_code == 302
    people = {p.email: p for p in meeting.participants}
    assert set(people) == {"awa@example.org", "bakyt@example.org"}
    assert people["awa@example.org"].delegation.country_code == "SN"
    assert people["awa@example.org"].needs_visa_letter is True
    assert people["bakyt@example.org"].organisation == "=cmd|' /C calc'!A0"  # stored as text
    assert len(inbox.messages) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("nom;prénom\nA;B\n".encode(), "Columns missing from the first line"),
        (
            "given_name,family_name,email,organisation,category\nÉ,F,e@x.org,O,donor\n".encode(
                "latin-1"
            ),
            "not UTF-8",
        ),
    ],
)
def test_import_refuses_a_file_it_cannot_read(client, organiser, open_meeting, content, message):
    open_meeting(slug="board")
    response = _upload(client, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_import_accepts_semicolons_and_a_byte_order_mark(client, organiser, open_meeting):
    open_meeting(slug="board")
    content = (
        "\ufeffgiven_name;family_name;email;organisation;category\n"
        "Jovana;Petrović;jovana@example.org;Grad Beograd;local_government\n"
    )
    html = _upload(client, content.encode()).get_data(as_text=True)
    assert "Rows that can be imported: 1. Rows with problems, left out: 0." in html


def _people_csv(count: int, start: int = 0) -> str:
    """`count` good rows: Senegal, Morocco, no delegation, in turn."""
    lines = ["given_name,family_name,email,organisation,category,delegation"]
    lines += [
        f"Awa,Ndiaye {i},awa{i}@example.org,Ville de Dakar,local_government,"
        + ("SN", "MA", "")[i % 3]
        for i in range(start, start + count)
    ]
    return "\r\n".join(lines) + "\r\n"


def test_import_refuses_more_than_its_row_limit_before_checking_any_row(
    client, organiser, open_meeting, monkeypatch
):
    """Bad outcomes tried: a file over the limit checked row by row (a form, queries)
    up to the limit, and only then refused, long after the worker's timeout; a file
    at the limit refused for the empty line at its end; a file of empty lines read
    to its end."""
    open_meeting(slug="board")
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    checked = []
    check_row = importer._check_row
    monkeypatch.setattr(importer, "_check_row", lambda *a: checked.append(1) or check_row(*a))
    response = _upload(client, _people_csv(4).encode())
    assert response.status_code == 422
    assert "At most 3 rows at a time." in response.get_data(as_text=True)
    assert checked == []
    at_the_limit = _upload(client, (_people_csv(3) + ",,,,,\r\n\r\n").encode())
    assert "Rows that can be imported: 3." in at_the_limit.text
    blank = _upload(client, (_people_csv(0) + ",,,,,\r\n" * 7).encode())
    assert blank.status_code == 422 and "At most 3 rows at a time." in blank.text


def test_import_work_does_not_grow_query_by_query_with_the_rows(
    client, organiser, open_meeting, make_participant, monkeypatch
):
    """Bad outcome tried: per row, a query for the address, a form built with its 250
    countries, two seat UPDATEs and a flush: 1,000 rows took 16 s, 5,000 killed the
    worker. Here the statements other than the INSERTs are as many for 60 rows as
    for 6, and the seats still go in the file's order: Senegal's five, then the
    meeting's forty; the others wait, each told so by e-mail."""
    meeting = open_meeting(slug="board", capacity=40)
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    senegal.size_limit = 5
    db.session.commit()
    make_participant(meeting, email="awa101@example.org", status=RegistrationStatus.CANCELLED)
    path = "/manage/meetings/board/registrations/import"

    def statements(send) -> int:
        seen = []

        def count(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith("INSERT"):
                seen.append(statement)

        sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
        try:
            send()
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
        return len(seen)

    # The request's statements: the delivery tasks it starts (one UPDATE per mail
    # sent, after the response) are left out.
    monkeypatch.setattr(core_tasks, "send", lambda task, *args: None)
    few, many = _people_csv(6), _people_csv(60, start=100)
    _upload(client, few.encode())  # the meeting's lists are read once per process, then kept
    preview_few = statements(lambda: _upload(client, few.encode()))
    html = []
    preview_many = statements(lambda: html.append(_upload(client, many.encode()).text))
    assert "Rows that can be imported: 59. Rows with problems, left out: 1." in html[0]
    assert preview_many == preview_few
    import_few = statements(lambda: client.post(path, data={"content": few}))
    import_many = statements(lambda: client.post(path, data={"content": many}))
    assert import_many <= import_few + 2

    db.session.expire_all()
    people = {p.family_name: p for p in meeting.participants if p.family_name.startswith("N")}
    seated = [p for p in people.values() if p.holds_seat]
    assert meeting.seats_taken == len(seated) == 40
    assert senegal.seats_taken == 5
    assert people["Ndiaye 108"].status is RegistrationStatus.SUBMITTED  # Senegal's 3rd new
    assert people["Ndiaye 111"].status is RegistrationStatus.WAITLISTED  # Senegal full
    assert people["Ndiaye 159"].status is RegistrationStatus.WAITLISTED  # meeting full
    assert sum(p.status is RegistrationStatus.WAITLISTED for p in people.values()) == 65 - 40
    mails = db.session.execute(db.select(OutgoingMail)).scalars().all()
    assert len(mails) == 65 and {m.participant_id for m in mails} == {p.id for p in people.values()}
    waiting = next(m for m in mails if m.participant_id == people["Ndiaye 159"].id)
    assert "waiting list" in waiting.body_text
    assert all(len(p.changes) == 1 for p in people.values())


def test_an_import_hands_the_mail_server_a_bounded_number_of_mails(
    client, organiser, open_meeting, inbox, monkeypatch
):
    """Bad outcomes tried: the confirmations of thousands of people sent over SMTP in
    the request, which the worker's timeout kills, or all made as objects (seconds
    to store). The request stores its first ones as objects, for one delivery task,
    and the others as plain rows, for the sweep; neither speaks SMTP in the request,
    and every confirmation goes out once."""
    monkeypatch.setattr(mail, "DELIVER_IN_REQUEST", 2)
    monkeypatch.setattr(manage_views, "DELIVER_IN_REQUEST", 2)
    started = []
    send = core_tasks.send
    monkeypatch.setattr(
        core_tasks,
        "send",
        lambda task, *args: (started.append((task.name, args)), send(task, *args)),
    )
    connections = record_smtp_connections(monkeypatch)
    open_meeting(slug="board")
    response = client.post(
        "/manage/meetings/board/registrations/import",
        data={"content": _people_csv(3)},
        follow_redirects=True,
    )
    assert "3 registrations imported." in response.text
    assert "leave from the outbox over the next few minutes" in response.text
    mails = db.session.execute(db.select(OutgoingMail).order_by(OutgoingMail.id)).scalars().all()
    assert [name for name, _ in started] == ["mail.deliver", "mail.sweep"]
    assert started[0][1] == ([m.id for m in mails[:2]],)
    assert connections and not any(connections)  # after the response, not within it
    assert [m.status for m in mails] == [MailStatus.SENT] * 3
    assert sorted(m["Message-ID"] for m in inbox.messages) == sorted(m.message_id for m in mails)


def test_import_reads_yes_no_and_country_names_in_arabic_and_russian(make_meeting):
    """A file from Rabat or Bishkek: yes and no in Arabic or Russian, a country by
    its name in any of the five languages."""
    from meeting_app.questions.models import FormQuestion, QuestionType

    meeting = make_meeting()
    yes_no = FormQuestion(id=1, type=QuestionType.YES_NO)
    country = FormQuestion(id=2, type=QuestionType.COUNTRY)
    for word, answer in (("نعم", True), ("لا", False), ("Да", True), ("нет", False)):
        assert importer.convert(yes_no, word, meeting, "ar") is answer, word
    countries = importer.AnswerReader(meeting, [country], "ru").countries
    for name, code in (
        ("المغرب", "MA"),
        ("Киргизия", "KG"),
        ("Kirghizstan", "KG"),
        ("Senegal", "SN"),
        ("Túnez", "TN"),
    ):
        assert importer.convert(country, name, meeting, "ru", countries) == code, name
