"""Sessions' join links and dial-in details: only https links are taken, and they reach
approved participants only (private page, "My programme", their own calendar feed),
never a public page, feed or file."""

import io
import re
from datetime import time

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from werkzeug.routing.converters import NumberConverter

from meeting_app.accounts.models import Role
from meeting_app.agenda import services as agenda_services
from meeting_app.agenda.models import AgendaSession, Attendance, SessionKind
from meeting_app.agenda.published import published_agenda
from meeting_app.communiques.models import Communique
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration.models import RegistrationStatus
from tests.agenda.test_pages import _form

EN = {"Accept-Language": "en"}
JOIN = "https://zoom.us/j/8675309421?pwd=JoinLinkSecret4Hybrid"
DIAL_IN = "+221 33 000 11 22, meeting ID 867 530 9421, passcode 918273645"
S = RegistrationStatus


@pytest.fixture
def organiser(client, make_user, login):
    user = make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")
    return user


# --- The session form ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://zoom.us/j/123",
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "zoom.us/j/123",
        "not a link at all",
        "https://",
        "https://zoom.us@evil.example/j/1",
        "https://zoom.us/j/1 onmouseover=alert(1)",
        "https://" + "a" * 500 + ".example",
    ],
)
def test_a_join_link_that_is_not_an_https_url_is_refused_next_to_the_field(
    client, organiser, rabat, url
):
    response = client.post(
        "/manage/meetings/rabat/agenda/sessions/new", data=_form(join_url=url), headers=EN
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split('id="join_url-error">', 1)[1].split("</p>", 1)[0]
    assert "https://" in error
    assert agenda_services.sessions_of(rabat) == []


def test_the_service_refuses_a_bad_join_link_too(rabat):
    data = agenda_services.SessionInput(
        kind=SessionKind.PANEL,
        title={"en": "Panel"},
        day=rabat.start_date,
        start=time(9),
        end=time(10),
        join_url="javascript:alert(1)",
    )
    with pytest.raises(agenda_services.AgendaError) as error:
        agenda_services.save_session(rabat, data)
    assert error.value.field == "join_url"


def test_dial_in_details_are_limited_to_1000_characters(client, organiser, rabat):
    response = client.post(
        "/manage/meetings/rabat/agenda/sessions/new",
        data=_form(dial_in="9" * 1001),
        headers=EN,
    )
    assert response.status_code == 422
    assert "At most 1000 characters." in response.get_data(as_text=True)


def test_the_organiser_saves_a_join_link_and_dial_in_and_finds_them_again(client, organiser, rabat):
    response = client.post(
        "/manage/meetings/rabat/agenda/sessions/new",
        data=_form(join_url=f"  {JOIN} ", dial_in="Dakar: +221 33 000 11 22\r\nID 867"),
        headers=EN,
    )
    assert response.status_code == 302
    (session,) = agenda_services.sessions_of(rabat)
    assert session.join_url == JOIN
    assert session.dial_in == "Dakar: +221 33 000 11 22\nID 867"
    page = client.get(f"/manage/meetings/rabat/agenda/sessions/{session.id}", headers=EN)
    html = page.get_data(as_text=True)
    assert "Shown only to approved participants" in html
    assert JOIN.replace("&", "&amp;") in html and "ID 867" in html


# --- Who sees them ------------------------------------------------------------------------


@pytest.fixture
def hybrid(app_context, make_participant):
    """The demo, loaded today (Dakar is then to come), Dakar hybrid, one of its published
    sessions with a join link and dial-in, and an approved participant who chose it,
    one on the waiting list and one cancelled who chose it too."""
    from meeting_app.demo.loader import load_demo

    load_demo(today=utcnow().date())
    db.session.commit()
    meeting = db.session.execute(db.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()
    meeting.participation_mode = "hybrid"
    first = published_agenda(meeting).sessions[0]
    session = db.session.get(AgendaSession, first.id)
    session.join_url, session.dial_in = JOIN, DIAL_IN
    # Rabat's (the past meeting's) sessions have one too.
    rabat = db.session.execute(db.select(Meeting).filter_by(slug="rabat-2022")).scalar_one()
    for past in published_agenda(rabat).sessions[:3]:
        db.session.get(AgendaSession, past.id).join_url = JOIN
    db.session.commit()
    people = {
        status: make_participant(
            meeting, status=status, email=f"{status.value}@example.org", preferred_language="en"
        )
        for status in (S.APPROVED, S.WAITLISTED, S.CANCELLED, S.SUBMITTED)
    }
    for person in people.values():
        db.session.add(Attendance(participant_id=person.id, session_id=session.id))
    db.session.commit()
    return meeting, session, people


def _shows_link(client, token: str) -> dict[str, bool]:
    pages = {
        "private page": client.get(f"/r/{token}", headers=EN),
        "programme": client.get(f"/r/{token}/programme", headers=EN),
        "feed": client.get(f"/r/{token}/programme.ics", headers=EN),
    }
    assert {name: r.status_code for name, r in pages.items()} == dict.fromkeys(pages, 200)
    return {
        name: JOIN in r.get_data(as_text=True).replace("&amp;", "&").replace("\r\n ", "")
        for name, r in pages.items()
    }


def test_an_approved_participant_gets_the_link_on_each_of_their_pages(client, hybrid):
    _meeting, session, people = hybrid
    token = people[S.APPROVED].token
    assert _shows_link(client, token) == {"private page": True, "programme": True, "feed": True}
    page = client.get(f"/r/{token}", headers=EN).get_data(as_text=True)
    assert '<h2 id="join-heading">Join online</h2>' in page
    assert "passcode 918273645" in page
    programme = client.get(f"/r/{token}/programme", headers=EN).get_data(as_text=True)
    assert programme.count('rel="noopener noreferrer"') == 2  # mine, and the day's list


def test_the_personal_feed_carries_the_link_as_conference_and_in_the_description(client, hybrid):
    _meeting, session, people = hybrid
    body = client.get(f"/r/{people[S.APPROVED].token}/programme.ics").data
    unfolded = body.replace(b"\r\n ", b"").decode()
    assert f'CONFERENCE;VALUE=URI;FEATURE=AUDIO,VIDEO;LABEL="Join online":{JOIN}' in unfolded
    (event,) = [
        e
        for e in Calendar.from_ical(body).walk("VEVENT")
        if str(e["uid"]).startswith(f"session-{session.id}.")
    ]
    description = str(event["description"])
    assert f"Join online: {JOIN}" in description and f"Dial-in:\n{DIAL_IN}" in description
    conference = event["conference"]
    assert str(conference) == JOIN and conference.params["VALUE"] == "URI"
    assert list(conference.params["FEATURE"]) == ["AUDIO", "VIDEO"]


@pytest.mark.parametrize("status", [S.WAITLISTED, S.CANCELLED, S.SUBMITTED])
def test_anyone_not_approved_gets_no_link(client, hybrid, status):
    _meeting, _session, people = hybrid
    assert _shows_link(client, people[status].token) == {
        "private page": False,
        "programme": False,
        "feed": False,
    }
    page = client.get(f"/r/{people[status].token}", headers=EN).get_data(as_text=True)
    assert "918273645" not in page


def test_a_new_private_link_revokes_the_feed_with_the_join_links(client, hybrid, make_user):
    _meeting, _session, people = hybrid
    person = people[S.APPROVED]
    old = person.token
    assert _shows_link(client, old)["feed"]
    from meeting_app.registration import services as registrations

    registrations.regenerate_token(person, by_user=make_user(Role.ORGANISER, "o@example.org"))
    db.session.commit()
    for path in (f"/r/{old}", f"/r/{old}/programme", f"/r/{old}/programme.ics"):
        response = client.get(path)
        assert response.status_code == 404 and JOIN not in response.get_data(as_text=True)
    assert _shows_link(client, person.token)["feed"]


# --- Never public -----------------------------------------------------------------------------


def _fill(rule, meeting: Meeting, communique: Communique | None, session_id: int, token: str):
    """Values for a rule's arguments: the demo meeting's slug and session, a waitlisted
    participant's link (which shows no join link either), plausible others."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if getattr(converter, "items", None):
            values[name] = sorted(converter.items)[0]
        elif name == "slug":
            values[name] = (
                communique.slug
                if rule.endpoint.startswith("communiques.") and communique
                else meeting.slug
            )
        elif name == "token":
            values[name] = token
        elif name == "session_id":
            values[name] = session_id
        elif name == "filename":
            values[name] = "css/site.css"
        elif isinstance(converter, NumberConverter):
            values[name] = 1
        else:
            values[name] = "x"
    return values


def _text_of(response) -> str:
    data = response.get_data()
    if data.startswith(b"%PDF"):
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8", "replace").replace("\r\n ", "").replace("&amp;", "&")


def test_no_public_page_feed_or_file_shows_a_join_link(client, server_app, hybrid):
    meeting, session, people = hybrid
    rabat = db.session.execute(db.select(Meeting).filter_by(slug="rabat-2022")).scalar_one()
    communique = db.session.execute(db.select(Communique)).scalars().first()
    waiting = people[S.WAITLISTED].token
    requested = 0
    for rule in server_app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        for demo in (meeting, rabat):
            path = rule.build(_fill(rule, demo, communique, session.id, waiting))[1]
            for query in ("", "?lang=fr"):
                response = client.get(path + query, headers=EN)
                requested += 1
                if response.status_code == 302 and "/login" in response.headers["Location"]:
                    continue  # staff only: not public
                text = _text_of(response)
                where = f"{rule.endpoint} {path}{query}"
                assert "JoinLinkSecret4Hybrid" not in text, where
                assert "918273645" not in text, where
                assert "JoinLinkSecret4Hybrid" not in str(response.headers), where
    assert requested > 100
    # The sweep did reach the public agenda, its feeds and files of the meeting.
    for path in ("agenda", "agenda.ics", "agenda.json", "schedule.xml", "agenda.pdf"):
        assert client.get(f"/meetings/dakar-demo/{path}").status_code == 200
    assert re.search(r"session-\d+", client.get("/meetings/dakar-demo/agenda.ics").text)
    # ...and read them as text: the session's title is there, its link is not.
    title = session.title.get("en") or next(iter(session.title.values()))
    for path in ("agenda", "agenda.pdf", f"sessions/{session.id}"):
        text = _text_of(client.get(f"/meetings/dakar-demo/{path}", headers=EN))
        assert title.split()[0] in text, path
