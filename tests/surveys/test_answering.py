"""Answering the survey through the private link: only those checked in, once
(a second answer, from another tab at the same moment too, is refused and the
first kept); bad answers refused under their question; anonymous answers stored
without the person; the private page's section."""

import html
from datetime import UTC, time

import pytest

from meeting_app.extensions import db
from meeting_app.surveys import services
from meeting_app.surveys.models import SurveyRespondent, SurveyResponse
from meeting_app.surveys.services import QuestionInput
from tests.surveys.conftest import choice, rating, text

EN = {"Accept-Language": "en"}


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def link(person) -> str:
    return f"/r/{person.token}/survey"


@pytest.fixture
def survey(meeting, make_survey):
    return make_survey(
        meeting,
        rating(),
        choice(),
        text(),
        QuestionInput(type="number", label={"en": "Hours"}, min_value=0, max_value=24),
        choice("Topics?", ("Jobs", "Remittances", "Diaspora"), type="choices"),
        QuestionInput(type="yes_no", label={"en": "Come again?"}),
    )


def answers(survey, **values) -> dict:
    rate, best, anything, hours, topics, again = survey.questions
    data = {
        f"q_{rate.id}": "4",
        f"q_{best.id}": "o2",
        f"q_{anything.id}": "More coffee",
        f"q_{hours.id}": "12,5",
        f"q_{topics.id}": ["o1", "o3"],
        f"q_{again.id}": "yes",
    }
    for name, value in values.items():
        question = {"rate": rate, "best": best, "anything": anything, "hours": hours}.get(name)
        name = f"q_{question.id}" if question else name
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def responses() -> list[SurveyResponse]:
    db.session.expire_all()
    return db.session.scalars(db.select(SurveyResponse)).all()


def test_an_attendee_answers_once_anonymously(client, meeting, survey, make_attendee):
    person = make_attendee(meeting)
    shown = page(client.get(link(person), headers=EN))
    assert "How was the meeting?" in shown and "5 – Excellent" in shown
    assert "This survey is anonymous" in shown
    assert 'role="radiogroup"' in shown

    response = client.post(link(person), data=answers(survey), headers=EN)
    assert response.status_code == 302
    shown = page(client.get(response.headers["Location"], headers=EN))
    assert "Thank you: your answers are saved." in shown

    (stored,) = responses()
    rate, best, anything, hours, topics, again = survey.questions
    assert stored.answers == {
        str(rate.id): 4,
        str(best.id): "o2",
        str(anything.id): "More coffee",
        str(hours.id): 12.5,
        str(topics.id): ["o1", "o3"],
        str(again.id): True,
    }
    # Anonymous: no one named, the day only; who answered is kept apart.
    assert stored.participant_id is None
    assert stored.submitted_on.astimezone(UTC).time() == time(0, 0)
    respondent = db.session.scalars(db.select(SurveyRespondent)).one()
    assert respondent.participant_id == person.id

    # A second answer through the same link: refused, the first kept.
    response = client.post(link(person), data=answers(survey, rate="1"), headers=EN)
    assert response.status_code == 409
    assert "You have answered this survey already: your first answers are kept." in page(response)
    (kept,) = responses()
    assert kept.answers[str(rate.id)] == 4
    assert "You have answered this survey." in page(client.get(link(person), headers=EN))


def test_two_tabs_at_once_keep_the_first_answer(
    client, meeting, survey, make_attendee, monkeypatch
):
    person = make_attendee(meeting)
    assert client.post(link(person), data=answers(survey)).status_code == 302
    # The other tab's request read "not answered yet" before the first committed:
    # the unique respondent row refuses it.
    monkeypatch.setattr(services, "has_answered", lambda survey, participant: False)
    response = client.post(link(person), data=answers(survey, rate="2"), headers=EN)
    assert response.status_code == 409
    assert "your first answers are kept" in page(response)
    (kept,) = responses()
    assert kept.answers[str(survey.questions[0].id)] == 4
    assert db.session.scalar(db.select(db.func.count(SurveyRespondent.id))) == 1


