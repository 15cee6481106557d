"""Protocol order, shared by the official list of participants
(documents/participant_list.py) and the public list of delegations: the host
country's delegation first when the meeting says so, then the others by the
country's name in the reader's language (its collation: Bangladesh, Équateur,
Jamaïque in French); within a delegation its head, then the members by family
and given name."""

from collections.abc import Callable

from meeting_app.registration.models import ParticipantRole

Key = Callable[[str], bytes]


def delegation_place(
    country_code: str, country_name: str, key: Key, host_country_code: str | None, host_first: bool
) -> tuple:
    first = host_first and country_code == host_country_code
    return (not first, key(country_name), country_code)


def member_place(
    person_id: int,
    role: ParticipantRole,
    family_name: str,
    given_name: str,
    head_id: int | None,
    key: Key,
) -> tuple:
    """The delegation's named head, then anyone whose role is head of delegation,
    then the members by name."""
    if person_id == head_id:
        rank = 0
    elif role is ParticipantRole.HEAD_OF_DELEGATION:
        rank = 1
    else:
        rank = 2
    return (rank, key(family_name), key(given_name), person_id)
