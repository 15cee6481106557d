"""Online participation: a meeting in person, online or hybrid; in a hybrid one each
registration says how the person takes part. Online participants get no badge and
no room seat, and count against the meeting's capacity only if it says so."""

import csv
import io
import re
from datetime import UTC, date, datetime, time

import pytest

from meeting_app.accounts.models import Role
from meeting_app.agenda import attendance
from meeting_app.agenda.models import AgendaSession, SessionKind
from meeting_app.documents import badges
from meeting_app.extensions import db
from meeting_app.manage import services as manage
from meeting_app.meetings.models import Meeting
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.conftest import registration_data
from tests.meetings.test_manage_meetings import settings_data

EN = {"Accept-Language": "en"}
S = RegistrationStatus


@pytest.fixture
def organiser(client, make_user, login):
    user = make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")
    return user


def _register(client, meeting, email, mode=None, **values):
    data = registration_data(meeting, country="SN", email=email, **values)
    if mode is not None:
        data["attendance_mode"] = mode
    return client.post(f"/meetings/{meeting.slug}/register", data=data, headers=EN)


def _person(email) -> Participant:
    db.session.expire_all()
    return db.session.execute(db.select(Participant).filter_by(email=email)).scalar_one()


def _seats(meeting) -> int:
    db.session.expire_all()
    return db.session.get(Meeting, meeting.id).seats_taken


def _edit(client, participant, meeting, mode):
    data = registration_data(meeting, country="SN", email=participant.email)
    data.pop("acknowledge_data_use")
    data["attendance_mode"] = mode
    return client.post(f"/r/{participant.token}/edit", data=data, headers=EN)


# --- The meeting's settings ------------------------------------------------------------


