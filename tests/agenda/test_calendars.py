"""iCalendar files and feeds, invitations by e-mail, and the frab schedule export.
Every export is parsed back with `icalendar` and with `vobject`, an independent parser."""

import re
import uuid
from datetime import UTC, date, datetime, time
from pathlib import Path

import icalendar
import pytest
import vobject
from lxml import etree

from meeting_app.accounts.models import Role
from meeting_app.agenda import services
from meeting_app.agenda.models import AgendaSession
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus
from tests.agenda.conftest import CHAIR, SPEAKER

# The frab schema, from the public voc/schedule repository as shared/specs has it; a copy
# lives in the repository so the suite runs wherever it is cloned.
XSD = Path(__file__).resolve().parents[1] / "specs" / "frab-schedule.xsd"
SHARED_XSD = Path(__file__).resolve().parents[3] / "shared" / "specs" / "frab-schedule.xsd"
NASTY = "Migration, «développement»; C:\\dossier\\ — سلمى بنعلي / Ђорђевић " + "é" * 60


def _parse(body: bytes):
    calendar = icalendar.Calendar.from_ical(body)
    other = vobject.readOne(body.decode("utf-8"))
    return calendar, other


def _events(calendar):
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def published(rabat, add_session, make_participant):
    chair = make_participant(rabat, given_name="Awa", family_name="Ndiaye")
    opening = add_session(
        title="Ouverture",
        start=time(9),
        end=time(10, 30),
        description={"fr": "Mot de bienvenue.", "en": "Welcome address."},
        people=[(chair.id, CHAIR), ("Guest Speaker", SPEAKER)],
    )
    panel = add_session(title="Panel 2", start=time(14), end=time(15), room="Salle B")
    services.publish(rabat)
    db.session.commit()
    return {"opening": opening, "panel": panel, "chair": chair}


def test_agenda_feed_is_a_published_calendar_with_the_right_times(client, rabat, published):
    response = client.get("/meetings/rabat/agenda.ics?lang=en")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.get_data()
    calendar, other = _parse(body)
    assert str(calendar["method"]) == "PUBLISH"
    assert str(calendar["x-wr-calname"]) == str(calendar["name"]) == "Board meeting 1"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body
    assert b"X-PUBLISHED-TTL:PT1H" in body
    events = _events(calendar)
    opening = events[f"session-{published['opening'].id}.rabat@meeting-manager"]
    # 09:00 in Rabat on 13 June 2022 is 08:00 UTC (Morocco is UTC+1 outside Ramadan).
    assert opening.decoded("dtstart") == datetime(2022, 6, 13, 8, 0, tzinfo=UTC)
    assert opening.decoded("dtstart").astimezone(rabat.tz).strftime("%H:%M") == "09:00"
    assert "Plénière" in str(opening["location"]) and "Rabat" in str(opening["location"])
    assert "Chair: Awa Ndiaye" in str(opening["description"])
    assert "Welcome address." in str(opening["description"])
    assert str(opening["url"]).endswith(f"/meetings/rabat/sessions/{published['opening'].id}")
    assert opening["categories"].cats == ["Panel"]
    assert opening.decoded("dtstamp").tzinfo is not None
    assert int(opening["sequence"]) == 0
    vevents = {v.uid.value: v for v in other.vevent_list}
    assert vevents[str(opening["uid"])].dtstart.value == datetime(2022, 6, 13, 8, 0, tzinfo=UTC)


def test_language_of_the_feed_follows_lang(client, rabat, published):
    french = client.get("/meetings/rabat/agenda.ics?lang=fr").get_data().decode()
    unfolded = french.replace("\r\n ", "")
    assert "Mot de bienvenue." in unfolded and "Présidence: Awa Ndiaye" in unfolded


