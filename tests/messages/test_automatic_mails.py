"""The automatic mails' wording, each meeting's own (issue 17): an organiser
rewrites one in one language, the participants writing in it get it filled with
their values, the others the default; reset brings the default back; bad
wording is refused field by field; only the meeting's organisers, only its
languages; the defaults read in every language."""

import pytest

from meeting_app.accounts.models import Role
from meeting_app.core.i18n import LANGUAGES
from meeting_app.core.placeholders import PLACEHOLDER
from meeting_app.extensions import db
from meeting_app.mail import texts
from meeting_app.mail.models import MailText, OutgoingMail
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration import services as registration
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.conftest import form_token, registration_data

FR_SUBJECT = "Bien reçu : {{ meeting }}"
FR_BODY = (
    "Bonjour {{ first_name }},\n\n"
    "Votre inscription à {{ meeting }} ({{ city }}) est enregistrée.\n"
    "Votre lien : {{ private_link }}\n\n"
    "{{ details }}"
)


@pytest.fixture
def meeting(open_meeting):
    return open_meeting(slug="rabat", languages=["en", "fr"], default_language="en")


def _url(meeting, key="confirmation_submitted", language="fr") -> str:
    return f"/manage/meetings/{meeting.slug}/messages/automatic/{key}/{language}"


def _register(client, meeting, **values):
    """Registers through the public form, as a visitor (not the signed-in organiser)."""
    visitor = client.application.test_client()
    response = visitor.post(
        f"/meetings/{meeting.slug}/register", data=registration_data(meeting, **values)
    )
    assert response.status_code == 302
    return db.session.execute(
        db.select(Participant).filter_by(email=values.get("email", "ndeye.diop@example.org"))
    ).scalar_one()


def _body(inbox, message) -> str:
    return inbox.body(message).replace("\r\n", "\n")


def _save(client, meeting, subject=FR_SUBJECT, body=FR_BODY, **where):
    return client.post(
        _url(meeting, **where), data={"subject": subject, "body": body, "action": "save"}
    )


def test_an_organiser_rewrites_the_french_confirmation(client, organiser, meeting, inbox):
    response = _save(client, meeting)
    assert response.status_code == 302
    page = client.get(
        f"/manage/meetings/{meeting.slug}/messages/automatic/", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "The meeting's own" in page and "Default" in page
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.action, entry.details) == ("mail_text.saved", "confirmation_submitted, fr")

    french = _register(client, meeting, preferred_language="fr")
    (message,) = inbox.to(french.email)
    assert message["Subject"] == f"Bien reçu : {meeting.title['fr']}"
    body = _body(inbox, message)
    assert body.startswith("Bonjour Ndèye,\n\n")
    assert f"Votre lien : http://localhost/r/{french.token}\n" in body
    # What the person entered, in French.
    assert "Organisation: Ministère des Affaires étrangères" in body
    assert "{{" not in body
    assert db.session.execute(db.select(OutgoingMail)).scalar_one().kind == "confirmation"

    english = _register(client, meeting, preferred_language="en", email="karim@example.org")
    (message,) = inbox.to(english.email)
    assert message["Subject"] == f"Your registration: {meeting.title['en']}"
    body = _body(inbox, message)
    assert body.startswith("Dear Ndèye Diop,\n\nThank you for registering for “Board meeting")
    assert "The organisers will review your registration and write to you." in body
    assert f"http://localhost/r/{english.token}\n" in body


def test_a_wording_changed_reaches_the_next_mail_though_read_before(
    client, organiser, meeting, inbox
):
    """The meetings' wordings are kept by each process once read: a registration
    before the change, the change, a registration after it (the same worker), then
    the reset and one more; each mail has the wording of its moment."""
    before = _register(client, meeting, preferred_language="fr", email="a@example.org")
    assert _save(client, meeting).status_code == 302
    after = _register(client, meeting, preferred_language="fr", email="b@example.org")
    assert client.post(_url(meeting) + "/reset").status_code == 302
    reset = _register(client, meeting, preferred_language="fr", email="c@example.org")
    subjects = [inbox.to(p.email)[0]["Subject"] for p in (before, after, reset)]
    assert subjects[1] == f"Bien reçu : {meeting.title['fr']}"
    assert subjects[0] == subjects[2] != subjects[1]


