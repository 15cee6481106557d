"""The last rooms of a block, chosen at once through the private links, served as
in production: gunicorn's worker processes (each with several threads) against
the tests' database. Exactly as many get a room as there were rooms left; the
others get the page again with the message, and nobody's travel is lost."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from meeting_app.extensions import db
from meeting_app.registration.models import Participant
from meeting_app.travel import services
from meeting_app.travel.models import HotelBooking, TravelDetails
from tests.registration.test_concurrency import CLIENTS, _request
from tests.registration.test_concurrency import gunicorn as gunicorn  # the fixture
from tests.travel.helpers import add_hotel, block_of, travel_form, travel_meeting

PEOPLE = 100
ROOMS = 12
TAKEN = 7  # 5 left


def test_100_private_links_choosing_the_last_5_rooms_at_once_get_exactly_5(
    gunicorn, open_meeting, make_participant
):
    meeting = travel_meeting(open_meeting, slug="rush", capacity=None)
    block = block_of(add_hotel(meeting, "Sofitel Rabat", ("Double", ROOMS)), "Double")
    for _ in range(TAKEN):
        services.save(make_participant(meeting), services.TravelInput(), block.id)
    db.session.commit()
    tokens = [make_participant(meeting, email=f"rush{n}@example.org").token for n in range(PEOPLE)]
    form = travel_form(block.id)
    barrier = threading.Barrier(CLIENTS, timeout=30)

    def choose(token: str) -> int:
        return _request(f"{gunicorn}/r/{token}/travel", form)[0]

    with ThreadPoolExecutor(max_workers=CLIENTS, initializer=barrier.wait) as executor:
        statuses = Counter(executor.map(choose, tokens))

    # 302: saved, back to the private page; 422: the form again, "no room left".
    assert statuses == {302: ROOMS - TAKEN, 422: PEOPLE - (ROOMS - TAKEN)}
    db.session.expire_all()
    assert block.rooms_taken == block.rooms == ROOMS
    rushed = db.select(Participant.id).filter(Participant.email.startswith("rush"))
    booked = db.select(db.func.count(HotelBooking.id)).filter(
        HotelBooking.participant_id.in_(rushed)
    )
    assert db.session.scalar(booked) == ROOMS - TAKEN
    saved = db.select(db.func.count(TravelDetails.id)).filter(
        TravelDetails.participant_id.in_(rushed)
    )
    assert db.session.scalar(saved) == ROOMS - TAKEN  # the others saved nothing half-way