def test_uid_is_stable_sequence_rises_on_moves_and_removed_sessions_are_cancelled(
    client, rabat, published, add_session
):
    opening, panel = published["opening"], published["panel"]
    uid = f"session-{opening.id}.rabat@meeting-manager"
    opening = db.session.get(AgendaSession, opening.id)
    services.move_session(
        rabat,
        opening,
        day=date(2022, 6, 13),
        start=time(9, 30),
        end=time(11),
        room_id=opening.room_id,
        expected_revision=opening.revision,
    )
    services.delete_session(
        db.session.get(AgendaSession, panel.id), db.session.get(AgendaSession, panel.id).revision
    )
    services.publish(rabat)
    db.session.commit()
    calendar, other = _parse(client.get("/meetings/rabat/agenda.ics").get_data())
    events = _events(calendar)
    assert int(events[uid]["sequence"]) == 1
    assert events[uid].decoded("dtstart") == datetime(2022, 6, 13, 8, 30, tzinfo=UTC)
    cancelled = events[f"session-{panel.id}.rabat@meeting-manager"]
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) == 1
    # Publishing again without changes keeps both as they are.
    services.publish(rabat)
    db.session.commit()
    again = _events(
        icalendar.Calendar.from_ical(client.get("/meetings/rabat/agenda.ics").get_data())
    )
    assert int(again[uid]["sequence"]) == 1
    assert str(again[f"session-{panel.id}.rabat@meeting-manager"]["status"]) == "CANCELLED"
    assert {v.uid.value for v in other.vevent_list} == set(events)


def test_text_is_escaped_and_folded_without_breaking_characters(client, rabat, add_session):
    add_session(title=NASTY, description={"fr": "Ligne 1\nLigne 2; fin, \\ ok"})
    services.publish(rabat)
    db.session.commit()
    body = client.get("/meetings/rabat/agenda.ics?lang=fr").get_data()
    for line in body.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # never split inside a character
    calendar, other = _parse(body)
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == NASTY
    assert str(event["description"]).endswith("Ligne 1\nLigne 2; fin, \\ ok")
    assert other.vevent.summary.value == NASTY


def test_one_session_and_the_whole_meeting(client, rabat, published):
    session = client.get(f"/meetings/rabat/sessions/{published['opening'].id}.ics")
    (event,) = icalendar.Calendar.from_ical(session.get_data()).walk("VEVENT")
    assert str(event["uid"]) == f"session-{published['opening'].id}.rabat@meeting-manager"
    assert client.get("/meetings/rabat/sessions/999999.ics").status_code == 404
    meeting = client.get("/meetings/rabat/meeting.ics")
    calendar, other = _parse(meeting.get_data())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == date(2022, 6, 13)
    assert event.decoded("dtend") == date(2022, 6, 15)
    assert other.vevent.uid.value == "meeting.rabat@meeting-manager"


def test_unpublished_meeting_has_no_public_feed(client, make_meeting):
    make_meeting(slug="secret", status="draft")
    for path in ("agenda.ics", "meeting.ics", "schedule.xml", "schedule.json"):
        assert client.get(f"/meetings/secret/{path}").status_code == 404


def test_personal_feed_holds_chosen_and_role_sessions_and_dies_with_the_token(
    client, rabat, published, make_user, login
):
    chair = published["chair"]
    client.post(f"/r/{chair.token}/programme/{published['panel'].id}", data={"attend": "1"})
    response = client.get(f"/r/{chair.token}/programme.ics")
    assert response.headers["Cache-Control"] == "no-store"
    uids = set(_events(icalendar.Calendar.from_ical(response.get_data())))
    assert uids == {
        f"session-{published['opening'].id}.rabat@meeting-manager",
        f"session-{published['panel'].id}.rabat@meeting-manager",
    }
    page = client.get(f"/r/{chair.token}/programme").get_data(as_text=True)
    assert f"webcal://localhost/r/{chair.token}/programme.ics" in page
    old = chair.token
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    client.post(f"/manage/meetings/rabat/registrations/{chair.id}/token")
    assert client.get(f"/r/{old}/programme.ics").status_code == 404
    assert client.get(f"/r/{old[:-1]}X/programme.ics").status_code == 404


