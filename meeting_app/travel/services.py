"""Travel and hotels, a section a meeting switches on: each participant's arrival
and departure, the meeting's hotels and room blocks, the room a participant
chooses (taken atomically, travel/rooms.py), and the host's lists built from them.

Services change data and flush; the request, command or task commits."""

import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, time, timedelta
from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from meeting_app.agenda.services import name_key, namesakes
from meeting_app.core.collation import sort_key
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.privacy import audit
from meeting_app.registration.models import SEAT_HOLDING, Participant, RegistrationStatus
from meeting_app.travel import rooms
from meeting_app.travel.models import Hotel, HotelBooking, RoomBlock, TravelDetails

# Registrations that may give their travel and choose a room: everyone who may
# still come (a waiting list moves).
MAY_TRAVEL = frozenset(
    {RegistrationStatus.SUBMITTED, RegistrationStatus.APPROVED, RegistrationStatus.WAITLISTED}
)
# Who the host's lists are for: those holding a seat (as the badges and the desk).
LISTED = SEAT_HOLDING
# Arrivals and departures further than this from the meeting's days are a typo.
DAYS_AROUND = 30
# A flight number as printed on tickets: "AT512", "AT 512", "U2 1234".
FLIGHT = re.compile(r"[A-Z0-9]+(?: [A-Z0-9]+)?")
FLIGHT_CHARACTERS = (2, 8)  # letters and digits, the space aside

TRAVEL_FIELDS = (
    "arrival_date",
    "arrival_time",
    "arrival_flight",
    "arrival_airport",
    "departure_date",
    "departure_time",
    "departure_flight",
    "departure_airport",
    "airport_transfer",
)


