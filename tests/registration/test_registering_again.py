"""A person who cancelled their own registration may come back while registration
is open: the same registration returns through the seat rules, with its history
and its private link; one the organisers declined or cancelled stays so."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration import services
from meeting_app.registration.models import Participant, RegistrationChange, RegistrationStatus
from tests.conftest import registration_data

S = RegistrationStatus
EMAIL = "ndeye.diop@example.org"


def _register(client, meeting, **values):
    data = registration_data(meeting, preferred_language="en", **values)
    response = client.post(f"/meetings/{meeting.slug}/register", data=data)
    assert response.status_code == 302
    return response


def _person(email=EMAIL) -> Participant:
    db.session.expire_all()
    return db.session.execute(db.select(Participant).filter_by(email=email)).scalar_one()


def _cancel_oneself(client, person):
    response = client.post(f"/r/{person.token}/cancel", data={"confirm": "y"})
    assert response.status_code == 302


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_registering_again_after_cancelling_brings_the_same_registration_back(
    client, open_meeting, inbox
):
    """Bad outcome tried: the form said "recorded" while the mail said the
    registration was cancelled and unchanged, and nothing came back."""
    meeting = open_meeting(slug="back", requires_approval=False)
    _register(client, meeting)
    person = _person()
    first_id, token = person.id, person.token
    _cancel_oneself(client, person)
    assert _person().status is S.CANCELLED
    db.session.refresh(meeting)
    assert meeting.seats_taken == 0
    inbox.clear()

    response = _register(client, meeting, position="Directrice")

    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "a registration you had cancelled yourself is taken up again" in _one_line(
        page.get_data(as_text=True)
    )
    person = _person()
    assert (person.id, person.token) == (first_id, token)  # the same row, the same link
    assert person.status is S.APPROVED and person.position == "Directrice"
    db.session.refresh(meeting)
    assert meeting.seats_taken == 1
    history = [(c.from_status, c.to_status, c.actor) for c in reversed(person.changes)]
    assert history == [
        (None, S.APPROVED, "participant"),
        (S.APPROVED, S.CANCELLED, "participant"),
        (S.CANCELLED, S.APPROVED, "participant"),
    ]
    assert "position: Conseillère → Directrice" in person.changes[0].details
    (message,) = inbox.to(EMAIL)
    body = _one_line(inbox.body(message))
    assert "You had cancelled your registration" in body and "taken up again" in body
    # The automatic mail "cancelled registration taken up again" names the status.
    assert "has the status: approved." in body
    assert f"/r/{token}" in body
    private = client.get(f"/r/{token}", headers={"Accept-Language": "en"})
    assert private.status_code == 200 and "Approved" in private.get_data(as_text=True)


def test_coming_back_to_a_full_meeting_goes_to_the_waiting_list(client, open_meeting, inbox):
    """Bad outcome tried: coming back by-passing the seat rules (a seat beyond the
    capacity, taken from someone who registered meanwhile)."""
    meeting = open_meeting(slug="full", capacity=1, requires_approval=False)
    _register(client, meeting)
    _cancel_oneself(client, _person())
    _register(client, meeting, email="karim@example.org")
    assert _person("karim@example.org").status is S.APPROVED
    inbox.clear()

    _register(client, meeting)

    assert _person().status is S.WAITLISTED
    db.session.refresh(meeting)
    assert meeting.seats_taken == 1
    (message,) = inbox.to(EMAIL)
    assert "waiting list" in inbox.body(message)


def test_the_private_page_offers_the_way_back_while_registration_is_open(
    client, open_meeting, inbox
):
    """Bad outcome tried: a cancelled person's private page offered nothing; and
    once registration closes, the way back must be gone too."""
    meeting = open_meeting(slug="page", requires_approval=True)
    _register(client, meeting)
    person = _person()
    _cancel_oneself(client, person)
    html = client.get(f"/r/{person.token}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Register again" in html and f"/r/{person.token}/register-again" in html
    inbox.clear()

    response = client.post(f"/r/{person.token}/register-again", data={})

    assert response.status_code == 302
    person = _person()
    assert person.status is S.SUBMITTED
    assert person.organisation == "Ministère des Affaires étrangères"  # what was entered
    assert len(inbox.to(EMAIL)) == 1

    _cancel_oneself(client, person)
    meeting = db.session.get(Meeting, meeting.id)
    meeting.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"/r/{person.token}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Register again" not in html
    client.post(f"/r/{person.token}/register-again", data={})
    assert _person().status is S.CANCELLED


@pytest.mark.parametrize("decision", ["decline", "cancel"])
def test_a_registration_the_organisers_ended_stays_so(
    client, open_meeting, inbox, make_user, login, decision
):
    """Bad outcome tried: a declined (or organiser-cancelled) person registering
    again, or cancelling and then registering again, to get round the decision."""
    meeting = open_meeting(slug="decided", contact_email="board@example.org")
    _register(client, meeting)
    person = _person()
    make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")
    client.post(
        f"/manage/meetings/decided/registrations/{person.id}/status", data={"action": decision}
    )
    client.post("/logout")
    expected = S.DECLINED if decision == "decline" else S.CANCELLED
    assert _person().status is expected
    inbox.clear()

    _register(client, meeting, position="Directrice")

    person = _person()
    assert person.status is expected and person.position == "Conseillère"
    (message,) = inbox.to(EMAIL)
    body = _one_line(inbox.body(message))
    assert "does not change their decision" in body
    assert "write to the secretariat: board@example.org" in body
    html = client.get(f"/r/{person.token}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Register again" not in html and "board@example.org" in html
    client.post(f"/r/{person.token}/register-again", data={})
    client.post(f"/r/{person.token}/cancel", data={"confirm": "y"})
    _register(client, meeting)
    assert _person().status is expected
    assert _person().changes[0].actor == "organiser"


def test_two_people_coming_back_at_once_with_the_same_address_take_one_seat(
    app, open_meeting, make_participant
):
    """Bad outcome tried: the form posted twice at the same moment (two tabs, a
    double click) gives the returning person two seats. Eight threads, each with
    its own connection and transaction, against the real database."""
    meeting = open_meeting(slug="race", capacity=5, requires_approval=False)
    person = make_participant(meeting, email=EMAIL, status=S.APPROVED, preferred_language="en")
    meeting.seats_taken = 1
    db.session.commit()
    with app.test_request_context():  # the cancellation mail holds a link
        services.cancel(person)
        db.session.commit()
    meeting_id = meeting.id
    values = {
        "given_name": "Ndèye",
        "family_name": "Diop",
        "badge_name": "Ndèye Diop",
        "email": EMAIL,
        "organisation": "Ministère",
        "category": person.category,
        "preferred_language": "en",
        "delegation_id": None,
    }
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def come_back() -> None:
        barrier.wait(timeout=30)
        with app.test_request_context():
            try:
                services.register(db.session.get(Meeting, meeting_id), values)
                db.session.commit()
                outcome = "back"
            except services.DuplicateRegistration:
                db.session.rollback()
                outcome = "duplicate"
            except Exception as error:  # recorded so that the assertion shows it
                db.session.rollback()
                outcome = repr(error)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=come_back) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["back"] + ["duplicate"] * 7, outcomes
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id).seats_taken == 1
    returns = db.session.scalar(
        db.select(db.func.count(RegistrationChange.id)).filter_by(
            participant_id=person.id, from_status=S.CANCELLED
        )
    )
    assert returns == 1
    assert db.session.get(Participant, person.id).status is S.APPROVED
