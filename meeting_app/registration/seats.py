"""Seats: the meeting's capacity and each delegation's size limit.

A seat is taken by one conditional UPDATE (`seats_taken = seats_taken + 1 WHERE
seats_taken < limit`), which the database applies atomically: PostgreSQL locks
the row and re-checks the condition, SQLite lets one writer in at a time. Never
count-then-insert: two requests would both see the last seat free.

A delegation may also limit the seats of one category (its quotas,
delegations/models.py DelegationQuota): the quota's row is taken first, by the
same rule, then the delegation's, then the meeting's; rows are always locked in
that order, so that two registrations never wait for each other.
"""

from collections import Counter
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from meeting_app.delegations.models import Delegation, DelegationQuota
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration import participation
from meeting_app.registration.models import SEAT_HOLDING, Category, Participant


class SeatResult(Enum):
    TAKEN = "taken"
    MEETING_FULL = "meeting_full"
    DELEGATION_FULL = "delegation_full"
    QUOTA_FULL = "quota_full"


def _take(model, row_id: int, limit) -> bool:
    table = model.__table__  # a plain UPDATE: the ORM has no object to keep in step
    result = db.session.execute(
        sa.update(table)
        .where(table.c.id == row_id, sa.or_(limit.is_(None), table.c.seats_taken < limit))
        .values(seats_taken=table.c.seats_taken + 1, **_unchanged(table))
    )
    _forget_count(model, row_id)
    return result.rowcount == 1


def _give_back(model, row_id: int) -> None:
    table = model.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == row_id, table.c.seats_taken > 0)
        .values(seats_taken=table.c.seats_taken - 1, **_unchanged(table))
    )
    _forget_count(model, row_id)


def _forget_count(model, row_id: int) -> None:
    """A loaded meeting or delegation reads its new count from the database next time
    (cheaper than the ORM's own synchronisation of every matched object)."""
    loaded = db.session.identity_map.get(identity_key(model, row_id))
    if loaded is not None:
        db.session.expire(loaded, ["seats_taken"])


def _unchanged(table) -> dict:
    # A seat taken is not an edit of the meeting: keep its "updated at" as it was.
    return {"updated_at": table.c.updated_at} if "updated_at" in table.c else {}


def _take_quota(delegation_id: int, category: Category) -> bool:
    """A seat of the delegation's quota for `category`; True also when the
    delegation sets none for it. One statement whether there is a quota or not
    (every registration in a delegation asks): the seat is counted, and given
    back if that went past the limit. Nobody sees the count in between: the row
    stays locked by this transaction (SQLite: the database) until it ends."""
    table = DelegationQuota.__table__
    counted = db.session.execute(
        sa.update(table)
        .where(table.c.delegation_id == delegation_id, table.c.category == category)
        .values(seats_taken=table.c.seats_taken + 1)
        .returning(table.c.seats_taken, table.c.size_limit)
    ).first()
    _forget_quotas(delegation_id)
    if counted is None or counted.seats_taken <= counted.size_limit:
        return True
    _give_back_quota(delegation_id, category)
    return False


def _give_back_quota(delegation_id: int, category: Category) -> None:
    table = DelegationQuota.__table__
    db.session.execute(
        sa.update(table)
        .where(
            table.c.delegation_id == delegation_id,
            table.c.category == category,
            table.c.seats_taken > 0,
        )
        .values(seats_taken=table.c.seats_taken - 1)
    )
    _forget_quotas(delegation_id)


def _forget_quotas(delegation_id: int) -> None:
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, DelegationQuota) and loaded.delegation_id == delegation_id:
            db.session.expire(loaded, ["seats_taken"])