class TravelError(ValueError):
    """Bad travel input: `problems` maps each field at fault to a code (forms.py
    says them in the reader's language)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(", ".join(f"{f}: {c}" for f, c in problems.items()))
        self.problems = problems


class BlockFull(Exception):
    """The block had no room left when its room was to be taken."""


class UnknownBlock(LookupError):
    """No such block in this meeting (another meeting's, or none)."""


class BlockInUse(Exception):
    """A block (or a hotel's block) still holds someone's room."""


@dataclass(frozen=True)
class TravelInput:
    arrival_date: date | None = None
    arrival_time: time | None = None
    arrival_flight: str = ""
    arrival_airport: str = ""
    departure_date: date | None = None
    departure_time: time | None = None
    departure_flight: str = ""
    departure_airport: str = ""
    airport_transfer: bool = False


# --- The section --------------------------------------------------------------------


def may_travel(participant: Participant) -> bool:
    """Whether the person may give their travel and choose a room from their link."""
    meeting = participant.meeting
    return (
        meeting.travel_enabled
        and meeting.status is not MeetingStatus.ARCHIVED
        and participant.status in MAY_TRAVEL
        and participant.erased_at is None
    )


def switch(meeting: Meeting, on: bool, *, by_user=None) -> bool:
    """Turns the section on or off (nothing entered is deleted). Returns whether
    that changed anything."""
    if meeting.travel_enabled == on:
        return False
    meeting.travel_enabled = on
    audit.record("travel.switched", user=by_user, meeting=meeting, details="on" if on else "off")
    db.session.flush()
    return True


# --- A participant's travel and room ------------------------------------------------


def normalise_flight(text: str) -> str:
    """A flight number as stored: capitals, one space at most between its parts
    ("at  512 " is "AT 512")."""
    return " ".join((text or "").upper().split())


def flight_ok(flight: str) -> bool:
    low, high = FLIGHT_CHARACTERS
    return not flight or (
        FLIGHT.fullmatch(flight) is not None and low <= len(flight.replace(" ", "")) <= high
    )


def travel_problems(meeting: Meeting, data: TravelInput) -> dict[str, str]:
    """{field: code} of what is wrong with `data`: `flight` (not letters and digits,
    2 to 8 of them, one space allowed), `far` (more than DAYS_AROUND days from the
    meeting), `time_without_date`, `arrival_after_departure`."""
    problems: dict[str, str] = {}
    first = meeting.start_date - timedelta(days=DAYS_AROUND)
    last = meeting.end_date + timedelta(days=DAYS_AROUND)
    for way in ("arrival", "departure"):
        if not flight_ok(normalise_flight(getattr(data, f"{way}_flight"))):
            problems[f"{way}_flight"] = "flight"
        day = getattr(data, f"{way}_date")
        if day is not None and not first <= day <= last:
            problems[f"{way}_date"] = "far"
        elif day is None and getattr(data, f"{way}_time") is not None:
            problems[f"{way}_date"] = "time_without_date"
    arrival, departure = data.arrival_date, data.departure_date
    if (
        "arrival_date" not in problems
        and arrival
        and departure
        and "departure_date" not in problems
    ):
        same_day_earlier = (
            arrival == departure
            and data.arrival_time is not None
            and data.departure_time is not None
            and data.departure_time < data.arrival_time
        )
        if arrival > departure or same_day_earlier:
            problems["arrival_date"] = "arrival_after_departure"
    return problems


def travel_of(participant: Participant) -> TravelDetails | None:
    return db.session.execute(
        sa.select(TravelDetails).filter_by(participant_id=participant.id)
    ).scalar_one_or_none()


def booking_of(participant: Participant) -> HotelBooking | None:
    return db.session.execute(
        sa.select(HotelBooking)
        .options(joinedload(HotelBooking.block).joinedload(RoomBlock.hotel))
        .filter_by(participant_id=participant.id)
    ).scalar_one_or_none()


def input_from(travel: TravelDetails | None) -> TravelInput:
    if travel is None:
        return TravelInput()
    return TravelInput(**{field: getattr(travel, field) for field in TRAVEL_FIELDS})


def block_in(meeting: Meeting, block_id: int) -> RoomBlock | None:
    """The block if it is one of the meeting's hotels', else None."""
    return db.session.execute(
        sa.select(RoomBlock)
        .join(Hotel)
        .where(RoomBlock.id == block_id, Hotel.meeting_id == meeting.id)
    ).scalar_one_or_none()


def save(
    participant: Participant,
    data: TravelInput,
    block_id: int | None,
    share_with: str = "",
    *,
    by_user=None,
) -> list[str]:
    """Stores the person's arrival and departure and their room: in block `block_id`
    (None: no room through the meeting), shared with `share_with` (a name). Returns
    the names of what changed ("hotel" for the room). Raises TravelError,
    UnknownBlock (not this meeting's), or BlockFull, having changed nothing: the
    room is taken first, and a room held already is given back only once the new
    one is taken."""
    meeting = participant.meeting
    problems = travel_problems(meeting, data)
    if problems:
        raise TravelError(problems)
    block = None
    if block_id is not None:
        block = block_in(meeting, block_id)
        if block is None:
            raise UnknownBlock(block_id)
    changed = ["hotel"] if _choose_room(participant, block, share_with.strip()) else []
    travel = travel_of(participant)
    before = input_from(travel)
    values = asdict(data)
    for way in ("arrival", "departure"):
        values[f"{way}_flight"] = normalise_flight(values[f"{way}_flight"])
        values[f"{way}_airport"] = values[f"{way}_airport"].strip()
    changed += [field for field in TRAVEL_FIELDS if getattr(before, field) != values[field]]
    if travel is None and values != asdict(TravelInput()):
        travel = TravelDetails(participant_id=participant.id)
        db.session.add(travel)
    if travel is not None:
        for field in TRAVEL_FIELDS:
            setattr(travel, field, values[field])
    db.session.flush()
    return _logged(changed, participant, by_user)


def _logged(changed: list[str], participant: Participant, by_user) -> list[str]:
    if changed and by_user is not None:
        # Field names only: the audit log holds no personal values.
        audit.record(
            "travel.edited", user=by_user, participant=participant, details=", ".join(changed)
        )
    return changed


def _choose_room(participant: Participant, block: RoomBlock | None, share_with: str) -> bool:
    if block is None:
        return release_room(participant)
    booking = booking_of(participant)
    if booking is None:
        if not rooms.take_room(block.id):
            raise BlockFull(block.id)
        db.session.add(
            HotelBooking(participant_id=participant.id, block_id=block.id, share_with=share_with)
        )
        return True
    if booking.block_id != block.id:
        if not rooms.move_room(booking.block_id, block.id):
            raise BlockFull(block.id)
        booking.block = block
        booking.share_with = share_with
        return True
    if booking.share_with != share_with:
        booking.share_with = share_with
        return True
    return False


def release_room(participant: Participant) -> bool:
    """Gives the person's room back, if they hold one (a registration cancelled or
    declined, say). Returns whether they did."""
    booking = booking_of(participant)
    if booking is None:
        return False
    rooms.give_back_room(booking.block_id)
    db.session.delete(booking)
    db.session.flush()
    return True


def forget(participant: Participant) -> None:
    """Deletes the person's travel and gives their room back (erasure: the
    participant's row stays, anonymised, so its foreign keys cascade nothing)."""
    release_room(participant)
    db.session.execute(
        sa.delete(TravelDetails).where(TravelDetails.participant_id == participant.id)
    )
    db.session.flush()


def _plain(value):
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


def personal_data(participant: Participant) -> dict:
    """The person's travel and room as JSON-ready values, for their data download:
    {"travel": {...} or None, "hotel": {...} or None}."""
    travel = travel_of(participant)
    booking = booking_of(participant)
    held = None
    if booking is not None:
        block = booking.block
        held = {
            "hotel": block.hotel.name,
            "room_type": block.room_type,
            "first_night": block.first_night.isoformat(),
            "last_night": block.last_night.isoformat(),
            "share_with": booking.share_with,
            "chosen_at": booking.created_at.isoformat(),
        }
    return {
        "travel": None
        if travel is None
        else {field: _plain(getattr(travel, field)) for field in TRAVEL_FIELDS},
        "hotel": held,
    }


# --- Hotels and room blocks (organisers) ----------------------------------------------


def hotels_of(meeting: Meeting) -> list[Hotel]:
    return list(
        db.session.execute(
            sa.select(Hotel)
            .options(selectinload(Hotel.blocks))
            .filter_by(meeting_id=meeting.id)
            .order_by(Hotel.position, Hotel.id)
        ).scalars()
    )


def blocks_to_choose(meeting: Meeting, current: RoomBlock | None = None) -> list[RoomBlock]:
    """The blocks with a room left, in the hotels' order, and the person's own
    block (`current`) even if it is full now."""
    return [
        block
        for hotel in hotels_of(meeting)
        for block in sorted(hotel.blocks, key=lambda b: (b.first_night, b.last_night, b.id))
        if block.rooms_taken < block.rooms or (current is not None and block.id == current.id)
    ]


def save_hotel(
    meeting: Meeting, *, name: str, address: str, notes: str, hotel: Hotel | None = None, by_user
) -> Hotel:
    if hotel is None:
        last = db.session.scalar(
            sa.select(sa.func.max(Hotel.position)).where(Hotel.meeting_id == meeting.id)
        )
        hotel = Hotel(meeting=meeting, position=(last or 0) + 1)
        db.session.add(hotel)
    hotel.name, hotel.address, hotel.notes = name.strip(), address.strip(), notes.strip()
    db.session.flush()
    audit.record("hotels.changed", user=by_user, meeting=meeting, details=f"hotel {hotel.id} saved")
    return hotel


def delete_hotel(hotel: Hotel, *, by_user) -> None:
    """Raises BlockInUse if someone holds a room in one of its blocks."""
    if any(block.rooms_taken or _has_bookings(block) for block in hotel.blocks):
        raise BlockInUse(hotel.id)
    audit.record(
        "hotels.changed", user=by_user, meeting=hotel.meeting, details=f"hotel {hotel.id} deleted"
    )
    db.session.delete(hotel)
    db.session.flush()


def save_block(
    hotel: Hotel,
    *,
    room_type: str,
    first_night: date,
    last_night: date,
    rooms_count: int,
    block: RoomBlock | None = None,
    by_user,
) -> RoomBlock:
    """Adds or changes a block. Raises TravelError: `last_night` `before_first`;
    `rooms` `below_taken` (fewer rooms than people hold already)."""
    if last_night < first_night:
        raise TravelError({"last_night": "before_first"})
    if block is None:
        block = RoomBlock(hotel=hotel, rooms=rooms_count, rooms_taken=0)
        db.session.add(block)
    elif block.rooms != rooms_count:
        db.session.flush()
        if not rooms.resize(block.id, rooms_count):
            raise TravelError({"rooms": "below_taken"})
    block.room_type = room_type.strip()
    block.first_night, block.last_night = first_night, last_night
    db.session.flush()
    audit.record(
        "hotels.changed",
        user=by_user,
        meeting=hotel.meeting,
        details=f"hotel {hotel.id}, block {block.id} saved: {rooms_count} rooms",
    )
    return block


def delete_block(block: RoomBlock, *, by_user) -> None:
    if block.rooms_taken or _has_bookings(block):
        raise BlockInUse(block.id)
    audit.record(
        "hotels.changed",
        user=by_user,
        meeting=block.hotel.meeting,
        details=f"hotel {block.hotel_id}, block {block.id} deleted",
    )
    db.session.delete(block)
    db.session.flush()


def _has_bookings(block: RoomBlock) -> bool:
    return bool(
        db.session.scalar(sa.select(sa.func.count(HotelBooking.id)).filter_by(block_id=block.id))
    )


def recount(meeting: Meeting, *, by_user) -> None:
    rooms.recount(meeting)
    audit.record("rooms.recounted", user=by_user, meeting=meeting)
    db.session.flush()


def copy(source: Meeting, meeting: Meeting) -> None:
    """For a meeting started from `source`: the section's setting, and its hotels
    with their blocks, nights moved as the meeting's dates are, no room taken."""
    meeting.travel_enabled = source.travel_enabled
    shift = meeting.start_date - source.start_date
    for old in hotels_of(source):
        hotel = Hotel(
            meeting=meeting,
            name=old.name,
            address=old.address,
            notes=old.notes,
            position=old.position,
        )
        db.session.add(hotel)
        for block in old.blocks:
            hotel.blocks.append(
                RoomBlock(
                    room_type=block.room_type,
                    first_night=block.first_night + shift,
                    last_night=block.last_night + shift,
                    rooms=block.rooms,
                    rooms_taken=0,
                )
            )
    db.session.flush()


# --- Everyone's travel (organisers) -----------------------------------------------------


@dataclass(frozen=True)
class TravelRow:
    participant: Participant
    travel: TravelDetails | None
    booking: HotelBooking | None


def everyones_travel(meeting: Meeting, language: str) -> list[TravelRow]:
    """Every registration that may travel, with what it gave (or nothing yet), and
    anyone else still holding a room (a cancelled registration, say: the organisers
    free it), in the reader's order of family names."""
    holding = sa.select(HotelBooking.participant_id)
    people = _participants(meeting, MAY_TRAVEL, or_holding=holding)
    travel, bookings = _travel_and_bookings([p.id for p in people])
    return [TravelRow(p, travel.get(p.id), bookings.get(p.id)) for p in _by_name(people, language)]


def _participants(meeting: Meeting, statuses, or_holding=None) -> list[Participant]:
    chosen = Participant.status.in_(statuses)
    if or_holding is not None:
        chosen = sa.or_(chosen, Participant.id.in_(or_holding))
    return list(
        db.session.execute(
            sa.select(Participant)
            .options(joinedload(Participant.delegation).joinedload(Delegation.country))
            .where(
                Participant.meeting_id == meeting.id,
                chosen,
                Participant.erased_at.is_(None),
            )
        ).scalars()
    )


def _travel_and_bookings(ids: list[int]):
    travel = {
        t.participant_id: t
        for t in db.session.execute(
            sa.select(TravelDetails).where(TravelDetails.participant_id.in_(ids))
        ).scalars()
    }
    bookings = {
        b.participant_id: b
        for b in db.session.execute(
            sa.select(HotelBooking)
            .options(joinedload(HotelBooking.block).joinedload(RoomBlock.hotel))
            .where(HotelBooking.participant_id.in_(ids))
        ).scalars()
    }
    return travel, bookings


def _by_name(people: list[Participant], language: str) -> list[Participant]:
    key = sort_key(language)
    return sorted(people, key=lambda p: (key(p.family_name), key(p.given_name), p.id))


# --- The host's lists ----------------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    """One arrival or departure."""

    participant: Participant
    day: date
    time: time | None
    flight: str
    airport: str
    transfer: bool


@dataclass(frozen=True)
class Hour:
    hour: int | None  # None: no time given
    movements: list[Movement]


@dataclass(frozen=True)
class Day:
    day: date
    hours: list[Hour]

    @property
    def count(self) -> int:
        return sum(len(h.movements) for h in self.hours)


@dataclass(frozen=True)
class MovementList:
    days: list[Day]
    undated: int  # listed people who have not given this date yet

    @property
    def movements(self) -> list[Movement]:
        return [m for d in self.days for h in d.hours for m in h.movements]


def movements(meeting: Meeting, way: str, language: str) -> MovementList:
    """Arrivals (`way` "arrival", the airport pick-up list) or departures, of the
    registrations holding a seat, by day and hour; within an hour by time, then
    family name in the reader's order. Times without a day are left out (counted
    in `undated`, as those who gave nothing)."""
    people = _participants(meeting, LISTED)
    travel, _bookings = _travel_and_bookings([p.id for p in people])
    key = sort_key(language)
    found = []
    for person in people:
        details = travel.get(person.id)
        day = getattr(details, f"{way}_date") if details else None
        if day is None:
            continue
        found.append(
            Movement(
                participant=person,
                day=day,
                time=getattr(details, f"{way}_time"),
                flight=getattr(details, f"{way}_flight"),
                airport=getattr(details, f"{way}_airport"),
                transfer=details.airport_transfer,
            )
        )

    def order(m: Movement):
        # No time given: last of its day.
        clock = (0, m.time) if m.time is not None else (1, time(0))
        return (m.day, clock, key(m.participant.family_name), key(m.participant.given_name))

    found.sort(key=order)
    days = [
        Day(
            day=day,
            hours=[
                Hour(hour, list(group))
                for hour, group in groupby(items, key=lambda m: m.time.hour if m.time else None)
            ],
        )
        for day, items in ((d, list(g)) for d, g in groupby(found, key=lambda m: m.day))
    ]
    return MovementList(days=days, undated=len(people) - len(found))


SHARE_MATCHES = ("same_block", "other_block", "no_room", "several", "unknown")


@dataclass(frozen=True)
class Roomer:
    participant: Participant
    share_with: str
    # How `share_with` matches the meeting's participants (accents and order of
    # the names aside): one of SHARE_MATCHES, or "" when no name was given.
    match: str


@dataclass(frozen=True)
class BlockRooming:
    block: RoomBlock
    people: list[Roomer]


@dataclass(frozen=True)
class HotelRooming:
    hotel: Hotel
    blocks: list[BlockRooming]

    @property
    def count(self) -> int:
        return sum(len(b.people) for b in self.blocks)


def rooming(meeting: Meeting, language: str) -> list[HotelRooming]:
    """Per hotel and block, everyone who holds a room (whatever their registration's
    status, which the lists show when it is not approved: the block's count is
    theirs), in the reader's order of family names, and whether the name they share
    with is one of the meeting's participants."""
    holding = sa.select(HotelBooking.participant_id)
    people = {p.id: p for p in _participants(meeting, (), or_holding=holding)}
    _travel, bookings = _travel_and_bookings(list(people))
    found = namesakes(meeting, [b.share_with for b in bookings.values() if b.share_with])
    # Everyone's block, whether listed or not (the one shared with may be waiting).
    block_of = dict(
        db.session.execute(
            sa.select(HotelBooking.participant_id, HotelBooking.block_id)
            .join(RoomBlock)
            .join(Hotel)
            .where(Hotel.meeting_id == meeting.id)
        ).all()
    )
    by_block: dict[int, list[Roomer]] = defaultdict(list)
    for participant_id, booking in bookings.items():
        by_block[booking.block_id].append(
            Roomer(
                participant=people[participant_id],
                share_with=booking.share_with,
                match=_share_match(booking, found, block_of),
            )
        )
    key = sort_key(language)
    return [
        HotelRooming(
            hotel=hotel,
            blocks=[
                BlockRooming(
                    block=block,
                    people=sorted(
                        by_block.get(block.id, []),
                        key=lambda r: (
                            key(r.participant.family_name),
                            key(r.participant.given_name),
                            r.participant.id,
                        ),
                    ),
                )
                for block in sorted(hotel.blocks, key=lambda b: (b.first_night, b.id))
            ],
        )
        for hotel in hotels_of(meeting)
    ]


def _share_match(booking: HotelBooking, found: dict, block_of: dict) -> str:
    if not booking.share_with:
        return ""
    others = [
        p for p in found.get(name_key(booking.share_with), []) if p.id != booking.participant_id
    ]
    if not others:
        return "unknown"
    if len(others) > 1:
        return "several"
    other_block = block_of.get(others[0].id)
    if other_block is None:
        return "no_room"
    return "same_block" if other_block == booking.block_id else "other_block"


def nights(block: RoomBlock) -> int:
    return (block.last_night - block.first_night).days + 1