def test_reset_brings_the_default_back(client, organiser, meeting, inbox):
    _save(client, meeting)
    page = client.get(_url(meeting), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Reset to default" in page
    response = client.post(_url(meeting) + "/reset")
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(meeting))
    assert db.session.scalar(db.select(db.func.count(MailText.id))) == 0
    actions = db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
    assert list(actions) == ["mail_text.saved", "mail_text.reset"]
    page = client.get(_url(meeting), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Reset to default" not in page
    assert "Nous vous remercions de votre inscription" in page  # the default, in the form

    person = _register(client, meeting, preferred_language="fr")
    (message,) = inbox.to(person.email)
    assert message["Subject"] == f"Votre inscription : {meeting.title['fr']}"
    assert "Nous vous remercions de votre inscription" in _body(inbox, message)


@pytest.mark.parametrize(
    "subject, body, error",
    [
        (
            "Bien reçu",
            "Bonjour {{ prenom }} et {{ first_name }}",
            "Unknown placeholders: {{ prenom }}",
        ),
        ("{{ date }}", "Bonjour", "Unknown placeholders: {{ date }}"),
        ("", "Bonjour", "Write the subject."),
        ("Bien reçu", "   ", "Write the text."),
        ("Bien reçu", "x" * 30_000, "Too long: 20,000 characters at most."),
        ("x" * 301, "Bonjour", "Too long: 300 characters at most."),
    ],
    ids=[
        "unknown-placeholder",
        "unknown-in-subject",
        "empty-subject",
        "empty-body",
        "long",
        "long-subject",
    ],
)
def test_bad_wording_is_refused_and_shown_again(client, organiser, meeting, subject, body, error):
    response = client.post(
        _url(meeting),
        data={"subject": subject, "body": body, "action": "save"},
        headers={"Accept-Language": "en"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error in page
    assert 'aria-invalid="true"' in page
    if "prenom" in body:
        assert "Bonjour {{ prenom }} et {{ first_name }}</textarea>" in page  # as typed
    assert db.session.scalar(db.select(db.func.count(MailText.id))) == 0


def test_preview_shows_the_typed_wording_for_a_participant(
    client, organiser, meeting, make_participant
):
    make_participant(meeting, given_name="Zoé", family_name="Zed", preferred_language="en")
    person = make_participant(
        meeting, given_name="Awa", family_name="Fall", preferred_language="fr"
    )
    response = client.post(
        _url(meeting),
        data={"subject": FR_SUBJECT, "body": FR_BODY, "action": "preview"},
        headers={"Accept-Language": "en"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "As Awa Fall would receive it." in page  # someone writing in French
    assert f"Bien reçu : {meeting.title['fr']}" in page
    assert f"Votre lien : http://localhost/r/{person.token}" in page
    assert db.session.scalar(db.select(db.func.count(MailText.id))) == 0  # not saved


def test_preview_without_anybody_registered_uses_an_example(client, organiser, meeting):
    page = client.get(
        _url(meeting, key="status_declined"), headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Nobody is registered yet" in page
    assert "Bonjour Prénom Nom de famille," in page  # the example person, in French
    # The status the mail announces.
    assert "nouveau statut de votre inscription : refusée</h3>" in page
    # An example of the note, where the organisers' reason would go.
    assert "Note des organisateurs :\n(le motif que vous indiquez avec votre décision" in page
    assert db.session.scalar(db.select(db.func.count(Participant.id))) == 0


def test_only_the_meetings_languages_and_mails(client, organiser, meeting):
    assert client.get(_url(meeting, language="es")).status_code == 404
    assert client.get(_url(meeting, key="no_such_mail")).status_code == 404
    assert client.post(_url(meeting, language="es") + "/reset").status_code == 404
    assert client.get(_url(meeting, language="en")).status_code == 200


def test_only_the_meetings_organisers(client, meeting, open_meeting, make_user, login):
    other = open_meeting(slug="other")
    make_user(Role.HOST, "door@example.org", meetings=[meeting])
    login("door@example.org")
    assert client.get(_url(meeting)).status_code == 403
    assert _save(client, meeting).status_code == 403
    make_user(Role.ORGANISER, "elsewhere@example.org", meetings=[other])
    elsewhere = client.application.test_client()
    login("elsewhere@example.org", target=elsewhere)
    assert elsewhere.get(_url(other)).status_code == 200
    assert elsewhere.get(_url(meeting)).status_code == 404
    assert elsewhere.get(f"/manage/meetings/{meeting.slug}/messages/automatic/").status_code == 404
    assert elsewhere.post(_url(meeting) + "/reset").status_code == 404
    assert db.session.scalar(db.select(db.func.count(MailText.id))) == 0


def test_the_form_needs_its_csrf_token(csrf_client, csrf_login, meeting, make_user):
    make_user(Role.ORGANISER, "boss@example.org", meetings=[meeting])
    csrf_login("boss@example.org")
    data = {"subject": FR_SUBJECT, "body": FR_BODY, "action": "save"}
    assert csrf_client.post(_url(meeting), data=data).status_code == 400
    token = form_token(csrf_client.get(_url(meeting)).get_data(as_text=True))
    assert csrf_client.post(_url(meeting), data=data | {"csrf_token": token}).status_code == 302
    assert csrf_client.post(_url(meeting) + "/reset").status_code == 400
    assert db.session.scalar(db.select(db.func.count(MailText.id))) == 1


def test_the_messages_page_and_the_meetings_page_link_to_it(client, organiser, meeting):
    link = f"/manage/meetings/{meeting.slug}/messages/automatic/"
    assert link in client.get(f"/manage/meetings/{meeting.slug}/messages/").get_data(as_text=True)
    assert link in client.get(f"/manage/meetings/{meeting.slug}/").get_data(as_text=True)


def test_a_decision_note_appears_and_no_gap_without_one(
    client, organiser, meeting, make_participant, inbox
):
    noted, plain = (
        make_participant(meeting, status=RegistrationStatus.SUBMITTED, preferred_language="en")
        for _ in range(2)
    )
    for person, reason in ((noted, "The delegation is complete."), (plain, "")):
        client.post(
            f"/manage/meetings/{meeting.slug}/registrations/{person.id}/status",
            data={"action": "decline", "reason": reason},
        )
    (message,) = inbox.to(noted.email)
    assert _body(inbox, message).startswith(
        f"Dear {noted.full_name},\n\n"
        "We are sorry: the organisers could not accept your registration for “Board meeting"
    )
    assert (
        "”.\n\nNote from the organisers:\nThe delegation is complete.\n\nYour private link:\n"
        in (_body(inbox, message))
    )
    assert message["Subject"].endswith(": your registration is now declined")
    (message,) = inbox.to(plain.email)
    body = _body(inbox, message)
    assert "Note from the organisers" not in body
    assert "”.\n\nYour private link:\n" in body and "\n\n\n" not in body


def test_the_organisers_wording_of_a_decision(client, organiser, meeting, make_participant, inbox):
    person = make_participant(meeting, status=RegistrationStatus.SUBMITTED, preferred_language="en")
    _save(
        client,
        meeting,
        subject="{{ meeting }}: {{ status }}",
        body="Hello {{ full_name }},\n\n{{ note }}\n\nSee {{ private_link }}",
        key="status_declined",
        language="en",
    )
    client.post(
        f"/manage/meetings/{meeting.slug}/registrations/{person.id}/status",
        data={"action": "decline", "reason": "Full."},
    )
    (message,) = inbox.to(person.email)
    assert message["Subject"] == f"{meeting.title['en']}: declined"
    assert _body(inbox, message) == (
        f"Hello {person.full_name},\n\nNote from the organisers:\nFull.\n\n"
        f"See http://localhost/r/{person.token}\n"
    )
    assert db.session.execute(db.select(OutgoingMail)).scalar_one().kind == "status:declined"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_default_reads_in_each_language_with_nothing_left_unfilled(
    app, make_meeting, make_participant, language
):
    meeting = make_meeting(languages=list(LANGUAGES))
    person = make_participant(
        meeting, preferred_language=language, decision_reason="Complet.", needs_visa_letter=True
    )
    with app.test_request_context():
        values = registration.mail_values(person)
        values |= {"situation": "…", "sessions": "- …", "closes": "1 June"}
        values |= {"focal_point_link": "…", "focal_point": "…", "invitation_link": "…"}
        values |= {"nominee": "…"}
        values |= {"survey_link": "…"}
        for key in texts.AUTOMATIC:
            subject, body = texts.render(meeting, key, language, values)
            assert subject and body.strip(), key
            assert not PLACEHOLDER.search(subject) and not PLACEHOLDER.search(body), key
            assert "{" not in subject + body and "%(" not in subject + body, key
    subject, body, own = texts.text(meeting, "confirmation_approved", language)
    if language in ("fr", "en", "es"):
        greeting = {"fr": "Bonjour", "en": "Dear", "es": "Estimado/a"}[language]
        assert not own and body.startswith(greeting + " {{ full_name }},\n\n")
    else:  # the catalog's greeting, the reader's name in it
        assert not own and body.split("\n\n")[0].count("{{ full_name }}") == 1