def take_seat(
    meeting_id: int,
    delegation_id: int | None,
    category: Category | None = None,
    *,
    meeting_seat: bool = True,
) -> SeatResult:
    """Takes a seat in the delegation's quota for `category` (if it sets one), in
    the delegation (if any) and, unless `meeting_seat` is False (an online
    participant the capacity does not count, registration/participation.py), in
    the meeting: all or none."""
    if (
        delegation_id is not None
        and category is not None
        and not _take_quota(delegation_id, category)
    ):
        return SeatResult.QUOTA_FULL
    if delegation_id is not None and not _take(Delegation, delegation_id, Delegation.size_limit):
        if category is not None:
            _give_back_quota(delegation_id, category)
        return SeatResult.DELEGATION_FULL
    if meeting_seat and not _take(Meeting, meeting_id, Meeting.capacity):
        if delegation_id is not None:
            _give_back(Delegation, delegation_id)
            if category is not None:
                _give_back_quota(delegation_id, category)
        return SeatResult.MEETING_FULL
    return SeatResult.TAKEN


def release_seat(
    meeting_id: int,
    delegation_id: int | None,
    category: Category | None = None,
    *,
    meeting_seat: bool = True,
) -> None:
    if delegation_id is not None:
        if category is not None:
            _give_back_quota(delegation_id, category)
        _give_back(Delegation, delegation_id)
    if meeting_seat:
        _give_back(Meeting, meeting_id)


def take_meeting_seat(meeting_id: int) -> bool:
    """Only the meeting's seat (a seat holder who now takes part in person)."""
    return _take(Meeting, meeting_id, Meeting.capacity)


def release_meeting_seat(meeting_id: int) -> None:
    """Only the meeting's seat (a seat holder who now takes part online)."""
    _give_back(Meeting, meeting_id)


def move_delegation_seat(
    old_delegation_id: int | None,
    new_delegation_id: int | None,
    old_category: Category | None = None,
    new_category: Category | None = None,
) -> SeatResult:
    """For a seat holder who changes delegation or category: the new delegation and
    its quota for the new category must have room (the meeting's seat stays)."""
    if (old_delegation_id, old_category) == (new_delegation_id, new_category):
        return SeatResult.TAKEN
    if (
        new_delegation_id is not None
        and new_category is not None
        and not _take_quota(new_delegation_id, new_category)
    ):
        return SeatResult.QUOTA_FULL
    if new_delegation_id != old_delegation_id:
        if new_delegation_id is not None and not _take(
            Delegation, new_delegation_id, Delegation.size_limit
        ):
            if new_category is not None:
                _give_back_quota(new_delegation_id, new_category)
            return SeatResult.DELEGATION_FULL
        if old_delegation_id is not None:
            _give_back(Delegation, old_delegation_id)
    if old_delegation_id is not None and old_category is not None:
        _give_back_quota(old_delegation_id, old_category)
    return SeatResult.TAKEN


def recount(meeting: Meeting) -> None:
    """Sets the meeting's and its delegations' seat counts from the registrations
    themselves: for data loaded in bulk (the demo, an import), and as a repair."""
    db.session.flush()
    holding = (Participant.status.in_(SEAT_HOLDING), Participant.meeting_id == meeting.id)
    meeting.seats_taken = db.session.scalar(
        sa.select(sa.func.count(Participant.id)).where(
            *holding, participation.meeting_seat_clause(meeting)
        )
    )
    per_delegation = dict(
        db.session.execute(
            sa.select(Participant.delegation_id, sa.func.count(Participant.id))
            .where(*holding, Participant.delegation_id.is_not(None))
            .group_by(Participant.delegation_id)
        ).all()
    )
    for delegation in meeting.delegations:
        delegation.seats_taken = per_delegation.get(delegation.id, 0)
    recount_quotas(meeting)


def recount_quotas(meeting: Meeting, delegation_id: int | None = None) -> None:
    """Sets the quotas' seat counts (of one delegation, or all the meeting's) from
    the registrations: after quotas are set, and as a repair."""
    db.session.flush()
    table = DelegationQuota.__table__
    held = (
        sa.select(sa.func.count(Participant.id))
        .where(
            Participant.delegation_id == table.c.delegation_id,
            Participant.category == table.c.category,
            Participant.status.in_(SEAT_HOLDING),
        )
        .scalar_subquery()
    )
    mine = (
        table.c.delegation_id == delegation_id
        if delegation_id is not None
        else table.c.delegation_id.in_(
            sa.select(Delegation.id).where(Delegation.meeting_id == meeting.id)
        )
    )
    db.session.execute(sa.update(table).where(mine).values(seats_taken=held))
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, DelegationQuota):
            db.session.expire(loaded, ["seats_taken"])


