"""A room block is never overbooked: the conditional UPDATE of travel/rooms.py,
its release, moves between blocks, the organisers' resize, and the recount that
repairs. The concurrent choices run in threads, each with its own app context and
database session (as gunicorn's threads do), on SQLite and on PostgreSQL."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from meeting_app.extensions import db
from meeting_app.registration.models import Participant
from meeting_app.travel import rooms, services
from meeting_app.travel.models import HotelBooking, RoomBlock, TravelDetails
from tests.conftest import make_app
from tests.travel.helpers import add_hotel, block_of, travel_meeting

PEOPLE = 100
ROOMS_LEFT = 5


@pytest.fixture
def meeting(open_meeting):
    return travel_meeting(open_meeting, slug="rabat", capacity=None)


def _bookings(block: RoomBlock) -> int:
    return db.session.scalar(db.select(db.func.count(HotelBooking.id)).filter_by(block_id=block.id))


def test_100_people_choosing_a_block_with_5_rooms_left_at_once_get_exactly_5(
    database_url, meeting, make_participant
):
    hotel = add_hotel(meeting, "Sofitel Rabat", ("Double", 12))
    block = block_of(hotel, "Double")
    holders = [make_participant(meeting) for _ in range(12 - ROOMS_LEFT)]
    for holder in holders:
        services.save(holder, services.TravelInput(), block.id)
    db.session.commit()
    assert block.rooms_taken == 12 - ROOMS_LEFT
    people = [make_participant(meeting).id for _ in range(PEOPLE)]
    block_id = block.id

    # Another app on the same database: each thread opens its own context and
    # session there, as each request of a gunicorn thread does.
    server = make_app(database_url)
    barrier = threading.Barrier(PEOPLE, timeout=60)

    def choose(participant_id: int) -> str:
        barrier.wait()  # all at once; then each waits for a connection of the pool
        with server.app_context():
            person = db.session.get(Participant, participant_id)
            try:
                services.save(
                    person, services.TravelInput(arrival_flight="AT 512"), block_id, "Ana"
                )
            except services.BlockFull:
                db.session.rollback()
                return "full"
            db.session.commit()
            return "booked"

    with ThreadPoolExecutor(max_workers=PEOPLE) as executor:
        outcomes = Counter(executor.map(choose, people))

    assert outcomes == {"booked": ROOMS_LEFT, "full": PEOPLE - ROOMS_LEFT}
    db.session.expire_all()
    assert block.rooms_taken == block.rooms == 12
    assert _bookings(block) == 12
    # Those turned away lost nothing and kept nothing half-saved.
    assert db.session.scalar(db.select(db.func.count(TravelDetails.id))) == ROOMS_LEFT


def test_taking_and_giving_back_keep_the_count_in_bounds(meeting):
    block = block_of(add_hotel(meeting, "Ibis", ("Single", 1)), "Single")
    assert rooms.take_room(block.id) is True
    assert rooms.take_room(block.id) is False  # full
    assert block.rooms_taken == 1  # the loaded block reads the new count
    rooms.give_back_room(block.id)
    rooms.give_back_room(block.id)  # never below zero
    assert block.rooms_taken == 0


def test_moving_to_a_full_block_keeps_the_old_room(meeting, make_participant):
    hotel = add_hotel(meeting, "Ibis", ("Single", 1), ("Double", 1))
    single, double = block_of(hotel, "Single"), block_of(hotel, "Double")
    first, second = make_participant(meeting), make_participant(meeting)
    services.save(first, services.TravelInput(), single.id)
    services.save(second, services.TravelInput(), double.id)
    db.session.commit()
    with pytest.raises(services.BlockFull):
        services.save(first, services.TravelInput(), double.id)
    db.session.rollback()
    assert services.booking_of(first).block_id == single.id
    assert (single.rooms_taken, double.rooms_taken) == (1, 1)
    # Once the double is freed, the move frees the single.
    services.save(second, services.TravelInput(), None)
    services.save(first, services.TravelInput(), double.id)
    db.session.commit()
    assert (single.rooms_taken, double.rooms_taken) == (0, 1)


def test_a_block_cannot_shrink_below_the_rooms_taken(meeting, make_participant):
    hotel = add_hotel(meeting, "Ibis", ("Single", 3))
    block = block_of(hotel, "Single")
    for _ in range(2):
        services.save(make_participant(meeting), services.TravelInput(), block.id)
    db.session.commit()
    with pytest.raises(services.TravelError) as refused:
        services.save_block(
            hotel,
            room_type="Single",
            first_night=block.first_night,
            last_night=block.last_night,
            rooms_count=1,
            block=block,
            by_user=None,
        )
    assert refused.value.problems == {"rooms": "below_taken"}
    db.session.rollback()
    assert rooms.resize(block.id, 2) is True  # down to exactly the rooms taken
    assert block.rooms == 2


def test_the_recount_repairs_a_wrong_count(meeting, make_participant):
    hotel = add_hotel(meeting, "Ibis", ("Single", 4), ("Double", 4))
    single, double = block_of(hotel, "Single"), block_of(hotel, "Double")
    services.save(make_participant(meeting), services.TravelInput(), single.id)
    db.session.commit()
    single.rooms_taken, double.rooms_taken = 3, 2  # as after a bulk load or a bad edit
    db.session.commit()
    rooms.recount(meeting)
    db.session.commit()
    assert (single.rooms_taken, double.rooms_taken) == (1, 0)
