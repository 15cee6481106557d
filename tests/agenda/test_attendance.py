"""Each participant's programme: choosing sessions, capacity never exceeded (also
under real concurrency), clashes flagged, roles shown."""

import threading
from datetime import time

import pytest

from meeting_app.accounts.models import Role
from meeting_app.agenda import attendance, services
from meeting_app.agenda.models import AgendaSession, Attendance
from meeting_app.extensions import db
from meeting_app.registration import services as registration_services
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.agenda.conftest import SPEAKER


def _publish(meeting):
    services.publish(meeting)
    db.session.commit()


def test_participant_chooses_sessions_and_sees_clashes_and_roles(
    client, rabat, add_session, make_participant
):
    person = make_participant(rabat, given_name="Awa", family_name="Ndiaye")
    morning = add_session(title="Morning panel", start=time(9), end=time(10, 30))
    overlap = add_session(title="Parallel group", start=time(10), end=time(11), room="Salle B")
    add_session(title="Afternoon", start=time(14), end=time(15), people=[(person.id, SPEAKER)])
    _publish(rabat)
    page = client.get(f"/r/{person.token}/programme", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    for session in (morning, overlap):
        response = client.post(f"/r/{person.token}/programme/{session.id}", data={"attend": "1"})
        assert response.status_code == 302
    html = client.get(f"/r/{person.token}/programme", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    mine = html.split('id="mine-heading"')[1].split("</section>")[0]
    assert "Morning panel" in mine and "Parallel group" in mine and "Afternoon" in mine
    assert mine.count("Overlaps another of your sessions") == 2
    assert "Speaker" in mine
    client.post(f"/r/{person.token}/programme/{overlap.id}", data={"attend": "0"})
    db.session.expire_all()
    assert attendance.chosen_session_ids(person) == {morning.id}
    assert db.session.get(AgendaSession, overlap.id).seats_taken == 0


def test_a_full_session_cannot_be_chosen(client, rabat, add_session, make_participant):
    visit = add_session(title="Field visit", capacity=1)
    first, second = make_participant(rabat), make_participant(rabat)
    _publish(rabat)
    client.post(f"/r/{first.token}/programme/{visit.id}", data={"attend": "1"})
    client.post(f"/r/{second.token}/programme/{visit.id}", data={"attend": "1"})
    page = client.get(f"/r/{second.token}/programme", headers={"Accept-Language": "en"})
    assert "This session is full." in page.get_data(as_text=True)
    db.session.expire_all()
    assert attendance.chosen_session_ids(second) == set()
    assert db.session.get(AgendaSession, visit.id).seats_taken == 1


def test_unpublished_or_foreign_sessions_and_bad_tokens_get_404(
    client, rabat, add_session, make_participant, make_meeting
):
    person = make_participant(rabat)
    draft = add_session(title="Not yet public")
    assert (
        client.post(f"/r/{person.token}/programme/{draft.id}", data={"attend": "1"}).status_code
        == 404
    )
    assert client.get("/r/" + "x" * 43 + "/programme").status_code == 404
    assert (
        client.post(f"/r/{person.token}/programme/999999", data={"attend": "1"}).status_code == 404
    )


def test_waitlisted_participants_cannot_take_seats(client, rabat, add_session, make_participant):
    waiting = make_participant(rabat, status=RegistrationStatus.WAITLISTED)
    session = add_session(capacity=10)
    _publish(rabat)
    client.post(f"/r/{waiting.token}/programme/{session.id}", data={"attend": "1"})
    db.session.expire_all()
    assert db.session.get(AgendaSession, session.id).seats_taken == 0


def test_a_session_capacity_holds_under_real_concurrency(app, rabat, add_session, make_participant):
    """40 participants choose a workshop of 7 places at the same moment, each in its
    own thread, connection and transaction against the real database."""
    workshop = add_session(title="Workshop", capacity=7)
    people = [make_participant(rabat, email=f"c{i}@example.org").id for i in range(40)]
    _publish(rabat)
    workshop_id = workshop.id  # threads must not touch the test's own session
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []
    lock = threading.Lock()

    def choose(participant_id: int) -> None:
        # All start together; those beyond the connection pool's size queue for a
        # connection, as requests do on a busy server.
        barrier.wait(timeout=30)
        with app.app_context():
            participant = db.session.get(Participant, participant_id)
            session = db.session.get(AgendaSession, workshop_id)
            try:
                attendance.attend(participant, session)
                db.session.commit()
                outcome = "in"
            except attendance.AttendanceError as error:
                db.session.rollback()
                outcome = str(error)
            except Exception as error:  # recorded so that the assertion shows it
                db.session.rollback()
                outcome = repr(error)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=choose, args=(pid,)) for pid in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(set(outcomes)) == ["full", "in"]
    assert outcomes.count("in") == 7 and len(outcomes) == 40
    db.session.expire_all()
    assert db.session.get(AgendaSession, workshop_id).seats_taken == 7
    attending = db.session.scalar(
        db.select(db.func.count())
        .select_from(Attendance)
        .where(Attendance.session_id == workshop_id)
    )
    assert attending == 7


def _seats(session_id: int) -> int:
    db.session.expire_all()
    return db.session.get(AgendaSession, session_id).seats_taken


def _choose(client, person, session):
    return client.post(f"/r/{person.token}/programme/{session.id}", data={"attend": "1"})


def test_cancelling_gives_the_persons_session_places_to_the_next_one(
    client, rabat, add_session, make_participant
):
    """Bad outcome tried: a participant who cancels keeps their place in a full
    workshop for ever, and the next person is told "This session is full."."""
    visit = add_session(title="Field visit", capacity=1)
    plenary = add_session(title="Plenary", start=time(11), end=time(12))
    leaving, next_one = make_participant(rabat), make_participant(rabat)
    _publish(rabat)
    _choose(client, leaving, visit)
    _choose(client, leaving, plenary)
    assert _seats(visit.id) == 1
    _choose(client, next_one, visit)
    assert attendance.chosen_session_ids(next_one) == set()

    client.post(f"/r/{leaving.token}/cancel", data={"confirm": "y"})

    assert _seats(visit.id) == 0 and _seats(plenary.id) == 0
    assert attendance.chosen_session_ids(leaving) == set()
    _choose(client, next_one, visit)
    assert attendance.chosen_session_ids(next_one) == {visit.id}
    assert _seats(visit.id) == 1


@pytest.mark.parametrize("how", ["decline", "waitlist", "erase"])
def test_declining_wait_listing_and_erasing_give_the_places_back(
    client, rabat, add_session, make_participant, make_user, login, how
):
    """Bad outcome tried: the seats of a person the organisers declined, put on the
    waiting list or erased stay taken (the erasure kept "chosen sessions")."""
    visit = add_session(title="Field visit", capacity=2)
    person, other = make_participant(rabat), make_participant(rabat)
    _publish(rabat)
    _choose(client, person, visit)
    _choose(client, other, visit)
    assert _seats(visit.id) == 2
    make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")
    base = f"/manage/meetings/rabat/registrations/{person.id}"
    if how == "erase":
        client.post(f"{base}/erase", data={"confirm": "y"})
    else:
        client.post(f"{base}/status", data={"action": how})

    assert _seats(visit.id) == 1
    assert attendance.chosen_session_ids(person) == set()
    assert attendance.chosen_session_ids(other) == {visit.id}


def test_only_approved_participants_take_places_in_limited_sessions(
    client, rabat, add_session, make_participant
):
    """Bad outcome tried: anyone can register, and a registration not yet reviewed
    could fill every workshop. Sessions without a limit stay open to it."""
    workshop = add_session(title="Workshop", capacity=10)
    plenary = add_session(title="Plenary", start=time(11), end=time(12))
    pending = make_participant(rabat, status=RegistrationStatus.SUBMITTED)
    _publish(rabat)

    refused = client.post(
        f"/r/{pending.token}/programme/{workshop.id}",
        data={"attend": "1"},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )

    assert "once the organisers have approved your registration" in refused.get_data(as_text=True)
    assert _seats(workshop.id) == 0
    _choose(client, pending, plenary)
    assert attendance.chosen_session_ids(pending) == {plenary.id}


def test_cancelling_while_choosing_a_session_never_leaves_a_place_taken(
    app, rabat, add_session, make_participant
):
    """Bad outcome tried: a person cancels in one tab while choosing a workshop in
    another; the choice, checked against the status read before the cancellation,
    lands after it and keeps a place that nobody holds. Twelve people do both at
    once, in 24 threads with their own connections, against the real database."""
    workshop = add_session(title="Workshop", capacity=30)
    people = [make_participant(rabat, email=f"r{i}@example.org").id for i in range(12)]
    _publish(rabat)
    workshop_id = workshop.id
    barrier = threading.Barrier(2 * len(people))
    errors: list[str] = []

    def act(participant_id: int, what: str) -> None:
        barrier.wait(timeout=30)
        with app.test_request_context():
            participant = db.session.get(Participant, participant_id)
            try:
                if what == "cancel":
                    registration_services.cancel(participant)
                else:
                    attendance.attend(participant, db.session.get(AgendaSession, workshop_id))
                db.session.commit()
            except (attendance.AttendanceError, registration_services.StaleChange):
                db.session.rollback()
            except Exception as error:  # recorded so that the assertion shows it
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=act, args=(pid, what))
        for pid in people
        for what in ("cancel", "attend")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    statuses = db.session.scalars(
        db.select(Participant.status).where(Participant.id.in_(people))
    ).all()
    assert set(statuses) == {RegistrationStatus.CANCELLED}
    attending = db.session.scalar(db.select(db.func.count()).select_from(Attendance))
    assert attending == 0
    assert _seats(workshop_id) == 0