def take_seats(
    meeting_id: int,
    delegation_ids: list[int | None],
    categories: list[Category | None] | None = None,
) -> list[bool]:
    """Seats for many people at once (an import), first come first served: the
    n-th person gets one if the meeting, their delegation and its quota for their
    category (`categories`, in the same order) still have room after those before
    them. Returns, per person, whether they got a seat.

    One conditional UPDATE per person would hold the import for minutes; instead
    the rows are locked first, by UPDATEs that change nothing (PostgreSQL then
    holds the rows, SQLite the database, until the commit: a registration made
    meanwhile waits), in the order take_seat locks them (quotas, delegations, then
    the meeting), so that neither waits for the other. The counts read after the
    lock are then current, and each row's count is raised once."""
    categories = categories or [None] * len(delegation_ids)
    wanted = sorted({d for d in delegation_ids if d is not None})
    quotas = DelegationQuota.__table__
    if wanted:
        db.session.execute(
            sa.update(quotas)
            .where(quotas.c.delegation_id.in_(wanted))
            .values(seats_taken=quotas.c.seats_taken)
        )
    for model, ids in ((Delegation, wanted), (Meeting, [meeting_id])):
        table = model.__table__
        if ids:
            db.session.execute(
                sa.update(table)
                .where(table.c.id.in_(ids))
                .values(seats_taken=table.c.seats_taken, **_unchanged(table))
            )
    unlimited = float("inf")
    free = {
        row.id: unlimited if row.size_limit is None else row.size_limit - row.seats_taken
        for row in db.session.execute(
            sa.select(Delegation.id, Delegation.size_limit, Delegation.seats_taken).where(
                Delegation.id.in_(wanted)
            )
        )
    }
    quota_free = {
        (row.delegation_id, row.category): row.size_limit - row.seats_taken
        for row in db.session.execute(
            sa.select(
                DelegationQuota.id,
                DelegationQuota.delegation_id,
                DelegationQuota.category,
                DelegationQuota.size_limit,
                DelegationQuota.seats_taken,
            ).where(DelegationQuota.delegation_id.in_(wanted))
        )
    }
    capacity, taken, mode, online_counts = db.session.execute(
        sa.select(
            Meeting.capacity,
            Meeting.seats_taken,
            Meeting.participation_mode,
            Meeting.online_counts_against_capacity,
        ).where(Meeting.id == meeting_id)
    ).one()
    # Imported people take part in person, but in an online meeting everyone is
    # online (participation.py): then they take a meeting seat only if it says so.
    counts = online_counts or mode != participation.ONLINE
    meeting_free = unlimited if capacity is None or not counts else capacity - taken
    given: Counter[int | None] = Counter()
    quota_given: Counter[tuple[int, Category]] = Counter()
    seated = []
    for delegation_id, category in zip(delegation_ids, categories, strict=True):
        quota = (delegation_id, category)
        room = (
            meeting_free > 0
            and (delegation_id is None or free[delegation_id] > 0)
            and quota_free.get(quota, unlimited) > 0
        )
        seated.append(room)
        if room:
            meeting_free -= 1
            given[delegation_id] += 1
            if delegation_id is not None:
                free[delegation_id] -= 1
            if quota in quota_free:
                quota_free[quota] -= 1
                quota_given[quota] += 1
    for (delegation_id, category), count in quota_given.items():
        db.session.execute(
            sa.update(quotas)
            .where(quotas.c.delegation_id == delegation_id, quotas.c.category == category)
            .values(seats_taken=quotas.c.seats_taken + count)
        )
        _forget_quotas(delegation_id)
    for model, row_id, count in [
        *((Delegation, d, n) for d, n in given.items() if d is not None),
        (Meeting, meeting_id, sum(given.values()) if counts else 0),
    ]:
        table = model.__table__
        if count:
            db.session.execute(
                sa.update(table)
                .where(table.c.id == row_id)
                .values(seats_taken=table.c.seats_taken + count, **_unchanged(table))
            )
        _forget_count(model, row_id)
    return seated