def test_our_copy_of_the_schema_is_the_shared_one():
    if SHARED_XSD.exists():  # beside the clone on the developers' machines and in CI
        assert XSD.read_bytes() == SHARED_XSD.read_bytes()
    assert b'<xs:element name="schedule">' in XSD.read_bytes()


def test_schedule_xml_is_valid_frab_and_json_matches(client, rabat, published):
    body = client.get("/meetings/rabat/schedule.xml").get_data()
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(body)
    schema.assertValid(document)
    events = document.findall("day/room/event")
    assert {e.findtext("title") for e in events} == {"Ouverture", "Panel 2"}
    opening = next(e for e in events if e.findtext("title") == "Ouverture")
    assert opening.findtext("start") == "09:00" and opening.findtext("duration") == "01:30"
    assert opening.findtext("date") == "2022-06-13T09:00:00+01:00"
    data = client.get("/meetings/rabat/schedule.json").get_json()["schedule"]
    day = data["conference"]["days"][0]
    assert day["date"] == "2022-06-13"
    assert {e["title"] for room in day["rooms"].values() for e in room} == {"Ouverture", "Panel 2"}


def test_approval_mail_carries_an_invitation(
    client, rabat, make_participant, make_user, login, inbox
):
    person = make_participant(rabat, status=RegistrationStatus.SUBMITTED, email="amina@example.org")
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    client.post(
        f"/manage/meetings/rabat/registrations/{person.id}/status", data={"action": "approve"}
    )
    (message,) = inbox.to("amina@example.org")
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert str(calendar["method"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["organizer"]) == "mailto:secretariat@example.org"
    assert str(event["attendee"]) == "mailto:amina@example.org"
    assert event["attendee"].params["CN"] == person.full_name
    vobject.readOne(part.get_content())  # the other parser reads it too


def test_agenda_change_is_announced_to_those_who_chose_the_session(
    client, rabat, published, make_participant, make_user, login, inbox
):
    attendee = make_participant(rabat, email="attendee@example.org", preferred_language="en")
    panel = published["panel"]
    client.post(f"/r/{attendee.token}/programme/{panel.id}", data={"attend": "1"})
    session = db.session.get(AgendaSession, panel.id)
    services.move_session(
        rabat,
        session,
        day=date(2022, 6, 13),
        start=time(15),
        end=time(16),
        room_id=session.room_id,
        expected_revision=session.revision,
    )
    db.session.commit()
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    inbox.clear()
    client.post("/manage/meetings/rabat/agenda/publish", data={"notify": "1"})
    (message,) = inbox.to("attendee@example.org")
    assert "Panel 2" in inbox.body(message)
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "PUBLISH"
    (event,) = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == datetime(2022, 6, 13, 14, 0, tzinfo=UTC)


def test_command_line_exports_calendar_and_schedule(runner, rabat, published, tmp_path):
    ics, xml = tmp_path / "agenda.ics", tmp_path / "schedule.xml"
    result = runner.invoke(args=["export", "calendar", "--meeting", "rabat", "--out", str(ics)])
    assert result.exit_code == 0, result.output
    assert len(icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")) == 2
    result = runner.invoke(args=["export", "schedule", "--meeting", "rabat", "--out", str(xml)])
    assert result.exit_code == 0, result.output
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(etree.parse(str(xml)))


@pytest.mark.parametrize(
    "text", ["a" * 200, "é" * 100, "سلمى" * 40, "🎉" * 50, "x" + "Ђ" * 90, "ab" + "🎉é" * 40]
)
def test_folding_keeps_every_character_whole(text):
    from meeting_app.agenda.ical import _fold

    folded = _fold("SUMMARY:" + text)
    lines = folded.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert all(line.startswith(b" ") for line in lines[1:])
    assert b"".join(line[1:] if n else line for n, line in enumerate(lines)).decode() == (
        "SUMMARY:" + text
    )


def test_invitation_names_a_sender_with_a_display_name_as_cn(
    client, server_app, rabat, make_participant, make_user, login, inbox, monkeypatch
):
    """Bad input: MAIL_DEFAULT_SENDER with a display name (accented), which used to
    end up inside the mailto: URI."""
    monkeypatch.setitem(
        server_app.config, "MAIL_DEFAULT_SENDER", "Secrétariat du Programme <meetings@example.org>"
    )
    person = make_participant(rabat, status=RegistrationStatus.SUBMITTED, email="amina@example.org")
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    client.post(
        f"/manage/meetings/rabat/registrations/{person.id}/status", data={"action": "approve"}
    )
    (message,) = inbox.to("amina@example.org")
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    body = part.get_content()
    unfolded = body.replace("\r\n ", "")
    assert 'ORGANIZER;CN="Secrétariat du Programme":mailto:meetings@example.org\r\n' in unfolded
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["organizer"]) == "mailto:meetings@example.org"
    assert event["organizer"].params["CN"] == "Secrétariat du Programme"
    strict = vobject.readOne(body)
    assert strict.vevent.organizer.value == "mailto:meetings@example.org"
    assert strict.vevent.organizer.params["CN"] == ["Secrétariat du Programme"]


def test_a_lone_carriage_return_is_escaped_and_people_come_first_or_not_at_all(
    client, rabat, add_session, make_participant
):
    """Bad input: a description stored with a lone CR and CR LF (saved before forms
    normalised line breaks), a session with a text but nobody, one with neither."""
    chair = make_participant(rabat, given_name="Awa", family_name="Ndiaye")
    with_people = add_session(
        title="With people", description={"en": "Old Mac\rline"}, people=[(chair.id, CHAIR)]
    )
    alone = add_session(
        title="Text only", start=time(11), end=time(12), description={"en": "A\r\nB"}
    )
    bare = add_session(title="Nothing", start=time(14), end=time(15))
    services.publish(rabat)
    db.session.commit()
    body = client.get("/meetings/rabat/agenda.ics?lang=en").get_data()
    assert b"\r" not in body.replace(b"\r\n", b"")
    calendar, strict = _parse(body)  # vobject refused the whole feed on a raw CR
    events = _events(calendar)

    def uid(session):
        return f"session-{session.id}.rabat@meeting-manager"

    assert str(events[uid(with_people)]["description"]) == "Chair: Awa Ndiaye\n\nOld Mac\nline"
    assert str(events[uid(alone)]["description"]) == "A\nB"
    assert "description" not in events[uid(bare)]
    strict_events = {v.uid.value: v for v in strict.vevent_list}
    assert strict_events[uid(alone)].description.value == "A\nB"


# The c3voc schedule JSON schema's patterns (https://c3voc.de/schedule/schema.json).
C3VOC_ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
C3VOC_SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")


def _schedule(client, slug):
    xml = client.get(f"/meetings/{slug}/schedule.xml").get_data()
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(etree.fromstring(xml))
    return etree.fromstring(xml), client.get(f"/meetings/{slug}/schedule.json").get_json()


def test_schedule_json_follows_the_frab_conventions_pretalx_emits(client, rabat, published):
    """Bad input: a session with a participant and a guest, and a meeting day (14 June)
    without any session, which daysCount counted but `days` left out."""
    document, data = _schedule(client, "rabat")
    assert data["$schema"] == "https://c3voc.de/schedule/schema.json"
    conference = data["schedule"]["conference"]
    assert conference["daysCount"] == len(conference["days"]) == 2
    assert [d["date"] for d in conference["days"]] == ["2022-06-13", "2022-06-14"]
    assert [d["index"] for d in conference["days"]] == [1, 2]
    assert conference["days"][1]["rooms"] == {}
    assert document.findtext("conference/days") == "2" and len(document.findall("day")) == 2
    assert {r["name"] for r in conference["rooms"]} == {"Plénière", "Salle B"}

    events = {e["title"]: e for d in conference["days"] for r in d["rooms"].values() for e in r}
    opening = events["Ouverture"]
    chair, guest = opening["persons"]
    assert chair["id"] == published["chair"].id
    assert chair["public_name"] == chair["name"] == "Awa Ndiaye"
    assert guest["public_name"] == "Guest Speaker" and guest["id"] > 2**31 - 1
    for person in (chair, guest):
        assert str(uuid.UUID(person["guid"])) == person["guid"]
        assert re.fullmatch(r"[A-Z0-9]+", person["code"])
        assert {"biography", "avatar"} <= set(person)
    assert chair["guid"] != guest["guid"]
    url = f"http://localhost/meetings/rabat/sessions/{published['opening'].id}"
    assert opening["url"] == url
    assert opening["links"] == [{"title": "Ouverture", "url": url, "type": "related"}]
    for event in events.values():
        assert {"id", "guid", "date", "start", "duration", "room", "slug", "title"} <= set(event)
        assert event["subtitle"] == "" and event["attachments"] == []
        assert {"track", "type", "language", "abstract", "persons", "links", "url"} <= set(event)
        assert C3VOC_SLUG.match(event["slug"]) and event["slug"].startswith("rabat-")

    # The XML lists the same people, ids and links.
    xml_event = document.find(f"day/room/event[@id='{published['opening'].id}']")
    assert [(p.get("id"), p.text) for p in xml_event.findall("persons/person")] == [
        (str(chair["id"]), "Awa Ndiaye"),
        (str(guest["id"]), "Guest Speaker"),
    ]
    assert [(a.get("href"), a.text) for a in xml_event.findall("links/link")] == [
        (url, "Ouverture")
    ]
    assert xml_event.findtext("slug") == opening["slug"]
    # Stable from one export to the next.
    assert _schedule(client, "rabat")[1] == data


@pytest.mark.parametrize("slug", ["ab", "a-b", "board-2024"])
def test_a_short_or_hyphenated_slug_still_gives_valid_acronym_and_event_slugs(
    client, make_meeting, add_session, slug
):
    """Bad input: meeting slugs shorter than the four characters the c3voc schema asks
    of an acronym, or with hyphens it allows only before a year suffix."""
    meeting = make_meeting(
        slug=slug, start_date=date(2026, 3, 27), end_date=date(2026, 3, 28), timezone="UTC"
    )
    for n, title in enumerate(["Ouverture", "سلمى", "Ђорђевић — «débat»"]):
        add_session(
            meeting=meeting, title=title, day=date(2026, 3, 27), start=time(9 + n), end=time(10 + n)
        )
    services.publish(meeting)
    db.session.commit()
    document, data = _schedule(client, slug)
    acronym = data["schedule"]["conference"]["acronym"]
    assert C3VOC_ACRONYM.match(acronym)
    assert document.findtext("conference/acronym") == acronym
    slugs = [e.findtext("slug") for e in document.findall("day/room/event")]
    assert len(set(slugs)) == 3
    assert all(C3VOC_SLUG.match(s) and s.startswith(f"{acronym}-") for s in slugs)


def test_invitations_sent_together_each_name_their_own_attendee(rabat):
    """Bad input: two invitations in the same second (as an import sends them), the
    second for a name full of quotes, commas and Arabic, then a new title: the
    serialised event is reused only while the meeting reads the same."""
    from meeting_app.agenda.ical import meeting_event_calendar

    stamp = datetime(2027, 1, 5, 9, 30, 12, 1234, tzinfo=UTC)
    common = dict(
        language="en", base_url="https://example.org", stamp=stamp, method="REQUEST",
        organizer="Secrétariat <meetings@example.org>",
    )  # fmt: skip
    first = meeting_event_calendar(rabat, attendee=("awa@example.org", "Awa Ndiaye"), **common)
    odd = 'Salma "S." Benali, سلمى بنعلي'
    second = meeting_event_calendar(rabat, attendee=("salma@example.org", odd), **common)
    for body, email, name in ((first, "awa@example.org", "Awa Ndiaye"),
                              (second, "salma@example.org", odd)):  # fmt: skip
        calendar, strict = _parse(body)
        (event,) = calendar.walk("VEVENT")
        attendees = event.get("attendee")
        assert str(attendees) == f"mailto:{email}"
        assert attendees.params["cn"] == name  # quotes escaped as RFC 6868 says
        assert strict.vevent.attendee.value == f"mailto:{email}"
        assert str(event["organizer"]) == "mailto:meetings@example.org"
    rabat.title = {"en": "A renamed Programme Board"}
    renamed = meeting_event_calendar(rabat, attendee=("awa@example.org", "Awa Ndiaye"), **common)
    (event,) = icalendar.Calendar.from_ical(renamed).walk("VEVENT")
    assert str(event["summary"]) == "A renamed Programme Board"


def test_calendar_texts_say_their_language(client, rabat, add_session, make_participant):
    """RFC 5545's LANGUAGE parameter (3.2.10) on each text in one language: the title
    and the description in the language asked for, or in the one they fell back to;
    none on a description that mixes the calendar's labels and a fallback text, nor
    on the place (names, in no one language)."""
    opening = add_session(title="Ouverture", description={"fr": "Mot de bienvenue."})
    opening.title["ar"] = "الجلسة الافتتاحية"
    opening.description["ar"] = "كلمة ترحيب من البلد المضيف."
    chair = make_participant(rabat, given_name="Awa", family_name="Ndiaye")
    add_session(
        title="Panel",
        start=time(14),
        end=time(15),
        people=[(chair.id, CHAIR)],
        description={"fr": "Débat."},
    )
    add_session(title="Pause", start=time(16), end=time(17), people=[("Guest Speaker", SPEAKER)])
    services.publish(rabat)
    db.session.commit()

    arabic = client.get("/meetings/rabat/agenda.ics?lang=ar").get_data()
    unfolded = arabic.decode().replace("\r\n ", "")
    assert "SUMMARY;LANGUAGE=ar:الجلسة الافتتاحية" in unfolded
    assert "DESCRIPTION;LANGUAGE=ar:كلمة ترحيب من البلد المضيف." in unfolded
    assert "CATEGORIES;LANGUAGE=ar:" in unfolded
    calendar, other = _parse(arabic)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert events["الجلسة الافتتاحية"]["summary"].params["LANGUAGE"] == "ar"
    assert "LANGUAGE" not in events["الجلسة الافتتاحية"]["location"].params
    assert {v.summary.params["LANGUAGE"][0] for v in other.vevent_list} == {"ar", "fr"}

    russian = client.get("/meetings/rabat/agenda.ics?lang=ru").get_data().decode()
    unfolded = russian.replace("\r\n ", "")
    # No Russian title: the meeting's default language's, marked as French.
    assert "SUMMARY;LANGUAGE=fr:Ouverture" in unfolded
    assert "DESCRIPTION;LANGUAGE=fr:Mot de bienvenue." in unfolded
    # The chair's role in Russian, the session's text in French: no one language.
    (panel,) = [line for line in unfolded.split("\r\n") if "Awa Ndiaye" in line]
    assert panel.startswith("DESCRIPTION:") and panel.endswith("Débat.")
    # The speaker's role alone: Russian.
    (pause,) = [line for line in unfolded.split("\r\n") if "Guest Speaker" in line]
    assert pause.startswith("DESCRIPTION;LANGUAGE=ru:")


def test_the_whole_meeting_event_says_its_language(client, rabat):
    rabat.title["ar"] = "اجتماع المجلس"
    db.session.commit()
    (event,) = icalendar.Calendar.from_ical(
        client.get("/meetings/rabat/meeting.ics?lang=ar").get_data()
    ).walk("VEVENT")
    assert str(event["summary"]) == "اجتماع المجلس"
    assert event["summary"].params["LANGUAGE"] == "ar"
    (event,) = icalendar.Calendar.from_ical(
        client.get("/meetings/rabat/meeting.ics?lang=ru").get_data()
    ).walk("VEVENT")
    assert event["summary"].params["LANGUAGE"] == "fr"  # the default language's title
