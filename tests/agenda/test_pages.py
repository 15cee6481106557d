"""Agenda pages: the public agenda and its JSON, one session, and the organisers'
forms with bad input and stale edits."""

from datetime import date, time

import pytest

from meeting_app.accounts.models import Role
from meeting_app.agenda import services
from meeting_app.agenda.models import AgendaSession
from meeting_app.extensions import db
from tests.agenda.conftest import SPEAKER


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")


def test_public_agenda_shows_the_published_version_in_local_time(
    client, rabat, add_session, make_participant
):
    speaker = make_participant(rabat, given_name="Đorđe", family_name="Petrović")
    add_session(title="Ouverture", start=time(9), end=time(10, 30), people=[(speaker.id, SPEAKER)])
    empty = client.get("/meetings/rabat/agenda", headers={"Accept-Language": "en"})
    assert "The agenda has not been published yet." in empty.get_data(as_text=True)
    services.publish(rabat)
    db.session.commit()
    html = client.get("/meetings/rabat/agenda", headers={"Accept-Language": "es"}).get_data(True)
    assert "09:00" in html and "10:30" in html
    assert "Africa/Casablanca (UTC+01:00)" in html
    assert '<span class="role">Ponente</span> Đorđe Petrović' in html
    # Only French and English titles exist: Spanish readers get French, marked.
    assert '<span lang="fr">Ouverture</span>' in html


def test_agenda_filters_by_day_room_and_kind(client, rabat, add_session):
    add_session(title="Day one panel", start=time(9), end=time(10))
    add_session(
        title="Day two room B", day=date(2022, 6, 14), start=time(9), end=time(10), room="Salle B"
    )
    services.publish(rabat)
    db.session.commit()

    def titles(**args):
        html = client.get("/meetings/rabat/agenda", query_string=args).get_data(as_text=True)
        return {t for t in ("Day one panel", "Day two room B") if t in html}

    assert titles() == {"Day one panel", "Day two room B"}
    assert titles(day="2022-06-14") == {"Day two room B"}
    assert titles(room="Plénière") == {"Day one panel"}
    assert titles(kind="plenary") == set()
    assert titles(kind="panel", day="nonsense") == set()


def test_session_page_and_unknown_ids(client, rabat, add_session, make_meeting):
    session = add_session(title="Ouverture", description={"fr": "<b>Bienvenue</b>"})
    draft = add_session(title="Brouillon", start=time(11), end=time(12))
    services.publish(rabat)
    services.delete_session(draft, draft.revision)
    later = add_session(title="Pas encore publié", start=time(14), end=time(15))
    db.session.commit()
    page = client.get(f"/meetings/rabat/sessions/{session.id}")
    assert page.status_code == 200
    assert "&lt;b&gt;Bienvenue&lt;/b&gt;" in page.get_data(as_text=True)
    assert client.get(f"/meetings/rabat/sessions/{later.id}").status_code == 404
    assert client.get("/meetings/rabat/sessions/999999").status_code == 404
    make_meeting(slug="elsewhere")
    assert client.get(f"/meetings/elsewhere/sessions/{session.id}").status_code == 404


def test_agenda_json_for_other_tools(client, rabat, add_session):
    session = add_session(title="Ouverture", start=time(9), end=time(10, 30))
    services.publish(rabat)
    db.session.commit()
    data = client.get("/meetings/rabat/agenda.json").get_json()
    assert data["meeting"]["timezone"] == "Africa/Casablanca"
    assert data["version"] == 1
    (item,) = data["sessions"]
    assert item["id"] == session.id
    assert item["start"] == "2022-06-13T09:00:00+01:00"
    assert item["start_utc"] == "2022-06-13T08:00:00+00:00"
    assert item["room"] == "Plénière"
    assert item["url"].endswith(f"/meetings/rabat/sessions/{session.id}")


def _form(**values):
    return {
        "kind": "panel",
        "day": "2022-06-13",
        "start": "09:00",
        "end": "10:00",
        "room_id": "",
        "title_en": "Panel",
        "revision": "",
        **values,
    }