def test_a_named_survey_keeps_who_answered(client, meeting, make_survey, make_attendee):
    survey = make_survey(meeting, rating(), anonymous=False)
    person = make_attendee(meeting)
    assert "This survey is not anonymous" in page(client.get(link(person), headers=EN))
    client.post(link(person), data={f"q_{survey.questions[0].id}": "5"})
    (stored,) = responses()
    assert stored.participant_id == person.id


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"best": "o9"}, "This is not one of the choices."),
        ({"rate": "0"}, "This is not one of the choices."),
        ({"rate": "6"}, "This is not one of the choices."),
        ({"rate": None}, "Choose an answer."),
        ({"hours": "25"}, "Enter a number from 0 to 24."),
        ({"hours": "many"}, "Enter a number, such as 12 or 3.5."),
        ({"hours": "NaN"}, "Enter a number, such as 12 or 3.5."),
        ({"anything": "bad\x00byte"}, "Remove the invisible control characters"),
        ({"anything": "x" * 501}, "At most 500 characters."),
    ],
)
def test_bad_answers_are_refused_and_nothing_stored(
    client, meeting, survey, make_attendee, values, message
):
    person = make_attendee(meeting)
    response = client.post(link(person), data=answers(survey, **values), headers=EN)
    assert response.status_code == 422
    assert message in page(response)
    assert "Some answers need your attention" in page(response)
    assert responses() == []
    assert not services.has_answered(survey, person)


def test_several_choices_not_offered_are_refused(client, meeting, survey, make_attendee):
    person = make_attendee(meeting)
    topics = survey.questions[4]
    data = answers(survey)
    data[f"q_{topics.id}"] = ["o1", "evil"]
    response = client.post(link(person), data=data, headers=EN)
    assert response.status_code == 422
    assert "This is not one of the choices." in page(response)


def test_who_did_not_attend_is_told_the_survey_is_for_attendees(
    client, meeting, survey, make_attendee
):
    person = make_attendee(meeting, checked_in=False)
    response = client.get(link(person), headers=EN)
    assert response.status_code == 403
    assert "This survey is for those who attended the meeting" in page(response)
    assert client.post(link(person), data=answers(survey)).status_code == 403
    assert responses() == []
    assert "Tell us what you thought" not in page(client.get(f"/r/{person.token}", headers=EN))


def test_links_that_lead_to_no_survey_are_404(
    client, meeting, make_meeting, make_survey, make_attendee
):
    make_survey(meeting, rating(), status="draft")
    person = make_attendee(meeting)
    assert client.get(link(person)).status_code == 404  # a draft: nothing to answer
    assert client.get("/r/not-a-real-token/survey").status_code == 404
    forged = person.token[:-4] + ("aaaa" if not person.token.endswith("aaaa") else "bbbb")
    assert client.get(f"/r/{forged}/survey").status_code == 404
    # Another meeting's survey is not this person's.
    other = make_meeting(slug="dakar")
    make_survey(other, rating())
    assert client.get(link(person)).status_code == 404


def test_another_meetings_question_ids_are_ignored(
    client, meeting, survey, make_meeting, make_survey, make_attendee
):
    other = make_survey(make_meeting(slug="dakar"), rating())
    person = make_attendee(meeting)
    data = answers(survey)
    data[f"q_{other.questions[0].id}"] = "1"
    assert client.post(link(person), data=data).status_code == 302
    (stored,) = responses()
    assert str(other.questions[0].id) not in stored.answers


def test_a_closed_survey_takes_no_answer(client, meeting, make_survey, make_attendee):
    survey = make_survey(meeting, rating(), status="closed")
    person = make_attendee(meeting)
    response = client.get(link(person), headers=EN)
    assert response.status_code == 200 and "The survey is closed" in page(response)
    client.post(link(person), data={f"q_{survey.questions[0].id}": "5"})
    assert responses() == []


def test_the_private_page_invites_then_thanks(client, meeting, survey, make_attendee):
    person = make_attendee(meeting)
    shown = page(client.get(f"/r/{person.token}", headers=EN))
    assert "Tell us what you thought" in shown
    assert f'href="{link(person)}"' in shown
    client.post(link(person), data=answers(survey))
    shown = page(client.get(f"/r/{person.token}", headers=EN))
    assert "Tell us what you thought" not in shown
    assert "You have answered the feedback survey. Thank you" in shown


def test_the_survey_page_is_not_cached_nor_referred(client, meeting, survey, make_attendee):
    response = client.get(link(make_attendee(meeting)))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