def test_settings_offer_the_three_modes_with_hints_and_save_them(client, organiser, make_meeting):
    meeting = make_meeting(slug="board", languages=["en"])
    page = client.get("/manage/meetings/board/settings", headers=EN).get_data(as_text=True)
    assert "How people take part" in page
    assert "The registration form asks each person whether they come in person" in page
    assert "Online participants count against the meeting" in page
    data = settings_data(meeting, participation_mode="hybrid", online_counts_against_capacity="y")
    assert client.post("/manage/meetings/board/settings", data=data).status_code == 302
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.participation_mode == "hybrid" and meeting.online_counts_against_capacity
    details = [e.details for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert "participation_mode, online_counts_against_capacity" in details


def test_an_unknown_mode_is_refused_with_a_field_error(client, organiser, make_meeting):
    meeting = make_meeting(slug="board", languages=["en"])
    data = settings_data(meeting, participation_mode="teleport")
    response = client.post("/manage/meetings/board/settings", data=data, headers=EN)
    assert response.status_code == 422
    assert 'id="participation_mode-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).participation_mode == "in_person"


def test_a_clone_keeps_how_people_take_part(make_meeting):
    source = make_meeting(
        slug="board-2026", participation_mode="hybrid", online_counts_against_capacity=True
    )
    data = manage.clone_input(source, slug="board-2027", start=date(2027, 6, 8))
    clone = manage.clone_meeting(source, data)
    assert clone.participation_mode == "hybrid" and clone.online_counts_against_capacity


# --- The registration form ---------------------------------------------------------------


def test_a_hybrid_meeting_asks_how_the_person_takes_part(client, open_meeting):
    meeting = open_meeting(slug="m", participation_mode="hybrid")
    page = client.get("/meetings/m/register", headers=EN).get_data(as_text=True)
    assert "<legend>How will you take part?</legend>" in page
    response = _register(client, meeting, "nomode@example.org")
    assert response.status_code == 422
    assert "Choose whether you come in person or take part online." in response.get_data(
        as_text=True
    )
    assert _register(client, meeting, "amina@example.org", "online").status_code == 302
    assert _person("amina@example.org").attendance_mode == "online"


@pytest.mark.parametrize("mode", ["in_person", "online"])
def test_other_meetings_do_not_ask(client, open_meeting, mode):
    meeting = open_meeting(slug="m", participation_mode=mode)
    page = client.get("/meetings/m/register", headers=EN).get_data(as_text=True)
    assert "How will you take part?" not in page
    # A value sent anyway is not taken: the meeting decides.
    assert _register(client, meeting, "a@example.org", "online").status_code == 302
    person = _person("a@example.org")
    assert person.attendance_mode == "in_person"
    assert person.takes_part_online is (mode == "online")


def test_the_private_page_shows_and_edits_how_the_person_takes_part(client, open_meeting):
    meeting = open_meeting(slug="m", participation_mode="hybrid")
    _register(client, meeting, "a@example.org", "in_person")
    person = _person("a@example.org")
    page = client.get(f"/r/{person.token}", headers=EN).get_data(as_text=True)
    assert "<dt>Takes part</dt><dd>In person</dd>" in page
    form = client.get(f"/r/{person.token}/edit", headers=EN).get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="in_person"', form)
    assert _edit(client, person, meeting, "online").status_code == 302
    page = client.get(f"/r/{person.token}", headers=EN).get_data(as_text=True)
    assert "<dt>Takes part</dt><dd>Online</dd>" in page


# --- Seats ---------------------------------------------------------------------------------


def test_online_participants_take_no_seat_of_the_capacity_unless_the_meeting_says_so(
    client, open_meeting
):
    meeting = open_meeting(slug="m", participation_mode="hybrid", capacity=1)
    _register(client, meeting, "first@example.org", "in_person")
    _register(client, meeting, "second@example.org", "in_person")
    _register(client, meeting, "online@example.org", "online")
    assert _person("first@example.org").status is S.SUBMITTED
    assert _person("second@example.org").status is S.WAITLISTED
    assert _person("online@example.org").status is S.SUBMITTED  # no seat needed
    assert _seats(meeting) == 1

    counted = open_meeting(
        slug="c", participation_mode="hybrid", capacity=1, online_counts_against_capacity=True
    )
    _register(client, counted, "c1@example.org", "in_person")
    _register(client, counted, "c2@example.org", "online")
    assert _person("c2@example.org").status is S.WAITLISTED
    assert _seats(counted) == 1


def test_in_an_online_meeting_everyone_is_online(client, open_meeting):
    meeting = open_meeting(slug="m", participation_mode="online", capacity=1)
    _register(client, meeting, "a@example.org")
    _register(client, meeting, "b@example.org")
    assert {_person(e).status for e in ("a@example.org", "b@example.org")} == {S.SUBMITTED}
    assert _seats(meeting) == 0


def test_going_online_gives_the_seat_to_the_waiting_list(client, open_meeting):
    meeting = open_meeting(slug="m", participation_mode="hybrid", capacity=1)
    _register(client, meeting, "first@example.org", "in_person")
    _register(client, meeting, "second@example.org", "in_person")
    assert _person("second@example.org").status is S.WAITLISTED
    assert _edit(client, _person("first@example.org"), meeting, "online").status_code == 302
    assert _person("second@example.org").status is S.SUBMITTED
    assert _person("first@example.org").status is S.SUBMITTED
    assert _seats(meeting) == 1


def test_coming_in_person_to_a_full_meeting_is_refused_with_a_field_error(client, open_meeting):
    meeting = open_meeting(slug="m", participation_mode="hybrid", capacity=1)
    _register(client, meeting, "first@example.org", "in_person")
    _register(client, meeting, "online@example.org", "online")
    response = _edit(client, _person("online@example.org"), meeting, "in_person")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The meeting has no in-person place left: you may take part online." in html
    assert 'id="attendance_mode-error"' in html
    assert _person("online@example.org").attendance_mode == "online"
    assert _seats(meeting) == 1


def test_counting_online_participants_from_now_on_recounts_the_seats(
    client, organiser, open_meeting
):
    meeting = open_meeting(slug="m", participation_mode="hybrid", capacity=5)
    _register(client, meeting, "a@example.org", "in_person")
    _register(client, meeting, "b@example.org", "online")
    assert _seats(meeting) == 1
    data = settings_data(
        db.session.get(Meeting, meeting.id),
        participation_mode="hybrid",
        online_counts_against_capacity="y",
    )
    assert client.post("/manage/meetings/m/settings", data=data).status_code == 302
    assert _seats(meeting) == 2
    data["participation_mode"], data["online_counts_against_capacity"] = "in_person", ""
    assert client.post("/manage/meetings/m/settings", data=data).status_code == 302
    assert _seats(meeting) == 2  # everyone comes in person now


# --- Badges and sessions -------------------------------------------------------------------


def test_online_participants_get_no_badge(client, organiser, make_meeting, make_participant):
    meeting = make_meeting(slug="m", participation_mode="hybrid")
    make_participant(meeting, family_name="Venue", attendance_mode="in_person")
    make_participant(meeting, family_name="Remote", attendance_mode="online")
    assert [p.family_name for p in badges.select(meeting)] == ["Venue"]
    html = client.get("/desk/meetings/m/badges", headers=EN).get_data(as_text=True)
    assert "Venue" in html and "Remote" not in html
    meeting.participation_mode = "online"
    db.session.commit()
    assert badges.select(meeting) == []


def test_online_participants_take_no_seat_of_a_session(make_meeting, make_participant):
    meeting = make_meeting(slug="m", participation_mode="hybrid")
    workshop = AgendaSession(
        meeting=meeting,
        kind=SessionKind.PANEL,
        title={"en": "Workshop"},
        starts_at=_utc(meeting, time(9)),
        ends_at=_utc(meeting, time(10)),
        capacity=1,
    )
    db.session.add(workshop)
    db.session.commit()
    remote = make_participant(meeting, attendance_mode="online")
    venue = make_participant(meeting, attendance_mode="in_person")
    late = make_participant(meeting, attendance_mode="in_person")
    attendance.attend(remote, workshop)
    attendance.attend(venue, workshop)
    db.session.commit()
    assert workshop.seats_taken == 1
    with pytest.raises(attendance.AttendanceError, match="full"):
        attendance.attend(late, workshop)
    db.session.rollback()
    # The online participant leaves: no seat is given back, the room stays full.
    attendance.leave(remote, workshop)
    db.session.commit()
    db.session.refresh(workshop)
    assert workshop.seats_taken == 1
    # The person in person goes online: their seat is free for someone else.
    attendance.attend(remote, workshop)
    venue.attendance_mode = "online"
    attendance.mode_changed(venue, was_online=False)
    db.session.commit()
    db.session.refresh(workshop)
    assert workshop.seats_taken == 0
    attendance.attend(late, workshop)
    db.session.commit()
    # Coming back in person to a full workshop leaves it (the room has no place).
    venue.attendance_mode = "in_person"
    assert attendance.mode_changed(venue, was_online=True) == [workshop.id]
    db.session.commit()
    assert workshop.id not in attendance.chosen_session_ids(venue)


def _utc(meeting, at: time):
    return datetime.combine(meeting.start_date, at, tzinfo=meeting.tz).astimezone(UTC)


# --- What organisers see ---------------------------------------------------------------------


def test_organisers_see_and_filter_how_people_take_part_and_export_it(
    client, organiser, open_meeting
):
    meeting = open_meeting(slug="m", participation_mode="hybrid")
    _register(client, meeting, "venue@example.org", "in_person", family_name="Venue")
    _register(client, meeting, "remote@example.org", "online", family_name="Remote")
    page = client.get("/manage/meetings/m/registrations/", headers=EN).get_data(as_text=True)
    assert '<th scope="col">Takes part</th>' in page and 'name="takes_part"' in page
    online_only = client.get(
        "/manage/meetings/m/registrations/?takes_part=online", headers=EN
    ).get_data(as_text=True)
    assert "Remote" in online_only and "Venue" not in online_only
    export = client.get("/manage/meetings/m/registrations/export.csv", headers=EN)
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("Takes part")
    by_name = {row[3]: row[column] for row in rows[1:]}
    assert by_name == {"Venue": "In person", "Remote": "Online"}
