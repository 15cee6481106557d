"""The organisers' side of travel and hotels (/manage/meetings/<slug>/travel/):
the section's switch, hotels and room blocks, everyone's travel and editing one
person's, each change in the audit log; hosts and other meetings' staff kept out;
a meeting started from this one gets its hotels."""

from datetime import date, timedelta

import pytest

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.manage import services as manage
from meeting_app.meetings.services import input_from
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import RegistrationStatus
from meeting_app.travel import services
from meeting_app.travel.models import Hotel, RoomBlock
from tests.travel.helpers import add_hotel, block_of, travel_form, travel_meeting

EN = {"Accept-Language": "en"}
BASE = "/manage/meetings/rabat/travel"


@pytest.fixture
def meeting(open_meeting):
    return travel_meeting(open_meeting, slug="rabat", travel_enabled=False)


@pytest.fixture
def organiser(client, make_user, login, meeting):
    user = make_user(Role.ORGANISER, "secretariat@example.org", meetings=[meeting])
    login("secretariat@example.org")
    return user


def _actions(meeting) -> list[tuple[str, str]]:
    return [
        (e.action, e.details)
        for e in db.session.execute(
            db.select(AuditEntry).filter_by(meeting_id=meeting.id).order_by(AuditEntry.id)
        ).scalars()
    ]


def test_organisers_switch_the_section_on_and_off(client, organiser, meeting):
    page = client.get(f"{BASE}/", headers=EN).get_data(as_text=True)
    assert "Ask participants for their arrival, departure and hotel room" in page
    assert client.post(f"{BASE}/", data={"enabled": "y"}).status_code == 302
    db.session.expire_all()
    assert meeting.travel_enabled is True
    client.post(f"{BASE}/", data={})
    db.session.expire_all()
    assert meeting.travel_enabled is False
    assert [a for a in _actions(meeting) if a[0] == "travel.switched"] == [
        ("travel.switched", "on"),
        ("travel.switched", "off"),
    ]
    # The meeting's back-office page has the section's card.
    overview = client.get("/manage/meetings/rabat/", headers=EN).get_data(as_text=True)
    assert f"{BASE}/" in overview and "Travel and hotels" in overview


