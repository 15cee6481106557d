"""Organisers build the feedback survey: an introduction per language, questions
with labels and help per language, choices, bounds, moved up and down, deleted
only while nobody has answered; anonymity fixed once opened; opened, closed, and
the invitation written once to each person checked in."""

import html
import re

import pytest

from meeting_app.accounts.models import Role
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.mail.models import OutgoingMail
from meeting_app.privacy.models import AuditEntry
from meeting_app.surveys import services
from meeting_app.surveys.models import Survey, SurveyQuestion
from tests.surveys.conftest import choice, rating

EN = {"Accept-Language": "en"}


def url(meeting, path="/"):
    return f"/manage/meetings/{meeting.slug}/survey{path}"


def question_data(**values) -> dict:
    data = {
        "type": "rating",
        "label_en": "How useful was the meeting?",
        "label_fr": "La réunion vous a-t-elle été utile ?",
        "help_en": "",
        "help_fr": "",
        "min_value": "",
        "max_value": "",
        "action": "save",
        **values,
    }
    return {k: v for k, v in data.items() if v is not None}


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def labels(meeting) -> list[str]:
    db.session.expire_all()
    survey = services.survey_of(meeting)
    return [q.label["en"] for q in survey.questions]


def test_an_organiser_builds_a_survey_of_three_questions(client, meeting, organiser):
    response = client.get(url(meeting), headers=EN)
    assert response.status_code == 200
    assert "No question yet." in page(response)

    response = client.post(
        url(meeting, "/settings"),
        data={
            "intro_en": "Thank you for coming.",
            "intro_fr": "Merci d'être venus.",
            "anonymous": "y",
        },
        headers=EN,
    )
    assert response.status_code == 302
    response = client.post(
        url(meeting, "/questions/new"), data=question_data(required="y", help_en="1 is poor")
    )
    assert response.status_code == 302
    response = client.post(
        url(meeting, "/questions/new"),
        data=question_data(
            type="choice",
            label_en="Best session?",
            label_fr="Meilleure session ?",
            **{"options-0-label_en": "Panel", "options-0-label_fr": "Table ronde"},
            **{"options-1-label_en": "Workshop", "options-1-label_fr": "Atelier"},
            **{"options-2-label_en": "", "options-2-label_fr": ""},
        ),
    )
    assert response.status_code == 302
    response = client.post(
        url(meeting, "/questions/new"),
        data=question_data(
            type="number", label_en="Hours", label_fr="Heures", min_value="0", max_value="24"
        ),
    )
    assert response.status_code == 302

    survey = services.survey_of(meeting)
    assert survey.intro == {"en": "Thank you for coming.", "fr": "Merci d'être venus."}
    assert survey.anonymous and survey.status == "draft"
    first, second, third = survey.questions
    assert first.type == "rating" and first.required and first.help == {"en": "1 is poor"}
    assert [o["label"] for o in second.options] == [
        {"en": "Panel", "fr": "Table ronde"},
        {"en": "Workshop", "fr": "Atelier"},
    ]
    assert third.settings == {"min": 0.0, "max": 24.0}
    shown = page(client.get(url(meeting), headers=EN))
    for label in ("How useful was the meeting?", "Best session?", "Hours", "Rating from 1 to 5"):
        assert label in shown

    # Reordered with the buttons.
    client.post(url(meeting, f"/questions/{third.id}/move"), data={"direction": "up"})
    assert labels(meeting) == ["How useful was the meeting?", "Hours", "Best session?"]
    client.post(url(meeting, f"/questions/{first.id}/move"), data={"direction": "down"})
    assert labels(meeting) == ["Hours", "How useful was the meeting?", "Best session?"]

    # Deleted while nobody has answered.
    response = client.post(url(meeting, f"/questions/{third.id}/delete"), headers=EN)
    assert response.status_code == 302
    assert labels(meeting) == ["How useful was the meeting?", "Best session?"]
    assert (
        db.session.scalars(db.select(AuditEntry.action)).all().count("survey.question_saved") == 3
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"label_en": ""}, "Write the question in English (the meeting's main language)."),
        ({"type": "choice"}, "Write at least one option, one per row."),
        ({"type": "file"}, "Not a valid choice."),
        (
            {"type": "number", "min_value": "10", "max_value": "2"},
            "The largest number must not be smaller than the smallest.",
        ),
        ({"type": "number", "min_value": "abc"}, "Not a valid float value."),
        (
            {"type": "choice", "options-0-label_fr": "Seulement en français"},
            "Write this option in English (the meeting's main language).",
        ),
    ],
)
def test_a_bad_question_is_refused_with_what_was_typed_kept(
    client, meeting, organiser, values, message
):
    response = client.post(url(meeting, "/questions/new"), data=question_data(**values), headers=EN)
    assert response.status_code == 422
    assert message in page(response)
    assert "La réunion vous a-t-elle été utile ?" in page(response)
    assert db.session.scalar(db.select(db.func.count(SurveyQuestion.id))) == 0


