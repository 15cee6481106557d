"""The waiting list: a freed seat goes to the next person waiting for one; a person
an organiser put on the list stays there until an organiser decides otherwise,
and each real change is one e-mail."""

import pytest

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.registration import seats
from meeting_app.registration.models import Participant, RegistrationStatus

S = RegistrationStatus


@pytest.fixture
def organiser(client, make_user, login):
    user = make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")
    return user


@pytest.fixture
def board(open_meeting, make_participant):
    def factory(capacity, statuses):
        meeting = open_meeting(slug="board", capacity=capacity, requires_approval=False)
        people = [
            make_participant(
                meeting, status=status, email=f"p{i}@example.org", preferred_language="en"
            )
            for i, status in enumerate(statuses)
        ]
        seats.recount(meeting)
        db.session.commit()
        return meeting, people

    return factory


def _decide(client, person, action):
    response = client.post(
        f"/manage/meetings/board/registrations/{person.id}/status", data={"action": action}
    )
    assert response.status_code == 302


def _status(person) -> RegistrationStatus:
    db.session.expire_all()
    return db.session.get(Participant, person.id).status


def _text(inbox, message) -> str:
    return " ".join(inbox.body(message).split())


def test_putting_someone_on_the_waiting_list_by_hand_holds_with_seats_free(
    client, organiser, board, inbox
):
    """Bad outcome tried: with seats free, the freed seat moved the same person up
    again 7 ms later, and they got "on the waiting list" then "approved"."""
    meeting, (person,) = board(capacity=10, statuses=[S.APPROVED])

    _decide(client, person, "waitlist")

    assert _status(person) is S.WAITLISTED
    db.session.refresh(meeting)
    assert meeting.seats_taken == 0
    (message,) = inbox.to(person.email)
    text = _text(inbox, message)
    assert "The organisers have put your registration" in text
    assert "If a place frees up" not in text
    detail = client.get(
        f"/manage/meetings/board/registrations/{person.id}", headers={"Accept-Language": "en"}
    )
    assert "Put on the waiting list by an organiser" in detail.get_data(as_text=True)
    page = client.get(f"/r/{person.token}", headers={"Accept-Language": "en"})
    assert "They will write to you if they can offer you a place." in " ".join(
        page.get_data(as_text=True).split()
    )


def test_freed_seats_go_to_those_waiting_for_one_never_to_those_held(
    client, organiser, board, inbox, make_participant
):
    """Bad outcome tried: promotion took the waiting list in order, whoever put
    the person there; a later cancellation or a larger capacity undid the hold."""
    meeting, (first, held) = board(capacity=2, statuses=[S.APPROVED, S.APPROVED])
    waiting = make_participant(meeting, status=S.WAITLISTED, email="w@example.org")
    waiting_later = make_participant(meeting, status=S.WAITLISTED, email="w2@example.org")
    # Registered before the others: the hold, not the order, keeps them waiting.
    held.created_at = min(waiting.created_at, waiting_later.created_at).replace(year=2020)
    db.session.commit()

    _decide(client, held, "waitlist")

    assert _status(held) is S.WAITLISTED
    assert _status(waiting) is S.APPROVED  # the seat freed went to the next one waiting
    assert len(inbox.to(held.email)) == 1

    # The held person edits their own details: still held.
    data = {
        "honorific": "",
        "given_name": held.given_name,
        "family_name": held.family_name,
        "badge_name": held.badge_name,
        "email": held.email,
        "phone": "",
        "delegation_id": "other",
        "organisation": "Ministry",
        "position": "",
        "category": held.category.value,
        "preferred_language": "en",
    }
    assert client.post(f"/r/{held.token}/edit", data=data).status_code == 302

    client.post(f"/r/{first.token}/cancel", data={"confirm": "y"})
    assert _status(held) is S.WAITLISTED
    assert _status(waiting_later) is S.APPROVED

    client.post(
        "/manage/meetings/board/registrations/settings",
        data={
            "opens_at": "2020-01-01T00:00",
            "closes_at": "2099-01-01T00:00",
            "capacity": "40",
            "requires_approval": "",
        },
    )
    db.session.refresh(meeting)
    assert meeting.capacity == 40
    assert _status(held) is S.WAITLISTED
    assert len(inbox.to(held.email)) == 1  # one change, one e-mail

    _decide(client, held, "approve")  # the organisers' own decision moves them
    assert _status(held) is S.APPROVED


def test_people_the_full_meeting_put_on_the_list_still_move_up(client, open_meeting, inbox):
    """The other side: registering to a full meeting (even when an organiser
    enters the registration) waits for a seat, and gets the next one freed."""
    meeting = open_meeting(slug="board", capacity=1, requires_approval=False)
    data = {
        "given_name": "A",
        "family_name": "B",
        "badge_name": "",
        "phone": "",
        "delegation_id": "other",
        "organisation": "O",
        "position": "",
        "category": "academia",
        "preferred_language": "en",
        "acknowledge_data_use": "y",
    }
    client.post("/meetings/board/register", data={**data, "email": "first@example.org"})
    client.post("/meetings/board/register", data={**data, "email": "second@example.org"})
    first, second = sorted(meeting.participants, key=lambda p: p.email)
    assert second.status is S.WAITLISTED
    client.post(f"/r/{first.token}/cancel", data={"confirm": "y"})
    assert _status(second) is S.APPROVED
