"""Flights and hotel rooms are personal: what the person's data download gets
(`services.personal_data`), what erasure removes (`services.forget`: the row of an
erased participant stays, so nothing cascades), and what deleting a participant's
row or a meeting takes with it (the foreign keys cascade)."""

from datetime import date, time

import pytest

from meeting_app.extensions import db
from meeting_app.travel import services
from meeting_app.travel.models import Hotel, HotelBooking, RoomBlock, TravelDetails
from tests.travel.helpers import add_hotel, block_of, travel_meeting


@pytest.fixture
def meeting(open_meeting):
    return travel_meeting(open_meeting, slug="rabat")


@pytest.fixture
def traveller(meeting, make_participant):
    person = make_participant(meeting)
    block = block_of(add_hotel(meeting, "Ibis", ("Double", 2)), "Double")
    services.save(
        person,
        services.TravelInput(
            arrival_date=date(2031, 6, 15),
            arrival_time=time(14, 35),
            arrival_flight="AT 512",
            airport_transfer=True,
        ),
        block.id,
        "Sita Gurung",
    )
    db.session.commit()
    return person


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def test_the_data_download_holds_the_persons_travel_and_room(traveller):
    data = services.personal_data(traveller)
    assert data["travel"]["arrival_date"] == "2031-06-15"
    assert data["travel"]["arrival_time"] == "14:35"
    assert data["travel"]["arrival_flight"] == "AT 512"
    assert data["travel"]["airport_transfer"] is True
    assert data["travel"]["departure_date"] is None
    assert data["hotel"]["hotel"] == "Ibis" and data["hotel"]["room_type"] == "Double"
    assert data["hotel"]["share_with"] == "Sita Gurung"


def test_someone_who_gave_nothing_has_nothing_in_their_download(meeting, make_participant):
    assert services.personal_data(make_participant(meeting)) == {"travel": None, "hotel": None}


def test_forgetting_deletes_the_travel_and_frees_the_room(traveller):
    block = services.booking_of(traveller).block
    services.forget(traveller)
    db.session.commit()
    assert (_count(TravelDetails), _count(HotelBooking)) == (0, 0)
    assert block.rooms_taken == 0


def test_deleting_a_participant_or_a_meeting_takes_their_travel_along(
    traveller, meeting, make_participant
):
    db.session.delete(traveller)
    db.session.commit()
    assert (_count(TravelDetails), _count(HotelBooking)) == (0, 0)
    # The count of the block is then repaired by the recount.
    block = db.session.execute(db.select(RoomBlock)).scalar_one()
    assert block.rooms_taken == 1
    services.recount(meeting, by_user=None)
    assert block.rooms_taken == 0

    db.session.delete(meeting)
    db.session.commit()
    assert (_count(Hotel), _count(RoomBlock)) == (0, 0)


def test_the_download_link_gives_the_travel_and_erasure_forgets_it(client, traveller, make_user):
    from meeting_app.accounts.models import Role
    from meeting_app.privacy.services import erase
    from meeting_app.travel.models import Sponsorship

    db.session.add(Sponsorship(participant=traveller, request_note="My flight from Kathmandu"))
    db.session.commit()
    download = client.get(f"/r/{traveller.token}/data.json").get_json()
    assert download["travel"]["arrival_flight"] == "AT 512"
    assert download["hotel"]["share_with"] == "Sita Gurung"
    assert download["travel_support"]["request_note"] == "My flight from Kathmandu"

    organiser = make_user(Role.ORGANISER, "boss@example.org")
    erase(traveller, by_user=organiser)
    db.session.commit()
    assert _count(TravelDetails) == 0 and _count(HotelBooking) == 0
    (support,) = db.session.scalars(db.select(Sponsorship)).all()
    assert support.request_note == ""
