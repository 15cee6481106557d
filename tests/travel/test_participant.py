"""A participant gives their travel and chooses a hotel room from their private
link (/r/<token>/travel): what is saved, and each bad input refused with a clear
message, what was typed kept and nothing lost."""

import html
from datetime import date, time

import pytest

from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus
from meeting_app.travel import services
from meeting_app.travel.models import HotelBooking, TravelDetails
from tests.conftest import form_token
from tests.travel.helpers import add_hotel, block_of, travel_form, travel_meeting

EN = {"Accept-Language": "en"}


@pytest.fixture
def meeting(open_meeting):
    return travel_meeting(open_meeting, slug="rabat")


@pytest.fixture
def hotel(meeting):
    return add_hotel(meeting, "Hôtel Tour Hassan", ("Single", 2), ("Double", 1))


@pytest.fixture
def person(meeting, make_participant):
    return make_participant(meeting, given_name="Ndèye", family_name="Diop", phone="+221 77 1")


def _page(client, person, **kwargs) -> str:
    return client.get(f"/r/{person.token}/travel", headers=EN, **kwargs).get_data(as_text=True)


def _post(client, person, data):
    return client.post(f"/r/{person.token}/travel", data=data, headers=EN)


def test_the_private_page_links_to_travel_only_when_the_section_is_on(client, meeting, person):
    page = client.get(f"/r/{person.token}", headers=EN).get_data(as_text=True)
    assert f"/r/{person.token}/travel" in page
    meeting.travel_enabled = False
    db.session.commit()
    page = client.get(f"/r/{person.token}", headers=EN).get_data(as_text=True)
    assert "/travel" not in page
    # Typed by hand, the address sends the person back to their page.
    response = client.get(f"/r/{person.token}/travel", headers=EN)
    assert response.status_code == 302 and response.location.endswith(f"/r/{person.token}")


@pytest.mark.parametrize(
    "status", [RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED], ids=lambda s: s.value
)
def test_a_cancelled_or_declined_registration_gives_no_travel(client, meeting, person, status):
    person.status = status
    db.session.commit()
    response = _post(client, person, travel_form())
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(TravelDetails.id))) == 0


