"""Wall-clock times in a meeting's time zone, checked against daylight-saving changes.

Organisers type local times. A local time may not exist (clocks jump forward:
02:30 never happens) or happen twice (clocks go back). Africa/Casablanca does
both around Ramadan. Both are refused with a clear message rather than guessed.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from meeting_app.core.i18n import timezone_label


class LocalTimeError(ValueError):
    def __init__(self, problem: str, moment: datetime):
        super().__init__(problem)
        self.problem = problem  # "nonexistent" or "ambiguous"
        self.moment = moment


def to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `tz`; LocalTimeError when that wall-clock
    time is skipped or repeated by a change of offset."""
    wall = datetime.combine(day, at)
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        raise LocalTimeError("nonexistent" if round_trip != wall else "ambiguous", wall)
    return first.astimezone(UTC)


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


def zone_of_days(timezone: str, days) -> tuple[dict[date, str], str | None]:
    """Each day's zone label ("Europe/Belgrade (UTC+02:00)") and the one label they
    share, or None when the clocks change during those days: a page then labels
    each day, since the offset of the first day is wrong after the change."""
    labels = {day: timezone_label(timezone, day) for day in days}
    shared = set(labels.values())
    return labels, (shared.pop() if len(shared) == 1 else None)