def test_hotels_and_blocks_are_added_changed_and_deleted(client, organiser, meeting):
    response = client.post(
        f"{BASE}/hotels/new",
        data={"name": "Hôtel Tour Hassan", "address": "26 rue Patrice Lumumba", "notes": ""},
    )
    hotel = db.session.execute(db.select(Hotel)).scalar_one()
    assert response.location.endswith(f"{BASE}/hotels/{hotel.id}")
    block = {"room_type": "Double", "first_night": "2031-06-15", "last_night": "2031-06-18"}
    assert (
        client.post(f"{BASE}/hotels/{hotel.id}/blocks", data={**block, "rooms": "10"}).status_code
        == 302
    )
    added = db.session.execute(db.select(RoomBlock)).scalar_one()
    assert (added.rooms, added.rooms_taken, added.last_night) == (10, 0, date(2031, 6, 18))
    page = client.get(f"{BASE}/hotels/{hotel.id}", headers=EN).get_data(as_text=True)
    assert "Double" in page and "4 nights" in page
    assert (
        client.post(f"{BASE}/blocks/{added.id}", data={**block, "rooms": "12"}).status_code == 302
    )
    client.post(f"{BASE}/hotels/{hotel.id}", data={"name": "Tour Hassan Palace", "address": ""})
    db.session.expire_all()
    assert (added.rooms, hotel.name) == (12, "Tour Hassan Palace")
    index = client.get(f"{BASE}/", headers=EN).get_data(as_text=True)
    assert "Tour Hassan Palace" in index and ">12<" in index
    client.post(f"{BASE}/blocks/{added.id}/delete")
    client.post(f"{BASE}/hotels/{hotel.id}/delete")
    assert db.session.scalar(db.select(db.func.count(Hotel.id))) == 0
    assert [a for a, _ in _actions(meeting)] == ["hotels.changed"] * 6


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"rooms": "-1"}, "rooms", "Number must be between 0 and 10000."),
        ({"rooms": ""}, "rooms", "Give the number of rooms."),
        ({"room_type": " "}, "room_type", "Say what kind of room it is"),
        ({"last_night": "2031-06-14"}, "last_night", "cannot be before the first night"),
        ({"first_night": "15/06/2031"}, "first_night", "Not a valid date value."),
    ],
)
def test_bad_blocks_are_refused_with_a_message(client, organiser, meeting, typed, field, message):
    hotel = add_hotel(meeting, "Ibis")
    block = {"room_type": "Single", "first_night": "2031-06-15", "last_night": "2031-06-18"}
    response = client.post(
        f"{BASE}/hotels/{hotel.id}/blocks", data={**block, "rooms": "3", **typed}, headers=EN
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert db.session.scalar(db.select(db.func.count(RoomBlock.id))) == 0


def test_a_block_with_rooms_taken_cannot_shrink_below_them_nor_go(
    client, organiser, meeting, make_participant
):
    hotel = add_hotel(meeting, "Ibis", ("Single", 3))
    block = block_of(hotel, "Single")
    for _ in range(2):
        services.save(make_participant(meeting), services.TravelInput(), block.id)
    db.session.commit()
    values = {
        "room_type": "Single",
        "first_night": block.first_night.isoformat(),
        "last_night": block.last_night.isoformat(),
        "rooms": "1",
    }
    response = client.post(f"{BASE}/blocks/{block.id}", data=values, headers=EN)
    assert response.status_code == 422
    assert "2 rooms of this block are taken already" in response.get_data(as_text=True)
    gone = client.post(f"{BASE}/blocks/{block.id}/delete", follow_redirects=True, headers=EN)
    assert "Participants hold rooms in this block" in gone.get_data(as_text=True)
    gone = client.post(f"{BASE}/hotels/{hotel.id}/delete", follow_redirects=True, headers=EN)
    assert "Participants hold rooms in this hotel" in gone.get_data(as_text=True)
    db.session.expire_all()
    assert (block.rooms, block.rooms_taken) == (3, 2)


def test_organisers_see_everyones_travel_and_change_a_persons(
    client, organiser, meeting, make_participant
):
    meeting.travel_enabled = True
    hotel = add_hotel(meeting, "Ibis", ("Single", 3), ("Double", 3))
    single, double = block_of(hotel, "Single"), block_of(hotel, "Double")
    ana = make_participant(meeting, given_name="Ana", family_name="Zorrilla")
    emond = make_participant(meeting, given_name="Luc", family_name="Émond")
    gone = make_participant(meeting, family_name="Quitté")
    services.save(ana, services.TravelInput(arrival_flight="IB 3302"), single.id)
    services.save(gone, services.TravelInput(), double.id)
    db.session.commit()
    gone.status = RegistrationStatus.CANCELLED  # cancelled after choosing: still holds a room
    db.session.commit()

    page = client.get(f"{BASE}/people", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    # French order: Émond among the E's, before Quitté and Zorrilla; the cancelled
    # registration is listed because it still holds a room (to be freed).
    assert page.index("Émond") < page.index("Quitté") < page.index("Zorrilla")
    assert "IB 3302" in page

    response = client.post(
        f"{BASE}/people/{emond.id}", data=travel_form(double.id, arrival_flight="AF 1340")
    )
    assert response.status_code == 302
    client.post(f"{BASE}/people/{gone.id}", data=travel_form("none"))
    db.session.expire_all()
    assert services.travel_of(emond).arrival_flight == "AF 1340"
    assert services.booking_of(gone) is None and double.rooms_taken == 1
    edits = [(a, d) for a, d in _actions(meeting) if a == "travel.edited"]
    assert len(edits) == 2
    assert edits[0][1].startswith("hotel, arrival_date, arrival_time, arrival_flight")
    assert "AF 1340" not in edits[0][1]  # field names, no personal values

    # The same checks as the participant's form.
    bad = client.post(f"{BASE}/people/{emond.id}", data=travel_form(arrival_flight="A/F"))
    assert bad.status_code == 422


def test_a_person_of_another_meeting_is_not_found(
    client, organiser, meeting, open_meeting, make_participant
):
    other = travel_meeting(open_meeting, slug="dakar")
    stranger = make_participant(other)
    hotel = add_hotel(other, "Radisson", ("Single", 2))
    for path in (
        f"/people/{stranger.id}",
        f"/hotels/{hotel.id}",
        f"/blocks/{block_of(hotel, 'Single').id}",
    ):
        assert client.get(BASE + path).status_code == 404, path
    assert client.post(f"{BASE}/hotels/{hotel.id}/delete").status_code == 404
    assert db.session.get(Hotel, hotel.id) is not None


def test_hosts_are_refused_and_other_meetings_organisers_find_nothing(
    client, meeting, open_meeting, make_user, login
):
    other = open_meeting(slug="dakar")
    make_user(Role.HOST, "door@example.org", meetings=[meeting])
    make_user(Role.ORGANISER, "dakar@example.org", meetings=[other])
    login("door@example.org")
    assert client.get(f"{BASE}/").status_code == 403
    assert client.post(f"{BASE}/", data={"enabled": "y"}).status_code == 403
    client.post("/logout")
    login("dakar@example.org")
    assert client.get(f"{BASE}/").status_code == 404
    assert client.get(f"{BASE}/people").status_code == 404
    db.session.expire_all()
    assert meeting.travel_enabled is False


def test_a_meeting_started_from_this_one_gets_its_hotels_with_no_room_taken(
    app, meeting, make_participant
):
    meeting.travel_enabled = True
    hotel = add_hotel(meeting, "Ibis", ("Single", 3), ("Double", 5))
    services.save(make_participant(meeting), services.TravelInput(), block_of(hotel, "Double").id)
    db.session.commit()
    data = input_from(meeting)
    data.slug = "rabat-2032"
    data.start_date, data.end_date = date(2032, 6, 14), date(2032, 6, 16)
    with app.test_request_context():
        copy = manage.clone_meeting(meeting, data)
    db.session.commit()
    assert copy.travel_enabled is True
    (copied,) = services.hotels_of(copy)
    assert (copied.name, copied.address) == ("Ibis", hotel.address)
    shift = copy.start_date - meeting.start_date
    assert sorted((b.room_type, b.rooms, b.rooms_taken, b.first_night) for b in copied.blocks) == [
        ("Double", 5, 0, block_of(hotel, "Double").first_night + shift),
        ("Single", 3, 0, block_of(hotel, "Single").first_night + shift),
    ]
    assert shift == timedelta(days=364)
