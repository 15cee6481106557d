"""Hostile text through every form that stores text, then read back from every
output that shows it: it must come out as inert text (escaped in HTML, plain in
PDFs, one property in calendars, text in XML, neutralised in spreadsheets, in
the body of e-mails and never in their headers), or be refused with a clear
error where the field does not take it (control characters, line breaks in a
one-line field, overlong text).
"""

import csv
import io
import re

import icalendar
import lxml.etree
import lxml.html
import pytest
from markupsafe import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.communiques.models import Communique
from meeting_app.extensions import db
from meeting_app.registration.models import Participant
from tests.conftest import registration_data

# Accepted as text by every text field, and so to be shown as such everywhere.
HOSTILE = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "javascript": "javascript:alert(1)",
    "sql": "'; DROP TABLE participants; --",
    "formula": '=HYPERLINK("http://evil.example","x")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
}
# Refused by one-line fields (with the message shown next to the field).
REFUSED = {
    "crlf mail header": ("Diop\r\nBcc: x@evil.example", "control characters"),
    "crlf calendar line": ("Diop\r\nATTENDEE:mailto:x@evil.example", "control characters"),
    "nul": ("Diop\x00", "control characters"),
    "escape": ("Diop\x1b[31m", "control characters"),
    "overlong": ("A" * 5000, "At most 100 characters."),
    # A right-to-left override makes "Diop…gpj.exe" read "Diopexe.jpg" in every list.
    "rtl override": ("Diop\u202egpj.exe", "change the direction of the text"),
}
SPREADSHEET_FORMULA = ("=", "+", "-", "@")


# --- How inert text is recognised ---------------------------------------------------------


def assert_inert_html(page: str, *texts: str) -> None:
    """Each text appears escaped, and the page has no element or attribute that
    hostile text could have made: no inline script, no event handler, no
    javascript: link, no <img src=x>."""
    for text in texts:
        assert str(escape(text)) in page, text
    tree = lxml.html.fromstring(page)
    assert tree.xpath("//script[not(@src) and not(@type='application/json')]") == []
    assert tree.xpath("//@*[starts-with(name(), 'on')]") == []
    assert tree.xpath("//img[@src='x']") == []
    links = tree.xpath("//@href | //@src | //@action | //@formaction")
    assert [link for link in links if link.strip().lower().startswith("javascript:")] == []


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# A phone number "+221 77 123 45 67" is left readable: digits, spaces and + - ( ) .
# with a space between two numbers make no formula (registration/exports.py).
READABLE_PHONE = re.compile(r"[0-9+\-(). ]*[0-9)] +[0-9(][0-9+\-(). ]*")


def assert_no_formula_cells(rows) -> None:
    for row in rows:
        for cell in row:
            if isinstance(cell, str) and READABLE_PHONE.fullmatch(cell):
                continue
            assert not (isinstance(cell, str) and cell.startswith(SPREADSHEET_FORMULA)), cell


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value  # stored as text, never a formula
    return list(sheet.iter_rows(values_only=True))


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def organiser(make_user, login):
    make_user(Role.ORGANISER)
    login("organiser@example.org")


@pytest.fixture
def hostile_people(client, open_meeting, inbox):
    """One registration per hostile text, through the public form, in every text
    field it takes; then approved by the organiser (the client signs in after)."""
    meeting = open_meeting(slug="sweep")
    for number, (name, text) in enumerate(HOSTILE.items()):
        response = client.post(
            "/meetings/sweep/register",
            data=registration_data(
                meeting,
                given_name=text,
                family_name=text,
                badge_name=text,
                organisation=text,
                position=text,
                dietary_needs=text + "\r\nBcc: x@evil.example",
                email=f"sweep{number}@example.org",
                country="SN",
                needs_visa_letter="y",
                nationality_code="SN",
            ),
        )
        assert response.status_code == 302, (name, response.get_data(as_text=True)[-2000:])
    return meeting


# --- Registration ---------------------------------------------------------------------------


