"""The attendance register: who was checked in on each day, per delegation (people
of no delegation per category); its PDF and XLSX; the secretariat's sign-off, the
difference a later one shows, and the communiqué's facts read from it."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.communiques import services as communiques
from meeting_app.desk import services as desk
from meeting_app.extensions import db
from meeting_app.outcomes import register
from meeting_app.outcomes.models import AttendanceSignOff
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import Category

DAY1, DAY2 = date(2022, 6, 13), date(2022, 6, 14)
PAGE = "/desk/meetings/rabat/attendance-register"
SIGN = "/manage/meetings/rabat/outcomes/register/sign-off"


@pytest.fixture
def people(rabat, delegations, make_participant, check_in):
    """Two Senegalese (one both days), a Moroccan on day 2, a UN agency officer of no
    delegation; a check-in undone, and one the day before the meeting."""
    diop = make_participant(rabat, family_name="Diop", delegation=delegations["SN"])
    fall = make_participant(rabat, family_name="Fall", delegation=delegations["SN"])
    alaoui = make_participant(rabat, family_name="العلوي", delegation=delegations["MA"])
    agency = make_participant(rabat, family_name="Smith", category=Category.UN_AGENCY)
    undone = make_participant(rabat, family_name="Undone", delegation=delegations["MA"])
    early = make_participant(rabat, family_name="Early", delegation=delegations["MA"])
    check_in(diop, DAY1)
    check_in(diop, DAY2)
    check_in(fall, DAY1)
    check_in(alaoui, DAY2)
    check_in(agency, DAY1)
    desk.undo(check_in(undone, DAY1))
    check_in(early, date(2022, 6, 12))  # a rehearsal the day before: no attendance
    db.session.commit()
    return {"diop": diop, "fall": fall, "alaoui": alaoui, "agency": agency}


def test_the_register_counts_standing_check_ins_per_day_and_delegation(rabat, people):
    built = register.build(rabat, "en")
    assert built.days == [DAY1, DAY2]
    rows = {g.label: (g.count(DAY1), g.count(DAY2)) for g in built.groups}
    assert rows == {"Morocco": (0, 1), "Senegal": (2, 1), "No delegation: UN agency": (1, 0)}
    assert [g.label for g in built.groups] == ["Morocco", "Senegal", "No delegation: UN agency"]
    assert (built.total(DAY1), built.total(DAY2)) == (3, 2)
    assert built.present == 4
    assert built.countries == ["MA", "SN"]
    figures = register.figures(built)
    assert figures["participants"] == 4 and figures["totals"] == {
        "2022-06-13": 3,
        "2022-06-14": 2,
    }


def test_hosts_read_the_register_and_its_files_but_do_not_sign_it_off(
    client, make_user, login, rabat, people
):
    make_user(Role.HOST, "door@example.org", meetings=[rabat])
    login("door@example.org")
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Not signed off" in html
    assert "Diop, Amina" in html and "Undone" not in html and "Early" not in html
    assert "Sign off the attendance register" not in html  # no form for hosts
    assert client.get(f"{PAGE}.pdf").status_code == 200
    assert client.get(f"{PAGE}.xlsx").status_code == 200
    assert client.post(SIGN, data={"name": "Door"}).status_code == 403
    assert db.session.execute(db.select(AttendanceSignOff)).first() is None


def test_staff_of_another_meeting_and_anonymous_visitors_are_turned_away(
    client, make_user, login, make_meeting, rabat
):
    assert client.get(PAGE).status_code == 302  # to the sign-in page
    other = make_meeting(slug="dakar")
    make_user(Role.ORGANISER, "dakar@example.org", meetings=[other])
    login("dakar@example.org")
    assert client.get(PAGE).status_code == 404
    assert client.get(f"{PAGE}.pdf").status_code == 404
    assert client.post(SIGN, data={"name": "Dakar"}).status_code == 404


def test_the_organiser_signs_off_and_a_later_sign_off_shows_the_difference(
    client, organiser, rabat, people, make_participant, delegations, check_in
):
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="secretariat@example.org"' in page  # the account's name by default
    response = client.post(SIGN, data={"name": "Aïcha Benali", "note": "Checked with the desk"})
    assert response.status_code == 302
    signed = register.latest_sign_off(rabat)
    assert signed.signed_by_name == "Aïcha Benali"
    assert signed.signed_by_user_id == organiser.id
    assert signed.note == "Checked with the desk"
    assert signed.figures["participants"] == 4
    html = client.get(PAGE).get_data(as_text=True)
    assert "Signed off by Aïcha Benali on" in html

    late = make_participant(rabat, family_name="Ndiaye", delegation=delegations["SN"])
    check_in(late, DAY2)
    html = client.get(PAGE).get_data(as_text=True)
    since = html.split("Changes since the last sign-off")[1].split("</ul>")[0]
    assert "Senegal, June 14, 2022: 1 → 2 (+1)" in since
    assert "Total, June 14, 2022: 2 → 3 (+1)" in since
    assert "People present on at least one day: 4 → 5 (+1)" in since

    client.post(SIGN, data={"name": "Aïcha Benali"})
    assert len(register.sign_offs(rabat)) == 2
    html = client.get(PAGE).get_data(as_text=True)
    history = html.split('id="history-heading"')[1]
    assert "Changes since the sign-off before" in history
    assert "Senegal, June 14, 2022: 1 → 2 (+1)" in history
    actions = db.session.execute(db.select(AuditEntry.action)).scalars().all()
    assert actions.count("attendance.signed_off") == 2


def test_a_sign_off_needs_a_name_and_someone_checked_in(client, organiser, rabat, people):
    response = client.post(SIGN, data={"name": "  "})
    assert response.status_code == 422
    assert "Type the name of the person signing off." in response.get_data(as_text=True)
    assert db.session.execute(db.select(AttendanceSignOff)).first() is None


def test_nobody_checked_in_is_nothing_to_sign_off(client, organiser, rabat):
    response = client.post(SIGN, data={"name": "Aïcha"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nobody has been checked in on the meeting&#39;s days: nothing to sign off." in page


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_carries_the_meeting_the_page_numbers_and_the_sign_off_line(
    client, organiser, rabat, people
):
    response = client.get(f"{PAGE}.pdf")
    assert response.mimetype == "application/pdf"
    assert "attendance-register.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "Attendance register" in text
    assert "Board meeting" in text  # the meeting's title in the header
    assert "Not signed off" in text
    assert "1 / 1" in text
    reader = PdfReader(io.BytesIO(response.data))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 portrait

    client.post(SIGN, data={"name": "Aïcha Benali"})
    text = pdf_text(client.get(f"{PAGE}.pdf").data)
    assert "Signed off by Aïcha Benali on" in text
    assert "Not signed off" not in text
    actions = db.session.execute(db.select(AuditEntry.action)).scalars().all()
    assert "attendance.exported" in actions


def test_the_xlsx_lists_each_person_present_per_day(client, organiser, rabat, people):
    response = client.get(f"{PAGE}.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Delegation or category", "Family name", "Given name")
    by_name = {row[1]: row for row in rows[1:] if row[1]}
    assert by_name["Diop"][3:5] == ("present", "present")
    assert by_name["Fall"][3:5] == ("present", None)
    assert by_name["العلوي"][0] == "Morocco"
    assert "Undone" not in by_name and "Early" not in by_name
    assert rows[-2][0] == "Total" and rows[-2][3:5] == (3, 2)
    assert rows[-1][0] == "Not signed off"


def test_the_communiques_facts_read_the_latest_sign_off(
    client, organiser, rabat, people, check_in, make_participant, delegations
):
    before = communiques.placeholder_values(rabat, "en")
    assert before["participants"] == "4"  # the live check-ins, as before any sign-off
    client.post(SIGN, data={"name": "Aïcha Benali"})
    # More arrivals after the sign-off: the facts stay those signed.
    late = make_participant(rabat, family_name="Ndiaye", delegation=delegations["SN"])
    check_in(late, DAY2)
    facts = communiques.placeholder_values(rabat, "en")
    assert facts["participants"] == "4"
    assert facts["participants_text"] == "4 participants"
    assert facts["countries"] == "Morocco and Senegal"
    assert facts["countries_count"] == "2"
    client.post(SIGN, data={"name": "Aïcha Benali"})
    assert communiques.placeholder_values(rabat, "en")["participants"] == "5"


def test_the_command_line_exports_the_register(runner, rabat, people, tmp_path):
    out = tmp_path / "register.pdf"
    result = runner.invoke(
        args=["export", "attendance-register", "--meeting", "rabat", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "4 people present" in result.output
    assert "Non visé" in pdf_text(out.read_bytes())  # "Not signed off", in French
    sheet = tmp_path / "register.xlsx"
    result = runner.invoke(
        args=["export", "attendance-register", "--meeting", "rabat", "--out", str(sheet)]
    )
    assert result.exit_code == 0
    assert load_workbook(sheet).active["A1"].value == "Délégation ou catégorie"  # in French
    bad = runner.invoke(
        args=[
            "export",
            "attendance-register",
            "--meeting",
            "rabat",
            "--out",
            str(tmp_path / "x.csv"),
        ]
    )
    assert bad.exit_code != 0 and ".pdf or .xlsx" in bad.output
