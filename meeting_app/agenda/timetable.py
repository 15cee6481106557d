"""The organisers' day grid: sessions placed by room and time (pure computation)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

SLOT_MINUTES = 15
DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR = 8, 19


@dataclass
class Placed:
    session: object
    column: int  # 1-based grid column (rooms, then "no room")
    row_start: int  # 1-based grid row, one row per slot
    row_end: int
    start: datetime
    end: datetime


@dataclass
class Timetable:
    day: date
    first_hour: int
    last_hour: int
    columns: list  # Room objects, and None for "no room"
    placed: list[Placed] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // SLOT_MINUTES

    def slot_times(self) -> list[time]:
        return [
            time(self.first_hour + (n * SLOT_MINUTES) // 60, (n * SLOT_MINUTES) % 60)
            for n in range(self.rows)
        ]


def build_timetable(meeting, day: date, sessions, rooms) -> Timetable:
    tz = meeting.tz
    todays = [s for s in sessions if s.starts_at.astimezone(tz).date() == day]
    first, last = DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR
    for session in todays:
        start, end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
        first = min(first, start.hour)
        last = max(last, 24 if end.date() > day else end.hour + (1 if end.minute else 0))
    columns = [*rooms, None]
    index = {room.id: n for n, room in enumerate(rooms, start=1)}
    table = Timetable(day, first, last, columns)
    for session in todays:
        start, end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
        start_minutes = (start.hour - first) * 60 + start.minute
        end_minutes = (
            (24 - first) * 60 if end.date() > day else (end.hour - first) * 60 + end.minute
        )
        table.placed.append(
            Placed(
                session,
                index.get(session.room_id, len(columns)),
                start_minutes // SLOT_MINUTES + 1,
                max(start_minutes // SLOT_MINUTES + 2, -(-end_minutes // SLOT_MINUTES) + 1),
                start,
                end,
            )
        )
    return table