def test_after_answers_questions_are_not_deleted_but_their_wording_changes(
    client, meeting, organiser, make_survey, make_attendee
):
    survey = make_survey(meeting, rating(), choice())
    first, second = survey.questions
    person = make_attendee(meeting)
    services.submit(survey, person, {first.id: 4, second.id: "o1"})
    db.session.commit()

    response = client.post(url(meeting, f"/questions/{first.id}/delete"), headers=EN)
    assert response.status_code == 302
    shown = page(client.get(response.headers["Location"], headers=EN))
    assert "questions can no longer be deleted" in shown
    assert len(labels(meeting)) == 2

    # The wording may change; an option chosen may not go; the type may not change.
    response = client.post(
        url(meeting, f"/questions/{first.id}"),
        data=question_data(label_en="Overall rating", label_fr="Note globale"),
    )
    assert response.status_code == 302
    assert labels(meeting)[0] == "Overall rating"
    response = client.post(
        url(meeting, f"/questions/{first.id}"), data=question_data(type="text"), headers=EN
    )
    assert response.status_code == 422
    assert "the type can no longer change" in page(response)
    response = client.post(
        url(meeting, f"/questions/{second.id}"),
        data=question_data(
            type="choice",
            label_en="Best session?",
            **{"options-0-value": "o2", "options-0-label_en": "Workshop"},
        ),
        headers=EN,
    )
    assert response.status_code == 422
    assert "its options can no longer be removed" in page(response)
    db.session.expire_all()
    assert [o["value"] for o in db.session.get(SurveyQuestion, second.id).options] == ["o1", "o2"]


def test_anonymity_is_fixed_once_the_survey_is_opened(client, meeting, organiser, make_survey):
    survey = make_survey(meeting, rating(), status="draft")
    client.post(url(meeting, "/settings"), data={"intro_en": ""})
    db.session.expire_all()
    assert not services.survey_of(meeting).anonymous  # unticked: named
    client.post(url(meeting, "/settings"), data={"intro_en": "", "anonymous": "y"})
    response = client.post(url(meeting, "/open"), data={"invite": ""})
    assert response.status_code == 302
    shown = page(client.get(url(meeting), headers=EN))
    assert "This is fixed since the survey was opened" in shown
    assert "Anonymous" in shown

    response = client.post(url(meeting, "/settings"), data={"intro_en": "Hello"}, headers=EN)
    assert response.status_code == 422
    assert "whether it is anonymous can no longer change" in page(response)
    db.session.expire_all()
    survey = db.session.get(Survey, survey.id)
    assert survey.anonymous and survey.intro == {}


def test_a_survey_without_questions_cannot_open(client, meeting, organiser):
    client.post(url(meeting, "/settings"), data={"anonymous": "y"})
    response = client.post(url(meeting, "/open"), data={"invite": "y"}, headers=EN)
    shown = page(client.get(response.headers["Location"], headers=EN))
    assert "Add at least one question before opening the survey." in shown
    assert services.survey_of(meeting).status == "draft"


def _invitations() -> list[OutgoingMail]:
    return db.session.scalars(db.select(OutgoingMail).filter_by(kind="survey")).all()


