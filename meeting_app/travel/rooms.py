"""Rooms of the meeting's hotel blocks, taken and given back.

A room is taken by one conditional UPDATE (`rooms_taken = rooms_taken + 1 WHERE
id = :id AND rooms_taken < rooms`), which the database applies atomically, as
seats are (registration/seats.py): PostgreSQL locks the row and re-checks the
condition, SQLite lets one writer in at a time. Never count-then-insert: two
people choosing at once would both see the last room free.

The organisers' change of a block's size is conditional the same way (`rooms =
:n WHERE rooms_taken <= :n`), so that a room taken meanwhile is never lost under
a smaller block.
"""

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.travel.models import Hotel, HotelBooking, RoomBlock


def take_room(block_id: int) -> bool:
    """One room of the block, if one is left. False: the block is full."""
    table = RoomBlock.__table__  # a plain UPDATE: the ORM has no object to keep in step
    result = db.session.execute(
        sa.update(table)
        .where(table.c.id == block_id, table.c.rooms_taken < table.c.rooms)
        .values(rooms_taken=table.c.rooms_taken + 1)
    )
    _forget_count(block_id)
    return result.rowcount == 1


def give_back_room(block_id: int) -> None:
    table = RoomBlock.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == block_id, table.c.rooms_taken > 0)
        .values(rooms_taken=table.c.rooms_taken - 1)
    )
    _forget_count(block_id)


def move_room(old_block_id: int, new_block_id: int) -> bool:
    """For someone who changes block: the new one must have a room left; if it has
    not, the old room is kept (nothing lost). The old one is given back after the
    new one is taken."""
    if old_block_id == new_block_id:
        return True
    if not take_room(new_block_id):
        return False
    give_back_room(old_block_id)
    return True


def resize(block_id: int, rooms: int) -> bool:
    """Sets the block's number of rooms, unless more are taken than that (False)."""
    table = RoomBlock.__table__
    result = db.session.execute(
        sa.update(table)
        .where(table.c.id == block_id, table.c.rooms_taken <= rooms)
        .values(rooms=rooms)
    )
    _forget_count(block_id, "rooms")
    return result.rowcount == 1


def _forget_count(block_id: int, *more: str) -> None:
    """A loaded block reads its new count from the database next time."""
    loaded = db.session.identity_map.get(identity_key(RoomBlock, block_id))
    if loaded is not None:
        db.session.expire(loaded, ["rooms_taken", *more])


def recount(meeting: Meeting) -> None:
    """Sets each block's rooms taken from the bookings themselves: for data loaded
    in bulk, and as a repair."""
    db.session.flush()
    blocks = (
        db.session.execute(sa.select(RoomBlock).join(Hotel).where(Hotel.meeting_id == meeting.id))
        .scalars()
        .all()
    )
    booked = dict(
        db.session.execute(
            sa.select(HotelBooking.block_id, sa.func.count(HotelBooking.id))
            .where(HotelBooking.block_id.in_([block.id for block in blocks]))
            .group_by(HotelBooking.block_id)
        ).all()
    )
    for block in blocks:
        block.rooms_taken = booked.get(block.id, 0)