def test_an_address_with_a_line_break_is_refused_so_no_header_can_be_added(
    client, open_meeting, inbox
):
    meeting = open_meeting(slug="header")
    for email in ("a@example.org\r\nBcc: x@evil.example", "a@example.org\nBcc:x@evil.example"):
        response = client.post(
            "/meetings/header/register", data=registration_data(meeting, email=email)
        )
        assert response.status_code == 422
        assert "Enter a valid e-mail address." in response.get_data(as_text=True)
    assert inbox.messages == []


@pytest.mark.parametrize("case", REFUSED)
def test_registration_refuses_control_characters_and_overlong_names_clearly(
    client, open_meeting, inbox, case
):
    meeting = open_meeting(slug="refuse")
    text, message = REFUSED[case]
    response = client.post(
        "/meetings/refuse/register", data=registration_data(meeting, family_name=text)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert_inert_html(page)
    assert db.session.execute(db.select(Participant)).first() is None
    assert inbox.messages == []


def test_hostile_registrations_stay_inert_in_pages_exports_documents_and_mails(
    client, hostile_people, inbox, make_user, login
):
    meeting = hostile_people
    people = {p.email: p for p in meeting.participants}
    assert len(people) == len(HOSTILE)

    # E-mails: one confirmation each, the text in the body only, no header added.
    assert len(inbox.messages) == len(HOSTILE)
    for message in inbox.messages:
        assert message["Bcc"] is None and message["Cc"] is None
        assert "\n" not in message["Subject"] and "evil" not in message["Subject"]
        assert [message["To"]] == [m["To"] for m in inbox.to(message["To"])]
    by_address = {m["To"]: inbox.body(m) for m in inbox.messages}
    for person in people.values():
        assert person.given_name in by_address[person.email]

    # The participant's own pages.
    for person in people.values():
        assert_inert_html(
            client.get(f"/r/{person.token}").get_data(as_text=True), person.given_name
        )
        edit = client.get(f"/r/{person.token}/edit").get_data(as_text=True)
        assert_inert_html(edit, person.given_name, person.dietary_needs)

    make_user(Role.ORGANISER)
    login("organiser@example.org")
    approved = client.post(
        "/manage/meetings/sweep/registrations/bulk",
        data={"ids": [str(p.id) for p in people.values()], "action": "approve"},
        follow_redirects=True,
    )
    assert f"{len(HOSTILE)} registrations changed." in approved.get_data(as_text=True)
    texts = list(HOSTILE.values())

    # Staff pages.
    listing = client.get("/manage/meetings/sweep/registrations/?per_page=100")
    assert_inert_html(listing.get_data(as_text=True), *texts)
    for person in people.values():
        detail = client.get(f"/manage/meetings/sweep/registrations/{person.id}")
        assert_inert_html(detail.get_data(as_text=True), person.given_name)
        badge = client.get(f"/desk/badge/{person.badge_code}")
        assert_inert_html(badge.get_data(as_text=True), person.given_name)
    for text in texts:
        found = client.get("/desk/meetings/sweep/search", query_string={"q": text})
        assert found.status_code == 200
        # Found and shown as text; a query with "/" is read as a scanned badge's URL.
        assert_inert_html(found.get_data(as_text=True), *([text] if "/" not in text else []))
    assert_inert_html(client.get("/meetings/sweep/delegations").get_data(as_text=True), *texts)
    assert_inert_html(client.get("/desk/meetings/sweep/arrivals").get_data(as_text=True))
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    head_view = client.get(f"/d/{senegal.view_token}").get_data(as_text=True)
    assert_inert_html(head_view, *texts)

    # Spreadsheets: the text is there, never as a formula.
    for path in (
        "/manage/meetings/sweep/registrations/export",
        "/manage/meetings/sweep/delegations/export",
    ):
        rows = csv_rows(client.get(f"{path}.csv").data)
        assert_no_formula_cells(rows)
        xlsx_rows(client.get(f"{path}.xlsx").data)  # text cells, never formulas
    exported = csv_rows(client.get("/manage/meetings/sweep/registrations/export.csv").data)
    cells = {cell for row in exported for cell in row}
    assert all(text in cells or "'" + text in cells for text in texts)
    arrivals = csv_rows(client.get("/desk/meetings/sweep/arrivals.csv").data)
    assert_no_formula_cells(arrivals)

    # PDFs: the text is printed as text (markup in it was not read as markup).
    printed = pdf_text(
        _job_pdf(client, "/desk/meetings/sweep/badges/jobs", layout="a6", language="en")
    )
    for text in ("<script>alert(1)</script>", "onerror=alert(1)>", "DROP TABLE"):
        assert text in printed
    letters = pdf_text(_job_pdf(client, "/manage/meetings/sweep/letters/jobs"))
    assert "<script>alert(1)</script>" in letters and "DROP TABLE" in letters


def _job_pdf(client, start: str, **form) -> bytes:
    """A print or render job's PDF, as a browser without JavaScript gets it."""
    page = client.post(start, data=form, follow_redirects=True).get_data(as_text=True)
    download = re.search(r'class="progress-download" href="([^"]+)"', page)
    assert download, page[-1000:]
    return client.get(download.group(1)).data


# --- Agenda -----------------------------------------------------------------------------

ICS_BREAKER = "\r\nATTENDEE:mailto:x@evil.example\r\nEND:VEVENT\r\nBEGIN:VEVENT"


def session_form(title: str, hour: int, **values) -> dict:
    return {
        "kind": "panel",
        "day": "2022-06-13",
        "start": f"{hour:02d}:00",
        "end": f"{hour:02d}:45",
        "room_id": "",
        "title_en": title,
        "title_fr": title,
        "description_en": title + ICS_BREAKER,
        "revision": "",
        **values,
    }


def test_agenda_forms_refuse_line_breaks_and_control_characters_in_one_line_fields(
    client, organiser, rabat
):
    for field in ("title_en", "people-0-name"):
        response = client.post(
            "/manage/meetings/rabat/agenda/sessions/new",
            data=session_form("Panel", 9, **{field: "Panel" + ICS_BREAKER}),
        )
        assert response.status_code == 422, field
        assert "control characters" in response.get_data(as_text=True)
    room = client.post(
        "/manage/meetings/rabat/agenda/rooms", data={"name": "Room\x00", "capacity": "10"}
    )
    assert room.status_code == 422
    assert "control characters" in room.get_data(as_text=True)


def test_hostile_agenda_text_stays_inert_in_pages_calendars_schedule_and_programme(
    client, organiser, rabat, make_participant
):
    speaker = make_participant(rabat, given_name=HOSTILE["attribute"], family_name=HOSTILE["sql"])
    room = client.post(
        "/manage/meetings/rabat/agenda/rooms",
        data={"name": HOSTILE["script"], "capacity": "10", "notes": HOSTILE["formula"]},
    )
    assert room.status_code == 302
    room_id = next(r.id for r in rabat.rooms if r.name == HOSTILE["script"])
    for hour, text in enumerate(HOSTILE.values(), start=8):
        response = client.post(
            "/manage/meetings/rabat/agenda/sessions/new",
            data=session_form(
                text,
                hour,
                room_id=str(room_id) if hour == 8 else "",
                **{
                    "people-0-name": text,  # a guest
                    "people-0-role": "speaker",
                    "people-1-name": f"{speaker.full_name} (#{speaker.id})",
                    "people-1-role": "chair",
                },
            ),
        )
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert client.post("/manage/meetings/rabat/agenda/publish").status_code == 302
    texts = list(HOSTILE.values())

    assert_inert_html(client.get("/meetings/rabat/agenda?lang=en").get_data(as_text=True), *texts)
    session_ids = [s["id"] for s in client.get("/meetings/rabat/agenda.json").json["sessions"]]
    assert {
        s["title"]["en"] for s in client.get("/meetings/rabat/agenda.json").json["sessions"]
    } == set(texts)
    for session_id in session_ids:
        page = client.get(f"/meetings/rabat/sessions/{session_id}").get_data(as_text=True)
        assert_inert_html(page, speaker.given_name)

    # Calendars: one event per session, the text inside its own properties only.
    feeds = [client.get("/meetings/rabat/agenda.ics?lang=en").data]
    feeds += [client.get(f"/meetings/rabat/sessions/{i}.ics?lang=en").data for i in session_ids]
    feeds.append(client.get(f"/r/{speaker.token}/programme.ics").data)
    for feed in feeds:
        assert b"\r\nATTENDEE:" not in feed and b"\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nEND" not in feed
        calendar = icalendar.Calendar.from_ical(feed)
        events = calendar.walk("VEVENT")
        assert events
        for event in events:
            assert "ATTENDEE" not in event
            assert str(event["SUMMARY"]) in texts
            assert "ATTENDEE:mailto:x@evil.example" in str(event["DESCRIPTION"])
    whole = icalendar.Calendar.from_ical(feeds[0]).walk("VEVENT")
    assert len(whole) == len(texts)

    # The frab schedule: the text is element text, no element made from it.
    schedule = lxml.etree.fromstring(client.get("/meetings/rabat/schedule.xml").data)
    assert sorted(schedule.xpath("//event/title/text()")) == sorted(texts)
    assert schedule.xpath("//script | //img") == []
    assert set(schedule.xpath("//room/@name")) >= {HOSTILE["script"]}

    # The printed programme.
    booklet = pdf_text(client.get("/meetings/rabat/agenda.pdf?lang=en").data)
    assert "<script>alert(1)</script>" in booklet and "onerror=alert(1)>" in booklet


# --- Communiqués --------------------------------------------------------------------------

COMMUNIQUE_TITLE = f"{HOSTILE['script']} {HOSTILE['attribute']} {HOSTILE['formula']}"
COMMUNIQUE_BODY = "\n\n".join(
    [
        "The Board met. " + HOSTILE["sql"],
        HOSTILE["script"],
        HOSTILE["attribute"],
        '[click here](javascript:alert(1)) and <a href="javascript:alert(1)">there</a>',
        '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>',
    ]
)


def new_communique(client, meeting, **values):
    return client.post(
        "/manage/communiques/new",
        data={
            "meeting_id": str(meeting.id),
            "language": "en",
            "title": COMMUNIQUE_TITLE,
            "summary": HOSTILE["attribute"] + "\r\n" + HOSTILE["javascript"],
            "body": COMMUNIQUE_BODY,
            **values,
        },
        headers={"Accept-Language": "en"},
    )


def assert_sanitised_html(fragment: str) -> None:
    tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    assert tree.xpath("//script | //iframe | //style | //img") == []
    assert tree.xpath("//@*[starts-with(name(), 'on')]") == []
    assert [h for h in tree.xpath("//@href") if "javascript" in h.lower()] == []


@pytest.mark.parametrize("field", ["title", "summary", "body"])
def test_communique_editor_refuses_control_characters_clearly(
    client, organiser, make_meeting, field
):
    meeting = make_meeting()
    response = new_communique(client, meeting, **{field: "The Board met.\x00\x0b"})
    assert response.status_code == 422
    assert "Remove the invisible control characters from this field." in response.get_data(
        as_text=True
    )
    assert db.session.execute(db.select(Communique)).first() is None


def test_hostile_communique_text_stays_inert_on_its_page_feed_and_pdf(
    client, organiser, make_meeting
):
    meeting = make_meeting()
    assert new_communique(client, meeting).status_code == 302
    communique = db.session.execute(db.select(Communique)).scalar_one()
    published = client.post(
        f"/manage/communiques/{communique.id}/publish", data={"version": str(communique.version)}
    )
    assert published.status_code == 302
    db.session.refresh(communique)
    client.post("/logout")

    page = client.get(f"/communiques/{communique.slug}").get_data(as_text=True)
    assert_inert_html(page, COMMUNIQUE_TITLE, HOSTILE["attribute"])
    assert_sanitised_html(page)
    assert "DROP TABLE" in page
    assert_inert_html(client.get("/communiques/").get_data(as_text=True), COMMUNIQUE_TITLE)

    atom = "{http://www.w3.org/2005/Atom}"
    feed = lxml.etree.fromstring(client.get("/communiques/feed.atom").data)
    (entry,) = feed.findall(f"{atom}entry")
    assert entry.findtext(f"{atom}title") == COMMUNIQUE_TITLE
    assert feed.xpath("//*[local-name()='script' or local-name()='img']") == []
    assert_sanitised_html(entry.findtext(f"{atom}content"))

    printed = pdf_text(client.get(f"/communiques/{communique.slug}.pdf").data)
    assert "<script>alert(1)</script>" in printed and "DROP TABLE" in printed


# --- Addresses and searches ------------------------------------------------------------------


def test_a_nul_byte_in_an_address_or_a_search_is_refused_not_a_server_error(
    client, organiser, open_meeting
):
    """PostgreSQL refuses NUL in text it compares: these answered 500 there."""
    open_meeting(slug="nul")
    for path in (
        "/meetings/a%00b/",
        "/communiques/a%00b",
        "/desk/badge/a%00b",
        "/r/" + "a" * 43 + "%00",
    ):
        assert client.get(path).status_code == 404, path
    for path in (
        "/manage/meetings/nul/registrations/?q=a%00b",
        "/desk/meetings/nul/search?q=a%00b",
        "/communiques/?meeting=a%00b",
        "/meetings/nul/agenda?room=%00",
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "The request could not be understood." in response.get_data(as_text=True)


def test_searches_take_hostile_text_as_text(client, organiser, open_meeting, make_participant):
    meeting = open_meeting(slug="find")
    for text in HOSTILE.values():
        make_participant(meeting, family_name=text)
    for text in HOSTILE.values():
        for path in ("/manage/meetings/find/registrations/", "/desk/meetings/find/check-in"):
            response = client.get(path, query_string={"q": text})
            assert response.status_code == 200, (path, text)
            assert_inert_html(response.get_data(as_text=True), text)


# --- Staff forms: organisers' registrations, the CSV import, the desk's walk-ins ----------


def csv_line(*cells: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


IMPORT_HEADER = csv_line("given_name", "family_name", "email", "organisation", "category")


def test_csv_import_shows_hostile_cells_as_text_refuses_control_characters_and_exports_safely(
    client, organiser, open_meeting, inbox
):
    open_meeting(slug="import")
    content = IMPORT_HEADER + "".join(
        csv_line(text, text, f"import{n}@example.org", text, "donor")
        for n, text in enumerate(HOSTILE.values())
    )
    refused = csv_line("Diop\r\nBcc: x@evil.example", "Diop", "crlf@example.org", "O", "donor")
    refused += csv_line("Awa", "Nul\x00", "nul@example.org", "O\x07", "donor")
    preview = client.post(
        "/manage/meetings/import/registrations/import",
        data={"file": (io.BytesIO((content + refused).encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert_inert_html(page, *HOSTILE.values())
    assert f"Rows that can be imported: {len(HOSTILE)}. Rows with problems, left out: 2." in page
    assert "Remove the invisible control characters from this field." in page

    assert (
        client.post(
            "/manage/meetings/import/registrations/import", data={"content": content}
        ).status_code
        == 302
    )
    stored = {p.family_name for p in db.session.execute(db.select(Participant)).scalars()}
    assert stored == set(HOSTILE.values())
    assert all(m["Bcc"] is None for m in inbox.messages)
    rows = csv_rows(client.get("/manage/meetings/import/registrations/export.csv").data)
    assert_no_formula_cells(rows)
    cells = {cell for row in rows for cell in row}
    assert "'" + HOSTILE["formula"] in cells and HOSTILE["script"] in cells
    # In XLSX a text cell cannot be a formula: the text is there as it was entered.
    rows = xlsx_rows(client.get("/manage/meetings/import/registrations/export.xlsx").data)
    cells = {cell for row in rows for cell in row}
    assert HOSTILE["formula"] in cells and HOSTILE["script"] in cells


def test_organiser_forms_and_the_decline_note_keep_hostile_text_out_of_mail_headers(
    client, organiser, open_meeting, inbox
):
    meeting = open_meeting(slug="staff")
    data = registration_data(
        meeting,
        given_name=HOSTILE["script"],
        family_name=HOSTILE["attribute"],
        organisation=HOSTILE["formula"],
        email="staff@example.org",
        role="delegate",
    )
    data.pop("acknowledge_data_use")
    created = client.post("/manage/meetings/staff/registrations/new", data=data)
    assert created.status_code == 302, created.get_data(as_text=True)[-1500:]
    person = db.session.execute(db.select(Participant)).scalar_one()
    refused = client.post(
        f"/manage/meetings/staff/registrations/{person.id}/edit",
        data={**data, "family_name": "Diop\r\nBcc: x@evil.example"},
    )
    assert refused.status_code == 422
    assert "Remove the invisible control characters" in refused.get_data(as_text=True)

    inbox.clear()
    note = "Sorry.\r\nBcc: x@evil.example\r\n\r\n" + HOSTILE["script"]
    declined = client.post(
        f"/manage/meetings/staff/registrations/{person.id}/status",
        data={"action": "decline", "reason": note},
    )
    assert declined.status_code == 302
    (mail,) = inbox.messages
    assert mail["Bcc"] is None and list(mail.keys()).count("To") == 1
    assert "Bcc: x@evil.example" in inbox.body(mail)  # a line of the note, as written
    assert HOSTILE["script"] in inbox.body(mail)
    detail = client.get(f"/manage/meetings/staff/registrations/{person.id}")
    assert_inert_html(detail.get_data(as_text=True), HOSTILE["script"], HOSTILE["attribute"])


def test_desk_walk_in_keeps_hostile_text_inert_and_refuses_control_characters(
    client, make_user, login, open_meeting
):
    meeting = open_meeting(slug="door")
    make_user(Role.HOST)
    login("host@example.org")
    data = registration_data(
        meeting, given_name=HOSTILE["attribute"], family_name=HOSTILE["script"], role="delegate"
    )
    data.pop("acknowledge_data_use")
    refused = client.post(
        "/desk/meetings/door/walk-in", data={**data, "organisation": "Org\x1b[2J"}
    )
    assert refused.status_code == 422
    assert "Remove the invisible control characters" in refused.get_data(as_text=True)
    response = client.post("/desk/meetings/door/walk-in", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert_inert_html(response.get_data(as_text=True), HOSTILE["attribute"], HOSTILE["script"])


# --- Numbers out of range ----------------------------------------------------------------

HUGE = str(10**20)


def test_numbers_past_the_id_range_in_forms_and_lists_get_a_clear_answer(
    client, organiser, rabat, make_participant, add_session
):
    """Each of these answered 500: the database refuses to compare such a number."""
    session = add_session()
    bulk = client.post(
        "/manage/meetings/rabat/registrations/bulk",
        data={"ids": [HUGE], "action": "approve"},
        follow_redirects=True,
    )
    assert "0 registrations changed." in bulk.get_data(as_text=True)
    speaker = client.post(
        "/manage/meetings/rabat/agenda/sessions/new",
        data=session_form("Panel", 9, **{"people-0-name": f"X (#{HUGE})"}),
    )
    assert speaker.status_code == 422
    assert "Choose people registered for this meeting" in speaker.get_data(as_text=True)
    for participant_id in (HUGE, str(2**31), "²"):
        scan = client.post("/desk/meetings/rabat/check-in", json={"participant_id": participant_id})
        assert scan.status_code == 404
        assert "No such participant in this meeting" in scan.json["message"]
    for path in (
        "/manage/meetings/rabat/registrations/",
        "/manage/communiques/",
        "/manage/outbox",
        "/communiques/",
    ):
        for page in (HUGE, "-3", "x"):
            assert client.get(path, query_string={"page": page}).status_code == 200, (path, page)
    stale = client.post(
        f"/manage/meetings/rabat/agenda/sessions/{session.id}/delete",
        data={"revision": "abc"},
        follow_redirects=True,
    )
    assert stale.status_code == 200
    assert db.session.get(type(session), session.id) is not None