def test_the_form_says_times_are_local_and_offers_blocks_with_rooms_left(
    client, meeting, hotel, person
):
    page = _page(client, person)
    assert "local times where the meeting is held" in page
    assert "Casablanca" in page  # the meeting's zone, named
    assert "Hôtel Tour Hassan · Single" in page and "2 rooms left" in page
    assert "Double" in page and "1 room left" in page
    assert "No room through the meeting" in page
    # The page is private: not cached, its address not sent on.
    response = client.get(f"/r/{person.token}/travel")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_travel_and_room_are_saved_and_shown_again(client, meeting, hotel, person):
    single = block_of(hotel, "Single")
    response = _post(
        client,
        person,
        travel_form(single.id, arrival_flight=" at  512 ", share_with="  Sita Gurung "),
    )
    assert response.status_code == 302 and response.location.endswith(f"/r/{person.token}")
    db.session.expire_all()
    travel = services.travel_of(person)
    assert (travel.arrival_date, travel.arrival_time) == (date(2031, 6, 15), time(14, 35))
    assert travel.arrival_flight == "AT 512"  # capitals, one space
    assert (travel.departure_flight, travel.airport_transfer) == ("AT513", True)
    booking = services.booking_of(person)
    assert (booking.block_id, booking.share_with) == (single.id, "Sita Gurung")
    assert single.rooms_taken == 1
    page = _page(client, person)
    assert 'value="AT 512"' in page and "2031-06-15" in page
    assert f'value="{single.id}" checked' in page and "your current room" in page


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("arrival_flight", "A", "2 to 8 letters and digits"),  # too short
        ("arrival_flight", "AT-512", "2 to 8 letters and digits"),  # a hyphen
        ("departure_flight", "AT 5 12", "2 to 8 letters and digits"),  # two spaces
        ("departure_flight", "ABCDE12345", "2 to 8 letters and digits"),  # ten characters
        ("arrival_flight", "=1+1", "2 to 8 letters and digits"),  # a formula
        ("arrival_flight", "AT٥١٢", "2 to 8 letters and digits"),  # Arabic-Indic digits
        ("arrival_date", "2031-05-15", "more than 30 days away"),  # 32 days before
        ("departure_date", "2031-07-20", "more than 30 days away"),  # 32 days after
        ("arrival_date", "2031-13-01", "Not a valid date value"),
        ("arrival_time", "25:00", "Not a valid time value"),
    ],
)
def test_bad_travel_input_is_refused_next_to_its_field_and_kept(
    client, meeting, person, field, typed, message
):
    response = _post(client, person, travel_form(**{field: typed}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in html.unescape(error)
    assert f'aria-describedby="{field}-error"' in page or f"{field}-error" in page
    assert html.escape(typed) in page  # what was typed stays in the form
    assert db.session.scalar(db.select(db.func.count(TravelDetails.id))) == 0


def test_an_arrival_after_the_departure_is_refused(client, meeting, person):
    for arrival, departure in [
        ({"arrival_date": "2031-06-19"}, {"departure_date": "2031-06-15"}),
        # The same day: the times decide.
        (
            {"arrival_date": "2031-06-17", "arrival_time": "18:00"},
            {"departure_date": "2031-06-17", "departure_time": "08:00"},
        ),
    ]:
        response = _post(client, person, travel_form(**arrival, **departure))
        assert response.status_code == 422
        assert "The arrival is after the departure" in response.get_data(as_text=True)
    assert services.travel_of(person) is None
    # Arriving and leaving the same day, in that order, is fine.
    same_day = {"arrival_date": "2031-06-17", "arrival_time": "08:00"}
    leaving = {"departure_date": "2031-06-17", "departure_time": "18:00"}
    assert _post(client, person, travel_form(**same_day, **leaving)).status_code == 302


def test_a_time_without_its_date_is_refused(client, meeting, person):
    response = _post(client, person, travel_form(arrival_date=""))
    assert response.status_code == 422
    assert "Give the date as well" in response.get_data(as_text=True)


def test_nothing_given_is_fine_and_stores_nothing(client, meeting, person):
    empty = {name: "" for name in travel_form()} | {"block": "none"}
    empty.pop("airport_transfer")
    assert _post(client, person, empty).status_code == 302
    assert db.session.scalar(db.select(db.func.count(TravelDetails.id))) == 0


def test_a_block_full_at_the_moment_of_choosing_keeps_what_was_typed(
    client, meeting, hotel, person, make_participant
):
    """The page offered the double room; someone else took it before this person
    sent the form: the conditional UPDATE fails, the message says so, their
    typing is all there, their earlier room is kept, and nothing is saved."""
    double, single = block_of(hotel, "Double"), block_of(hotel, "Single")
    assert _post(client, person, travel_form(single.id)).status_code == 302
    assert f'value="{double.id}"' in _page(client, person)
    rival = make_participant(meeting)
    assert _post(client, rival, travel_form(double.id)).status_code == 302

    changed = travel_form(double.id, arrival_flight="AF 1340", arrival_airport="Casablanca")
    response = _post(client, person, changed)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "No room left in that block" in page
    assert 'value="AF 1340"' in page and 'value="Casablanca"' in page
    assert 'aria-describedby="block-error"' in page
    assert f'value="{double.id}"' not in page  # the full block is no longer offered
    assert f'value="{single.id}" checked' in page  # the room held is chosen again
    db.session.expire_all()
    assert services.booking_of(person).block_id == single.id  # the old room kept
    assert services.travel_of(person).arrival_flight == "AT 512"  # nothing half-saved
    assert (double.rooms_taken, single.rooms_taken) == (1, 1)


def test_a_block_of_another_meeting_is_not_found(
    client, meeting, person, open_meeting, make_participant
):
    other = travel_meeting(open_meeting, slug="dakar")
    foreign = block_of(add_hotel(other, "Radisson Dakar", ("Single", 5)), "Single")
    response = _post(client, person, travel_form(foreign.id))
    assert response.status_code == 404
    for value in ("0", "-1", "abc", str(2**31), "1e3"):  # tampered values, all unknown
        assert _post(client, person, travel_form(value)).status_code == 404, value
    db.session.expire_all()
    assert foreign.rooms_taken == 0
    assert db.session.scalar(db.select(db.func.count(HotelBooking.id))) == 0
    assert services.travel_of(person) is None


def test_moving_to_another_block_frees_the_first(client, meeting, hotel, person):
    single, double = block_of(hotel, "Single"), block_of(hotel, "Double")
    _post(client, person, travel_form(single.id))
    _post(client, person, travel_form(double.id))
    db.session.expire_all()
    assert (single.rooms_taken, double.rooms_taken) == (0, 1)
    assert services.booking_of(person).block_id == double.id
    _post(client, person, travel_form("none"))
    db.session.expire_all()
    assert (single.rooms_taken, double.rooms_taken) == (0, 0)
    assert services.booking_of(person) is None


def test_a_participant_sees_only_their_own_travel(client, meeting, hotel, person, make_participant):
    other = make_participant(meeting, given_name="Oleksandr", family_name="Shevchenko")
    _post(
        client,
        other,
        travel_form(block_of(hotel, "Single").id, arrival_flight="PS 777", share_with="Olena"),
    )
    page = _page(client, person)
    assert "PS 777" not in page and "Olena" not in page and "Shevchenko" not in page
    assert 'value="AT 512"' not in page  # nothing filled in: this person gave nothing
    # The other person's token is theirs only: a near miss is the same 404.
    assert client.get(f"/r/{other.token[:-1]}x/travel").status_code == 404


def test_the_form_needs_its_csrf_token(csrf_client, meeting, person):
    """As in production: a post from another site (no token) changes nothing."""
    refused = csrf_client.post(f"/r/{person.token}/travel", data=travel_form())
    assert refused.status_code == 400
    assert services.travel_of(person) is None
    token = form_token(csrf_client.get(f"/r/{person.token}/travel").get_data(as_text=True))
    saved = csrf_client.post(f"/r/{person.token}/travel", data=travel_form(csrf_token=token))
    assert saved.status_code == 302
    db.session.expire_all()
    assert services.travel_of(person).arrival_flight == "AT 512"


def test_a_double_submit_stores_one_room_and_says_so(client, meeting, hotel, person, monkeypatch):
    """Two posts of the same form at once (a double click): the second read no
    booking before the first stored one. Tried here by hiding the first one's
    booking from the second: the second stores nothing and answers with the form
    and a message, not an error page, and the count stays right."""
    single = block_of(hotel, "Single")
    assert _post(client, person, travel_form(single.id)).status_code == 302
    booking_of, choose_room = services.booking_of, services._choose_room

    def choose_without_seeing_the_first(*args):
        monkeypatch.setattr(services, "booking_of", lambda _person: None)
        try:
            return choose_room(*args)
        finally:
            monkeypatch.setattr(services, "booking_of", booking_of)

    monkeypatch.setattr(services, "_choose_room", choose_without_seeing_the_first)
    response = _post(client, person, travel_form(single.id, arrival_flight="AT 999"))
    assert response.status_code == 422
    assert "just saved from another window" in response.get_data(as_text=True)
    db.session.expire_all()
    assert single.rooms_taken == 1
    assert services.travel_of(person).arrival_flight == "AT 512"
