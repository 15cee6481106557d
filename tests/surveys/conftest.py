"""Factories for the survey's tests: a meeting that has ended, its organiser signed
in, people checked in (or not), and a survey built through the services."""

from datetime import UTC, datetime, timedelta

import pytest

from meeting_app.accounts.models import Role
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.surveys import services
from meeting_app.surveys.services import OptionInput, QuestionInput


@pytest.fixture
def meeting(make_meeting):
    today = datetime.now(UTC).date()
    return make_meeting(
        slug="rabat",
        languages=["en", "fr"],
        default_language="en",
        start_date=today - timedelta(days=3),
        end_date=today - timedelta(days=2),
    )


@pytest.fixture
def organiser(make_user, login, meeting):
    user = make_user(Role.ORGANISER, "boss@example.org", meetings=[meeting])
    login("boss@example.org")
    return user


@pytest.fixture
def make_attendee(make_participant):
    """A participant checked in on the meeting's first day (`checked_in=False`: never)."""

    def factory(meeting, checked_in: bool = True, **values):
        person = make_participant(meeting, **values)
        if checked_in:
            db.session.add(CheckIn(participant=person, day=meeting.start_date))
            db.session.commit()
        return person

    return factory


def rating(label="How was the meeting?", required=True) -> QuestionInput:
    return QuestionInput(type="rating", label={"en": label, "fr": "Note"}, required=required)


def choice(label="Best session?", options=("Panel", "Workshop"), type="choice", required=False):
    return QuestionInput(
        type=type,
        label={"en": label},
        required=required,
        options=[OptionInput(label={"en": o, "fr": o + " (fr)"}) for o in options],
    )


def text(label="Anything else?") -> QuestionInput:
    return QuestionInput(type="text", label={"en": label})


@pytest.fixture
def make_survey(app_context):
    """A survey of `meeting` with `questions` (QuestionInput), opened unless told."""

    def factory(meeting, *questions, anonymous=True, status="open"):
        survey = services.get_or_create(meeting)
        survey.anonymous = anonymous
        for data in questions or (rating(), choice(), text()):
            services.save_question(meeting, survey, data, None, None)
        if status != "draft":
            services.open_survey(meeting, survey, None)
        if status == "closed":
            services.close_survey(meeting, survey, None)
        db.session.commit()
        return survey

    return factory