def test_opening_writes_once_to_each_person_checked_in(
    client, meeting, organiser, make_survey, make_attendee
):
    make_survey(meeting, rating(), status="draft")
    came = make_attendee(meeting, email="came@example.org", preferred_language="fr")
    make_attendee(meeting, checked_in=False, email="stayed@example.org")
    undone = make_attendee(meeting, checked_in=False, email="undone@example.org")
    db.session.add(CheckIn(participant=undone, day=meeting.start_date, cancelled_at=db.func.now()))
    db.session.commit()

    response = client.post(url(meeting, "/open"), data={"invite": "y"}, headers=EN)
    shown = page(client.get(response.headers["Location"], headers=EN))
    assert "The invitation is written to 1 person who attended." in shown
    (mail,) = _invitations()
    assert mail.recipient == "came@example.org"
    assert f"/r/{came.token}/survey" in mail.body_text

    # Asked again: nobody twice; someone checked in since gets theirs.
    client.post(url(meeting, "/invite"))
    assert len(_invitations()) == 1
    late = make_attendee(meeting, email="late@example.org")
    client.post(url(meeting, "/invite"))
    assert sorted(m.recipient for m in _invitations()) == ["came@example.org", "late@example.org"]
    assert late.token in _invitations()[-1].body_text or late.token in _invitations()[0].body_text


def test_close_then_open_again(client, meeting, organiser, make_survey):
    make_survey(meeting, rating())
    client.post(url(meeting, "/close"))
    assert services.survey_of(meeting).status == "closed"
    client.post(url(meeting, "/open"), data={})
    db.session.expire_all()
    assert services.survey_of(meeting).status == "open"


def test_only_this_meetings_organisers_and_only_its_questions(
    client, server_app, meeting, make_meeting, make_user, login, make_survey
):
    other = make_meeting(slug="dakar")
    theirs = make_survey(other, rating())
    make_survey(meeting, rating())
    make_user(Role.ORGANISER, "boss@example.org", meetings=[meeting])
    make_user(Role.HOST, "host@example.org", meetings=[meeting])
    make_user(Role.ORGANISER, "stranger@example.org", meetings=[other])
    login("boss@example.org")
    other_question = theirs.questions[0].id
    assert client.get(url(meeting, f"/questions/{other_question}")).status_code == 404
    assert client.post(url(meeting, f"/questions/{other_question}/delete")).status_code == 404
    assert (
        client.post(
            url(meeting, f"/questions/{other_question}/move"), data={"direction": "up"}
        ).status_code
        == 404
    )
    assert client.get(url(meeting, "/questions/99999")).status_code == 404
    host, stranger = server_app.test_client(), server_app.test_client()
    login("host@example.org", target=host)
    assert host.get(url(meeting)).status_code == 403
    login("stranger@example.org", target=stranger)
    for path in ("/", "/results", "/answers.csv", f"/questions/{other_question}"):
        assert stranger.get(url(meeting, path)).status_code == 404


def test_a_survey_in_arabic_and_russian(client, meeting, organiser):
    """The introduction, the questions and their options in each language of the
    meeting, Arabic typed right to left."""
    meeting.languages = ["en", "ar", "ru"]
    db.session.commit()
    settings = client.get(url(meeting), headers=EN).get_data(as_text=True)
    (intro,) = re.findall(r'<textarea[^>]*name="intro_ar"[^>]*>', settings)
    assert 'dir="rtl"' in intro and 'lang="ar"' in intro
    client.post(url(meeting, "/settings"), data={"intro_en": "Thanks.", "intro_ar": "شكرًا."})
    response = client.post(
        url(meeting, "/questions/new"),
        data=question_data(
            type="choice",
            label_fr=None,
            help_fr=None,
            label_ar="أفضل جلسة؟",
            label_ru="Лучшая сессия?",
            **{"options-0-label_en": "Panel", "options-0-label_ar": "حلقة نقاش"},
            **{"options-0-label_ru": "Панель"},
        ),
    )
    assert response.status_code == 302
    survey = db.session.execute(db.select(Survey)).scalar_one()
    assert survey.intro["ar"] == "شكرًا."
    (question,) = survey.questions
    assert question.label == {
        "en": "How useful was the meeting?",
        "ar": "أفضل جلسة؟",
        "ru": "Лучшая сессия?",
    }
    assert question.options[0]["label"] == {"en": "Panel", "ar": "حلقة نقاش", "ru": "Панель"}
    form = client.get(url(meeting, f"/questions/{question.id}"), headers=EN).get_data(True)
    (option,) = re.findall(r'<input[^>]*name="options-0-label_ar"[^>]*>', form)
    assert 'dir="rtl"' in option
