"""Links that domains above the agenda add to the sessions of a participant's
calendar feed (the documents of a session, say). They register here at import
(`provider`), as the private page's sections do (registration/sections.py),
rather than being imported by the agenda."""

from collections.abc import Callable, Iterable

from meeting_app.registration.models import Participant

# (participant, session ids, base URL) -> {session id: the address to link}
Provider = Callable[[Participant, Iterable[int], str], dict[int, str]]
_PROVIDERS: list[Provider] = []


def provider(function: Provider) -> Provider:
    _PROVIDERS.append(function)
    return function


def links(participant: Participant, session_ids: Iterable[int], base_url: str) -> dict[int, str]:
    """{session id: link} from every provider (a later one wins for a session)."""
    ids = list(session_ids)
    found: dict[int, str] = {}
    for function in _PROVIDERS:
        found.update(function(participant, ids, base_url))
    return found
