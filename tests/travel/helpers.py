"""What the travel tests share: a meeting with the section on, hotels with blocks
(plain functions: the callers' fixtures give the app context), and the form a
participant sends."""

from datetime import date, timedelta

from meeting_app.extensions import db
from meeting_app.travel import services
from meeting_app.travel.models import Hotel, RoomBlock

START = date(2031, 6, 16)  # a Monday, in the future whatever day the tests run
END = date(2031, 6, 18)


def travel_meeting(open_meeting, **values):
    """A meeting open for registration, 16–18 June 2031 in Rabat, travel section on."""
    return open_meeting(**{"start_date": START, "end_date": END, "travel_enabled": True, **values})


def add_hotel(meeting, name="Hôtel Tour Hassan", *blocks, address="26 rue Patrice Lumumba"):
    """A hotel with `blocks`: (room type, rooms[, first night, last night]); the
    nights default to the meeting's (arriving the day before)."""
    hotel = services.save_hotel(meeting, name=name, address=address, notes="", by_user=None)
    for room_type, rooms, *nights in blocks:
        first, last = nights or (meeting.start_date - timedelta(days=1), meeting.end_date)
        services.save_block(
            hotel,
            room_type=room_type,
            first_night=first,
            last_night=last,
            rooms_count=rooms,
            by_user=None,
        )
    db.session.commit()
    return hotel


def block_of(hotel: Hotel, room_type: str) -> RoomBlock:
    return next(b for b in hotel.blocks if b.room_type == room_type)


def travel_form(block="none", **values) -> dict:
    """What a participant types: arriving the day before the meeting, leaving the
    day after, a room in `block` (an id, or "none")."""
    return {
        "arrival_date": "2031-06-15",
        "arrival_time": "14:35",
        "arrival_flight": "AT 512",
        "arrival_airport": "Rabat–Salé (RBA)",
        "departure_date": "2031-06-19",
        "departure_time": "09:10",
        "departure_flight": "AT513",
        "departure_airport": "Rabat–Salé (RBA)",
        "airport_transfer": "y",
        "block": str(block),
        "share_with": "",
        **values,
    }
