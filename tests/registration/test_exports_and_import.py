"""Participant exports (CSV, XLSX, command line) and the CSV import with preview."""

import csv
import io

import pytest
from openpyxl import load_workbook

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.registration import exports
from meeting_app.registration.models import Participant, RegistrationStatus

DANGEROUS = [
    '=HYPERLINK("http://evil.example")',
    "+33 1 23 45 67 89",
    "-2+3",
    "@SUM(A1)",
    "\tTabbed",
    "\rReturn",
]


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")


@pytest.mark.parametrize("value", DANGEROUS)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value):
    assert exports.safe_cell(value) == "'" + value
    assert exports.safe_cell("Équateur = Ecuador") == "Équateur = Ecuador"
    assert exports.safe_cell(3) == 3 and exports.safe_cell(True) is True


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
        phone=DANGEROUS[1],
        status=RegistrationStatus.APPROVED,
    )
    make_participant(
        meeting,
        given_name="Айгүл",
        family_name="Сыдыкова",
        organisation="@Ministry",
        status=RegistrationStatus.WAITLISTED,
    )
    return meeting


def test_csv_export_keeps_accents_and_neutralises_formulas(client, organiser, people):
    response = client.get(
        "/manage/meetings/board/registrations/export.csv", headers={"Accept-Language": "fr"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="board-participants.csv"' in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Statut", "Civilité", "Prénom", "Nom de famille"]
    body = {cell for row in rows[1:] for cell in row}
    assert {"Ndèye", "Đorđević", "Айгүл", "Сыдыкова", "Sénégal"} <= body
    assert "'" + DANGEROUS[0] in body and "'" + DANGEROUS[1] in body and "'@Ministry" in body
    assert not any(cell.startswith(("=", "+", "@")) for cell in body)


def test_export_follows_the_list_filters(client, organiser, people):
    response = client.get("/manage/meetings/board/registrations/export.csv?status=waitlisted")
    text = response.get_data().decode("utf-8-sig")
    assert "Сыдыкова" in text and "Đorđević" not in text


def test_xlsx_export_opens_with_text_cells(client, organiser, people):
    response = client.get("/manage/meetings/board/registrations/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert "Đorđević" in values and "'" + DANGEROUS[0] in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


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
    assert "1 participants written" in result.output
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
