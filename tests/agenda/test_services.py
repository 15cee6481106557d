"""Building the agenda: times in the meeting's zone, bad input, conflicts,
published versions and their change lists, copying to the next meeting."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from meeting_app.agenda import services
from meeting_app.agenda.models import AgendaSession, SessionKind
from meeting_app.agenda.published import published_agenda
from meeting_app.agenda.services import AgendaError, SessionInput, StaleSession
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus
from tests.agenda.conftest import CHAIR, SPEAKER


def test_nine_in_rabat_on_13_june_2022_is_eight_utc_and_shows_as_nine(add_session, rabat):
    session = add_session(start=time(9, 0), end=time(10, 30))
    assert session.starts_at == datetime(2022, 6, 13, 8, 0, tzinfo=UTC)
    assert session.starts_at.astimezone(rabat.tz).strftime("%H:%M") == "09:00"


@pytest.mark.parametrize(
    ("day", "start", "end", "code"),
    [
        (date(2022, 6, 13), time(10, 0), time(9, 0), "end_before_start"),
        (date(2022, 6, 13), time(10, 0), time(10, 0), "end_before_start"),
        # Casablanca: clocks go back from 03:00 to 02:00 on 27 March 2022 (Ramadan)...
        (date(2022, 3, 27), time(2, 30), time(4, 0), "start_ambiguous"),
        # ...and jump from 02:00 to 03:00 on 8 May 2022.
        (date(2022, 5, 8), time(1, 0), time(2, 30), "end_nonexistent"),
    ],
)
def test_impossible_times_are_refused(add_session, day, start, end, code):
    with pytest.raises(AgendaError) as refused:
        add_session(day=day, start=start, end=end)
    assert refused.value.code == code
    db.session.rollback()
    assert db.session.execute(db.select(AgendaSession)).first() is None


def test_room_and_people_of_another_meeting_are_refused(
    add_session, rabat, make_meeting, make_participant
):
    other = make_meeting(slug="other")
    foreign_room = services.save_room(
        other, name="Elsewhere", capacity=None, notes="", available_from=None, available_until=None
    )
    stranger = make_participant(other)
    data = SessionInput(
        kind=SessionKind.PANEL,
        title={"en": "X"},
        day=date(2022, 6, 13),
        start=time(9),
        end=time(10),
        room_id=foreign_room.id,
    )
    with pytest.raises(AgendaError, match="foreign_room"):
        services.save_session(rabat, data)
    data.room_id = None
    data.people = [services.PersonInput(role=SPEAKER, participant_id=stranger.id)]
    with pytest.raises(AgendaError, match="foreign_person"):
        services.save_session(rabat, data)


def test_editing_a_session_changed_since_the_form_opened_is_refused(add_session, rabat):
    session = add_session(title="Panel 1")
    opened_at = session.revision
    services.move_session(
        rabat,
        session,
        day=date(2022, 6, 13),
        start=time(11),
        end=time(12),
        room_id=session.room_id,
        expected_revision=opened_at,
    )
    db.session.commit()
    data = SessionInput(
        kind=SessionKind.PANEL,
        title={"en": "Renamed"},
        day=date(2022, 6, 13),
        start=time(9),
        end=time(10),
    )
    with pytest.raises(StaleSession):
        services.save_session(rabat, data, session=session, expected_revision=opened_at)
    db.session.rollback()
    db.session.refresh(session)
    assert session.title == {"en": "Panel 1", "fr": "Panel 1"}
    assert session.starts_at.astimezone(rabat.tz).hour == 11


def _kinds(meeting):
    return sorted(c.kind for c in services.conflicts(meeting))


def test_no_conflict_in_a_clean_agenda(add_session, rabat):
    add_session(start=time(9), end=time(10))
    add_session(start=time(10), end=time(11))  # back to back is fine
    add_session(start=time(9), end=time(10), room="Salle B")
    assert services.conflicts(rabat) == []


def test_two_sessions_in_one_room_at_once(add_session, rabat):
    first = add_session(title="A", start=time(9), end=time(10, 30))
    second = add_session(title="B", start=time(10), end=time(11))
    (conflict,) = services.conflicts(rabat)
    assert (conflict.kind, set(conflict.session_ids), conflict.subject) == (
        "room",
        {first.id, second.id},
        "Plénière",
    )


def test_a_person_speaking_in_two_overlapping_sessions(add_session, rabat, make_participant):
    speaker = make_participant(rabat, given_name="Awa", family_name="Ndiaye")
    add_session(title="A", start=time(9), end=time(10), people=[(speaker.id, SPEAKER)])
    add_session(
        title="B", start=time(9, 30), end=time(10, 30), room="Salle B", people=[(speaker.id, CHAIR)]
    )
    add_session(
        title="C",
        start=time(9, 30),
        end=time(10, 30),
        room=None,
        people=[("Guest Speaker", SPEAKER)],
    )
    add_session(
        title="D",
        start=time(9, 45),
        end=time(10, 15),
        room=None,
        people=[("guest speaker", SPEAKER)],
    )
    people = sorted(c.subject for c in services.conflicts(rabat) if c.kind == "person")
    assert people == ["Awa Ndiaye", "guest speaker"]


def test_a_session_outside_the_meeting_dates(add_session, rabat):
    add_session(day=date(2022, 6, 15))
    assert _kinds(rabat) == ["dates"]


def test_a_session_beyond_the_room_hours(add_session, rabat):
    add_session(room="Salle B", start=time(17), end=time(19))
    add_session(room="Salle B", start=time(7), end=time(8, 30))
    assert _kinds(rabat) == ["room_hours", "room_hours"]


def test_a_speaker_whose_registration_is_not_approved(add_session, rabat, make_participant):
    waiting = make_participant(
        rabat, status=RegistrationStatus.WAITLISTED, given_name="Ana", family_name="Ruiz"
    )
    add_session(people=[(waiting.id, SPEAKER)])
    (conflict,) = services.conflicts(rabat)
    assert (conflict.kind, conflict.subject) == ("not_approved", "Ana Ruiz")


def test_the_public_sees_only_what_was_published_and_what_changed(add_session, rabat):
    panel = add_session(title="Panel 2", start=time(14), end=time(15))
    dropped = add_session(title="Side event", start=time(16), end=time(17), room="Salle B")
    assert published_agenda(rabat).sessions == []
    first = services.publish(rabat)
    db.session.commit()
    assert (first.number, first.changes) == (1, [])
    rooms = {r.name: r.id for r in services.rooms_of(rabat)}
    services.move_session(
        rabat,
        panel,
        day=date(2022, 6, 13),
        start=time(15),
        end=time(16),
        room_id=rooms["Salle B"],
        expected_revision=panel.revision,
    )
    services.delete_session(dropped, dropped.revision)
    added = add_session(title="Closing", day=date(2022, 6, 14), start=time(17), end=time(18))
    db.session.commit()
    # Until published again, the public keeps version 1.
    public = published_agenda(rabat)
    assert public.version.number == 1
    assert {s.id for s in public.sessions} == {panel.id, dropped.id}
    second = services.publish(rabat)
    db.session.commit()
    changes = {c["change"]: c for c in second.changes}
    assert set(changes) == {"moved", "removed", "added"}
    moved = changes["moved"]
    assert (moved["before"]["room"]["name"], moved["session"]["room"]["name"]) == (
        "Plénière",
        "Salle B",
    )
    assert datetime.fromisoformat(moved["before"]["starts_at"]).astimezone(rabat.tz).hour == 14
    assert datetime.fromisoformat(moved["session"]["starts_at"]).astimezone(rabat.tz).hour == 15
    assert changes["added"]["session"]["id"] == added.id
    assert published_agenda(rabat).version.number == 2


def test_copying_an_agenda_to_the_next_meeting_keeps_local_times(
    add_session, rabat, make_meeting, make_participant
):
    speaker = make_participant(rabat, given_name="Awa", family_name="Ndiaye")
    add_session(title="Opening", start=time(9), end=time(10, 30), people=[(speaker.id, CHAIR)])
    add_session(
        title="Day two", day=date(2022, 6, 14), start=time(14), end=time(15), room="Salle B"
    )
    rabat.series_id = None
    dakar = make_meeting(
        slug="dakar",
        start_date=date(2023, 2, 6),
        end_date=date(2023, 2, 7),
        timezone="Africa/Dakar",
    )
    copied = services.copy_agenda(rabat, dakar)
    db.session.commit()
    assert copied == 2
    sessions = services.sessions_of(dakar)
    local = [
        (
            s.starts_at.astimezone(dakar.tz).date(),
            s.starts_at.astimezone(dakar.tz).time(),
            s.room.name,
        )
        for s in sessions
    ]
    assert local == [
        (date(2023, 2, 6), time(9), "Plénière"),
        (date(2023, 2, 7), time(14), "Salle B"),
    ]
    # Dakar is UTC+0: 09:00 there is 09:00 UTC (Rabat's 09:00 was 08:00 UTC).
    assert sessions[0].starts_at == datetime(2023, 2, 6, 9, 0, tzinfo=UTC)
    assert sessions[0].people[0].guest_name == "Awa Ndiaye"
    assert sessions[0].people[0].participant_id is None
    assert {r.name for r in services.rooms_of(dakar)} == {"Plénière", "Salle B"}
    assert sessions[1].ends_at - sessions[1].starts_at == timedelta(hours=1)
