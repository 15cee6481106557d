"""What a process keeps of a meeting while the meeting is as it last read it.

Every registration would otherwise read again what changes rarely: the meeting's
delegations, its mail wordings, whether it has a logo. Each is kept under the
meeting's id and `updated_at`, which whatever changes it also changes (in the same
transaction), so that no process finds a value of before under the new key.
"""

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class PerMeeting(Generic[Value]):
    """Values per meeting as last changed (and per `more`, e.g. a language), at most
    `most` of them: a full store is emptied, its meetings read again when asked."""

    def __init__(self, most: int) -> None:
        self._kept: dict[tuple, Value] = {}
        self._most = most

    def get(self, meeting, compute: Callable[[], Value], *more: Hashable) -> Value:
        key = (meeting.id, meeting.updated_at, *more)
        found = self._kept.get(key)
        if found is None:
            found = compute()
            if len(self._kept) >= self._most:
                self._kept.clear()
            self._kept[key] = found
        return found
