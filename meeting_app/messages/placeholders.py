"""The placeholders of organisers' messages: the participant's own
(registration/placeholders.py), filled by core/placeholders.py."""

from meeting_app.core import placeholders as core
from meeting_app.registration.placeholders import OPTIONAL, PLACEHOLDERS, values

__all__ = ["OPTIONAL", "PLACEHOLDERS", "fill", "unknown", "used", "values"]

used = core.used


def unknown(*texts: str) -> list[str]:
    return core.unknown(PLACEHOLDERS, *texts)


def fill(text: str, values: dict[str, str]) -> str:
    return core.fill(text, values)
