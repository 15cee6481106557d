"""Who a filter picks (each criterion), and placeholders filled without Jinja."""

from datetime import timedelta

import pytest

from meeting_app.agenda.models import AgendaSession, Attendance, SessionKind
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.messages import filters, placeholders
from meeting_app.models import utcnow
from meeting_app.registration.models import Category, ParticipantRole, RegistrationStatus


@pytest.fixture
def crowd(meeting, nepal, make_participant):
    a = make_participant(meeting, given_name="A", delegation=nepal, needs_visa_letter=True)
    b = make_participant(
        meeting,
        given_name="B",
        status=RegistrationStatus.WAITLISTED,
        category=Category.MEDIA,
        preferred_language="fr",
    )
    c = make_participant(meeting, given_name="C", role=ParticipantRole.HEAD_OF_DELEGATION)
    gone = make_participant(meeting, given_name="Gone", erased_at=utcnow())
    session = AgendaSession(
        meeting=meeting,
        title={"en": "Plenary"},
        kind=SessionKind.PLENARY,
        starts_at=utcnow(),
        ends_at=utcnow() + timedelta(hours=1),
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(Attendance(participant_id=b.id, session_id=session.id))
    db.session.add(CheckIn(participant_id=c.id, day=meeting.start_date))
    db.session.commit()
    return a, b, c, gone, session


def picked(meeting, **criteria):
    return {p.given_name for p in filters.recipients(meeting, filters.Criteria(**criteria))}


def test_each_criterion(meeting, nepal, crowd):
    a, b, c, gone, session = crowd
    assert picked(meeting, statuses=["approved"]) == {"A", "C"}  # never the erased
    assert picked(meeting, delegations=[nepal.id]) == {"A"}
    assert picked(meeting, categories=["media"]) == {"B"}
    assert picked(meeting, roles=["head_of_delegation"]) == {"C"}
    assert picked(meeting, visa_letter=True) == {"A"}
    assert picked(meeting, languages=["fr"]) == {"B"}
    assert picked(meeting, checked_in=meeting.start_date.isoformat()) == {"C"}
    assert picked(meeting, checked_in="never") == {"A", "B"}
    assert picked(meeting, session_id=session.id) == {"B"}
    assert picked(meeting, statuses=["approved"], delegations=[nepal.id]) == {"A"}
    assert picked(meeting, roles=["head_of_delegation"], people=[b.id]) == {"B", "C"}
    assert picked(meeting, people=[gone.id]) == set()
    assert picked(meeting) == set()  # an empty filter is nobody, never everyone


def test_placeholders_are_not_jinja(app_context):
    hostile = {"first_name": "{{ config }}{% raw %}", "full_name": "x"}
    assert placeholders.fill("Hi {{ first_name }} {{full_name}}", hostile) == (
        "Hi {{ config }}{% raw %} x"
    )
    assert placeholders.unknown("{{ first_name }} {{ prenom }} {{ config }}") == [
        "prenom",
        "config",
    ]


def test_missing_letter_link_is_named(client, organiser, meeting, nepal, crowd):
    page = client.post(
        "/manage/meetings/rabat/messages/new",
        data={"statuses": "approved", "t_en-subject": "Visa", "t_en-body": "{{ letter_link }}"},
    ).get_data(as_text=True)
    assert "{{ letter_link }} has no value for: C Tester" in page
