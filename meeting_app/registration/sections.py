"""Sections that other domains add to a participant's private page (/r/<token>):
their documents, the outcome record, the survey. They sit above registration, so
they register here (at import, with `section`) rather than being imported by it.

A section is a function of the participant returning (template name, values) or
None when it has nothing for that person; the private page includes that
template with `section` (the values) beside its own variables (`participant`,
`meeting`)."""

from collections.abc import Callable
from typing import Any

from meeting_app.registration.models import Participant

Section = Callable[[Participant], tuple[str, dict[str, Any]] | None]
_SECTIONS: list[tuple[int, Section]] = []


def section(order: int) -> Callable[[Section], Section]:
    """Registers a private-page section; lower `order` comes first."""

    def register(function: Section) -> Section:
        _SECTIONS.append((order, function))
        _SECTIONS.sort(key=lambda entry: entry[0])
        return function

    return register


def render(participant: Participant) -> list[tuple[str, dict[str, Any]]]:
    return [shown for _order, f in _SECTIONS if (shown := f(participant)) is not None]