def test_organiser_creates_a_session_with_people(client, organiser, rabat, make_participant):
    speaker = make_participant(
        rabat, given_name="Awa", family_name="Ndiaye", organisation="Ville de Dakar"
    )
    response = client.post(
        "/manage/meetings/rabat/agenda/sessions/new",
        data=_form(
            **{
                "people-0-name": f"Awa Ndiaye (Ville de Dakar) (#{speaker.id})",
                "people-0-role": "chair",
                "people-1-name": "Invited Guest",
                "people-1-role": "speaker",
            }
        ),
    )
    assert response.status_code == 302
    (session,) = services.sessions_of(rabat)
    assert [(p.participant_id, p.guest_name, p.role.value) for p in session.people] == [
        (speaker.id, "", "chair"),
        (None, "Invited Guest", "speaker"),
    ]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"end": "08:00"}, "end", "The session must end after it starts."),
        ({"end": "09:00"}, "end", "The session must end after it starts."),
        (
            {"day": "2022-05-08", "start": "02:15", "end": "04:00"},
            "start",
            "This start time does not exist",
        ),
        ({"day": "2022-03-27", "start": "01:00", "end": "02:30"}, "end", "happens twice"),
        ({"start": "25:00"}, "start", "Enter a time."),
        ({"title_en": ""}, "title_en", "Give the title in at least one language."),
        ({"kind": "party"}, "kind", "Not a valid choice."),
    ],
)
def test_session_form_bad_input_is_shown_next_to_the_field(
    client, organiser, rabat, values, field, message
):
    response = client.post(
        "/manage/meetings/rabat/agenda/sessions/new",
        data=_form(**values),
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert services.sessions_of(rabat) == []


def test_room_and_person_of_another_meeting_in_the_form(
    client, organiser, rabat, make_meeting, make_participant
):
    other = make_meeting(slug="other")
    room = services.save_room(
        other, name="Far away", capacity=None, notes="", available_from=None, available_until=None
    )
    stranger = make_participant(other)
    db.session.commit()
    response = client.post(
        "/manage/meetings/rabat/agenda/sessions/new",
        data=_form(room_id=str(room.id)),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422  # not among this meeting's rooms
    response = client.post(
        "/manage/meetings/rabat/agenda/sessions/new",
        data=_form(**{"people-0-name": f"X (#{stranger.id})", "people-0-role": "speaker"}),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "Choose people registered for this meeting" in response.get_data(as_text=True)


def test_stale_edit_is_refused_and_says_so(client, organiser, rabat, add_session):
    session = add_session(title="Panel")
    opened = session.revision
    services.move_session(
        rabat,
        session,
        day=date(2022, 6, 13),
        start=time(11),
        end=time(12),
        room_id=session.room_id,
        expected_revision=opened,
    )
    db.session.commit()
    response = client.post(
        f"/manage/meetings/rabat/agenda/sessions/{session.id}",
        data=_form(title_en="Overwritten", revision=str(opened)),
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "Someone changed this session after you opened it" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AgendaSession, session.id).title["en"] == "Panel"


def test_move_endpoint_checks_like_the_form(client, organiser, rabat, add_session):
    session = add_session(title="Panel")
    url = f"/manage/meetings/rabat/agenda/sessions/{session.id}/move"
    ok = client.post(
        url,
        json={
            "start": "2022-06-13T14:00",
            "end": "2022-06-13T15:30",
            "room_id": None,
            "revision": session.revision,
        },
    )
    assert ok.status_code == 200 and ok.get_json()["revision"] == session.revision + 1
    stale = client.post(
        url,
        json={
            "start": "2022-06-13T16:00",
            "end": "2022-06-13T17:00",
            "room_id": None,
            "revision": session.revision,
        },
    )
    assert stale.status_code == 409
    backwards = client.post(
        url,
        json={
            "start": "2022-06-13T16:00",
            "end": "2022-06-13T15:00",
            "room_id": None,
            "revision": session.revision + 1,
        },
    )
    assert backwards.status_code == 422
    assert client.post(url, json={"start": "soon"}).status_code == 400
    assert client.post(url, data="not json").status_code == 400
    assert (
        client.post("/manage/meetings/rabat/agenda/sessions/999999/move", json={}).status_code
        == 404
    )
    db.session.expire_all()
    moved = db.session.get(AgendaSession, session.id)
    assert moved.starts_at.astimezone(rabat.tz).strftime("%H:%M") == "14:00"
    assert moved.room_id is None


def test_organiser_pages_render(client, organiser, rabat, add_session):
    session = add_session(title="Panel", start=time(9), end=time(10))
    add_session(title="Clash", start=time(9, 30), end=time(10, 30))
    for path in (
        "/",
        "/?day=2022-06-14",
        "/?day=bad",
        "/rooms",
        "/conflicts",
        "/publish",
        "/copy",
        f"/sessions/{session.id}",
        "/sessions/new?day=2022-06-14&start=10:15",
    ):
        response = client.get(f"/manage/meetings/rabat/agenda{path}")
        assert response.status_code == 200, path
    conflicts = client.get(
        "/manage/meetings/rabat/agenda/conflicts", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Room Plénière is booked twice at the same time" in conflicts
    publish = client.post("/manage/meetings/rabat/agenda/publish")
    assert publish.status_code == 302
    assert services.latest_version(rabat).number == 1


def test_rooms_are_added_with_hours_and_unique_names(client, organiser, rabat):
    client.post(
        "/manage/meetings/rabat/agenda/rooms",
        data={
            "name": "Salle C",
            "capacity": "20",
            "available_from": "09:00",
            "available_until": "17:00",
        },
    )
    again = client.post(
        "/manage/meetings/rabat/agenda/rooms",
        data={"name": "Salle C"},
        headers={"Accept-Language": "en"},
    )
    assert "already has a room with that name" in again.get_data(as_text=True)
    reversed_hours = client.post(
        "/manage/meetings/rabat/agenda/rooms",
        data={"name": "Salle D", "available_from": "17:00", "available_until": "09:00"},
        headers={"Accept-Language": "en"},
    )
    assert "The room must close after it opens." in reversed_hours.get_data(as_text=True)
    names = [r.name for r in services.rooms_of(rabat)]
    assert names == ["Plénière", "Salle B", "Salle C"]


def _queries(client, path: str) -> int:
    import sqlalchemy as sa

    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return len(statements)


def test_query_counts_do_not_grow_with_the_number_of_sessions(
    client, organiser, rabat, add_session, make_participant
):
    pages = (
        "/meetings/rabat/agenda",
        "/meetings/rabat/agenda.json",
        "/manage/meetings/rabat/agenda/?day=2022-06-13",
    )

    def add(count: int, offset: int) -> None:
        for n in range(count):
            person = make_participant(rabat, email=f"s{offset + n}@example.org")
            add_session(
                title=f"S{offset + n}",
                start=time(8 + (offset + n) % 10),
                end=time(9 + (offset + n) % 10),
                room=None,
                people=[(person.id, SPEAKER)],
            )
        services.publish(rabat)
        db.session.commit()

    add(2, 0)
    few = [_queries(client, page) for page in pages]
    add(18, 2)
    assert [_queries(client, page) for page in pages] == few


def test_a_room_is_edited_in_place(client, organiser, rabat):
    room = next(r for r in services.rooms_of(rabat) if r.name == "Salle B")
    page = client.get(
        f"/manage/meetings/rabat/agenda/rooms?room={room.id}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert 'value="Salle B"' in page and "Edit the room Salle B" in page
    client.post(
        f"/manage/meetings/rabat/agenda/rooms?room={room.id}",
        data={"name": "Salle Bouregreg", "capacity": "45", "available_from": "08:00"},
    )
    db.session.expire_all()
    assert (room.name, room.capacity) == ("Salle Bouregreg", 45)
    assert len(services.rooms_of(rabat)) == 2
    assert client.get("/manage/meetings/rabat/agenda/rooms?room=999999").status_code == 404


def test_each_day_is_labelled_with_its_own_offset_across_a_clock_change(
    client, make_meeting, make_participant, add_session
):
    """Bad input: a meeting in Belgrade from Friday 27 to Tuesday 31 March 2026; the
    clocks go forward on Sunday 29 March (UTC+01:00, then UTC+02:00)."""
    belgrade = make_meeting(
        slug="belgrade",
        start_date=date(2026, 3, 27),
        end_date=date(2026, 3, 31),
        timezone="Europe/Belgrade",
    )
    before = add_session(meeting=belgrade, title="Friday", day=date(2026, 3, 27))
    after = add_session(meeting=belgrade, title="Monday", day=date(2026, 3, 30))
    services.publish(belgrade)
    db.session.commit()
    english = {"Accept-Language": "en"}
    html = client.get("/meetings/belgrade/agenda", headers=english).get_data(as_text=True)
    friday = html.split('id="day-2026-03-27"', 1)[1].split('id="day-2026-03-30"', 1)[0]
    monday = html.split('id="day-2026-03-30"', 1)[1]
    assert "Europe/Belgrade (UTC+01:00)" in friday and "UTC+02:00" not in friday
    assert "Europe/Belgrade (UTC+02:00)" in monday and "UTC+01:00" not in monday
    # The top of the page no longer gives the first day's offset as the meeting's.
    lead = html.split('id="day-2026-03-27"', 1)[0]
    assert "UTC+01:00" not in lead and "the clocks change during the meeting" in lead
    page = client.get(f"/meetings/belgrade/sessions/{after.id}", headers=english)
    assert "Europe/Belgrade (UTC+02:00)" in page.get_data(as_text=True)
    page = client.get(f"/meetings/belgrade/sessions/{before.id}", headers=english)
    assert "Europe/Belgrade (UTC+01:00)" in page.get_data(as_text=True)
    # The meeting page (and the booklet, from the same function) give both offsets.
    meeting_page = client.get("/meetings/belgrade/", headers=english).get_data(as_text=True)
    assert "Europe/Belgrade (UTC+01:00 → UTC+02:00)" in meeting_page
    participant = make_participant(belgrade)
    mine = client.get(f"/r/{participant.token}/programme", headers=english).get_data(as_text=True)
    assert "Europe/Belgrade (UTC+02:00)" in mine.split('id="day-2026-03-30"', 1)[1]
    # One offset for the whole meeting: said once, at the top.
    steady = make_meeting(
        slug="steady",
        timezone="Europe/Belgrade",
        start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 2),
    )
    add_session(meeting=steady, title="June", day=date(2026, 6, 2))
    services.publish(steady)
    db.session.commit()
    html = client.get("/meetings/steady/agenda", headers=english).get_data(as_text=True)
    assert html.count("Europe/Belgrade (UTC+02:00)") == 1
