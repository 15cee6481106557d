"""Organisers decide: approve, decline with a reason, wait-list, cancel, one at a
time and in bulk; each change is e-mailed and recorded."""

import pytest

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.registration import seats
from meeting_app.registration.models import RegistrationStatus
from tests.conftest import registration_data

S = RegistrationStatus


@pytest.fixture
def organiser(client, make_user, login):
    user = make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")
    return user


@pytest.fixture
def meeting_with_people(open_meeting, make_participant):
    def factory(capacity=10, statuses=(S.SUBMITTED, S.SUBMITTED, S.SUBMITTED), **values):
        meeting = open_meeting(slug="board", capacity=capacity, **values)
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


def test_decline_with_a_reason_emails_the_participant_and_is_recorded(
    client, organiser, meeting_with_people, inbox
):
    meeting, (person, *_rest) = meeting_with_people()
    response = client.post(
        f"/manage/meetings/board/registrations/{person.id}/status",
        data={"action": "decline", "reason": "The delegation is complete."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert person.status is S.DECLINED
    assert meeting.seats_taken == 2
    (message,) = inbox.to(person.email)
    assert "could not accept" in inbox.body(message)
    assert "The delegation is complete." in inbox.body(message)
    change = person.changes[0]
    assert (change.from_status, change.to_status) == (S.SUBMITTED, S.DECLINED)
    assert change.by_user.email == "secretariat@example.org"
    detail = client.get(
        f"/manage/meetings/board/registrations/{person.id}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "secretariat@example.org" in detail and "The delegation is complete." in detail


def test_approving_a_waiting_person_needs_a_free_seat(
    client, organiser, meeting_with_people, inbox
):
    meeting, (a, b, waiting) = meeting_with_people(
        capacity=2, statuses=(S.APPROVED, S.APPROVED, S.WAITLISTED)
    )
    client.post(
        f"/manage/meetings/board/registrations/{waiting.id}/status", data={"action": "approve"}
    )
    db.session.expire_all()
    assert waiting.status is S.WAITLISTED
    assert inbox.to(waiting.email) == []
    page = client.get(
        f"/manage/meetings/board/registrations/{waiting.id}", headers={"Accept-Language": "en"}
    )
    assert "the meeting is full" in page.get_data(as_text=True)
    # Declining someone frees a seat, which goes to the waiting list on its own.
    client.post(f"/manage/meetings/board/registrations/{a.id}/status", data={"action": "decline"})
    db.session.expire_all()
    assert waiting.status is S.SUBMITTED  # the meeting requires approval
    assert meeting.seats_taken == 2


def test_bulk_approve_changes_each_selected_and_emails_each(
    client, organiser, meeting_with_people, inbox
):
    meeting, people = meeting_with_people()
    response = client.post(
        "/manage/meetings/board/registrations/bulk?status=submitted",
        data={"action": "approve", "ids": [p.id for p in people[:2]]},
    )
    assert response.headers["Location"].endswith("/registrations/?status=submitted")
    db.session.expire_all()
    assert [p.status for p in people] == [S.APPROVED, S.APPROVED, S.SUBMITTED]
    assert len(inbox.messages) == 2


def test_bulk_without_a_selection_changes_nothing(client, organiser, meeting_with_people, inbox):
    _meeting, people = meeting_with_people()
    client.post("/manage/meetings/board/registrations/bulk", data={"action": "approve"})
    db.session.expire_all()
    assert {p.status for p in people} == {S.SUBMITTED}
    assert inbox.messages == []


def test_bulk_ignores_registrations_of_other_meetings(
    client, organiser, meeting_with_people, make_meeting, make_participant
):
    meeting_with_people()
    other = make_participant(make_meeting(slug="other"), status=S.SUBMITTED)
    client.post(
        "/manage/meetings/board/registrations/bulk", data={"action": "decline", "ids": [other.id]}
    )
    db.session.expire_all()
    assert other.status is S.SUBMITTED


def test_list_filters_by_status_delegation_category_and_search(
    client, organiser, open_meeting, make_participant
):
    meeting = open_meeting(slug="board")
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    make_participant(
        meeting,
        given_name="Awa",
        family_name="Ndiaye",
        delegation=senegal,
        organisation="Ville de Dakar",
        status=S.APPROVED,
    )
    make_participant(
        meeting,
        given_name="Youssef",
        family_name="El Amrani",
        organisation="UNDP",
        category="un_agency",
        status=S.SUBMITTED,
    )
    make_participant(
        meeting,
        given_name="100%_sure",
        family_name="Test",
        organisation="Percent Org",
        status=S.SUBMITTED,
    )

    def names(**args):
        html = client.get(
            "/manage/meetings/board/registrations/",
            query_string=args,
            headers={"Accept-Language": "en"},
        ).get_data(as_text=True)
        return {n for n in ("Ndiaye", "El Amrani", "Test, 100%_sure") if n in html}

    assert names() == {"Ndiaye", "El Amrani", "Test, 100%_sure"}
    assert names(status="approved") == {"Ndiaye"}
    assert names(delegation=str(senegal.id)) == {"Ndiaye"}
    assert names(delegation="other") == {"El Amrani", "Test, 100%_sure"}
    assert names(category="un_agency") == {"El Amrani"}
    assert names(q="dakar") == {"Ndiaye"}
    assert names(q="%") == {"Test, 100%_sure"}  # the wildcard is searched as text
    assert names(status="bogus", category="astronaut", delegation="x") == names()


def test_list_pages_fifty_at_a_time(client, organiser, open_meeting, make_participant):
    meeting = open_meeting(slug="board", capacity=None)
    for i in range(55):
        make_participant(meeting, family_name=f"Person{i:02d}")
    first = client.get("/manage/meetings/board/registrations/").get_data(as_text=True)
    second = client.get("/manage/meetings/board/registrations/?page=2").get_data(as_text=True)
    assert "Person00" in first and "Person54" not in first
    assert "Person54" in second and "Person00" not in second


def test_organiser_adds_a_registration_which_is_confirmed_by_email(
    client, organiser, open_meeting, inbox
):
    meeting = open_meeting(slug="board")
    data = registration_data(
        meeting, country="MA", email="minister.office@example.org", role="head_of_delegation"
    )
    data.pop("acknowledge_data_use")
    response = client.post("/manage/meetings/board/registrations/new", data=data)
    assert response.status_code == 302
    (person,) = meeting.participants
    assert person.role.value == "head_of_delegation"
    assert person.changes[0].actor == "organiser"
    assert len(inbox.to("minister.office@example.org")) == 1
    again = client.post(
        "/manage/meetings/board/registrations/new", data=data, headers={"Accept-Language": "en"}
    )
    assert again.status_code == 422
    assert "already registered" in again.get_data(as_text=True)


def test_organiser_can_regenerate_a_private_link(client, organiser, meeting_with_people):
    _meeting, (person, *_rest) = meeting_with_people()
    old = person.token
    client.post(f"/manage/meetings/board/registrations/{person.id}/token")
    db.session.expire_all()
    assert person.token != old
    assert client.get(f"/r/{old}").status_code == 404
    assert client.get(f"/r/{person.token}").status_code == 200


def test_organiser_resends_the_confirmation(client, organiser, meeting_with_people, inbox):
    _meeting, (person, *_rest) = meeting_with_people()
    client.post(f"/manage/meetings/board/registrations/{person.id}/resend")
    (message,) = inbox.to(person.email)
    assert f"/r/{person.token}" in inbox.body(message)


def test_registration_of_another_meeting_is_not_found_under_this_one(
    client, organiser, meeting_with_people, make_meeting, make_participant
):
    meeting_with_people()
    stranger = make_participant(make_meeting(slug="other"))
    assert client.get(f"/manage/meetings/board/registrations/{stranger.id}").status_code == 404


def test_raising_the_capacity_moves_the_waiting_list_up(
    client, organiser, meeting_with_people, inbox
):
    meeting, (a, waiting, later) = meeting_with_people(
        capacity=1, statuses=(S.APPROVED, S.WAITLISTED, S.WAITLISTED)
    )
    form = {
        "opens_at": "2026-01-01T09:00",
        "closes_at": "2030-01-01T18:00",
        "requires_approval": "y",
    }
    too_low = client.post(
        "/manage/meetings/board/registrations/settings",
        data={**form, "capacity": "0"},
        headers={"Accept-Language": "en"},
    )
    assert too_low.status_code == 422
    response = client.post(
        "/manage/meetings/board/registrations/settings", data={**form, "capacity": "2"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (waiting.status, later.status) == (S.SUBMITTED, S.WAITLISTED)
    assert meeting.capacity == 2 and meeting.seats_taken == 2
    # 09:00 in Rabat (UTC+1 in January) is 08:00 UTC.
    assert meeting.registration_opens_at.isoformat() == "2026-01-01T08:00:00+00:00"
    assert len(inbox.to(waiting.email)) == 1


def test_settings_refuse_a_capacity_below_the_seats_held_and_a_closing_before_opening(
    client, organiser, meeting_with_people
):
    meeting, _people = meeting_with_people(capacity=5)
    html = client.post(
        "/manage/meetings/board/registrations/settings",
        data={"opens_at": "2026-05-01T09:00", "closes_at": "2026-04-01T09:00", "capacity": "2"},
        headers={"Accept-Language": "en"},
    ).get_data(True)
    assert "Registration must close after it opens." in html
    html = client.post(
        "/manage/meetings/board/registrations/settings",
        data={"opens_at": "2026-03-01T09:00", "closes_at": "2026-04-01T09:00", "capacity": "2"},
        headers={"Accept-Language": "en"},
    ).get_data(True)
    assert "3 seats are already held" in html
    db.session.expire_all()
    assert meeting.capacity == 5


def test_list_page_makes_the_same_number_of_queries_for_5_or_50_rows(
    client, organiser, open_meeting, make_participant
):
    import sqlalchemy as sa

    from meeting_app.delegations.models import Delegation
    from meeting_app.meetings.models import Country

    meeting = open_meeting(slug="board", capacity=None)
    codes = db.session.execute(
        db.select(Country.code).where(Country.code.not_in(["SN", "MA"])).limit(50)
    ).scalars()
    delegations = [Delegation(meeting=meeting, country_code=code) for code in codes]
    db.session.add_all(delegations)
    db.session.commit()

    def queries() -> int:
        statements = []

        def count(*_args):
            statements.append(1)

        # Every engine: the page is served by another app instance than the test's.
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
        try:
            assert client.get("/manage/meetings/board/registrations/").status_code == 200
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
        return len(statements)

    for i in range(5):  # each in a delegation of its own: no lazy load may hide
        make_participant(meeting, delegation=delegations[i], family_name=f"A{i}")
    queries()  # the first page reads what is then kept (the delegations' choices)
    few = queries()
    assert few > 0
    for i in range(5, 50):
        make_participant(meeting, delegation=delegations[i], family_name=f"B{i}")
    assert queries() == few
