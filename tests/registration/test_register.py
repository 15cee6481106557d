"""Registering online: stored first, confirmed by e-mail, one per address, only
while registration is open, and bad input answered field by field."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from meeting_app.extensions import db
from meeting_app.mail.models import MailStatus, OutgoingMail
from meeting_app.meetings.models import MeetingStatus
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.conftest import make_app, registration_data
from tests.mail.servers import HangingServer, back_off_passed


def _participants():
    db.session.expire_all()
    return db.session.execute(db.select(Participant)).scalars().all()


def test_registration_is_stored_and_confirmed_by_email_in_the_persons_language(
    client, open_meeting, inbox
):
    meeting = open_meeting(slug="dakar")
    response = client.post(
        "/meetings/dakar/register", data=registration_data(meeting, country="SN")
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "Check your e-mail" in page.get_data(as_text=True)
    (participant,) = _participants()
    assert participant.status is RegistrationStatus.SUBMITTED
    assert participant.badge_name == "Ndèye Diop"  # filled from the names
    assert participant.delegation.country_code == "SN"
    (message,) = inbox.to("ndeye.diop@example.org")
    body = inbox.body(message)
    assert "Nom: Mme Ndèye Diop" in body
    assert "Ministère des Affaires étrangères" in body
    assert f"/r/{participant.token}" in body
    assert message["Content-Language"] == "fr"
    assert db.session.execute(db.select(OutgoingMail.status)).scalar_one() is MailStatus.SENT


def test_without_approval_a_free_seat_is_approved_at_once(client, open_meeting, inbox):
    meeting = open_meeting(slug="open", requires_approval=False)
    client.post("/meetings/open/register", data=registration_data(meeting))
    (participant,) = _participants()
    assert participant.status is RegistrationStatus.APPROVED
    assert participant.delegation is None  # international organisation / other
    db.session.refresh(meeting)
    assert meeting.seats_taken == 1


def test_full_meeting_puts_new_registrations_on_the_waiting_list(client, open_meeting, inbox):
    meeting = open_meeting(slug="small", capacity=1, requires_approval=False)
    client.post("/meetings/small/register", data=registration_data(meeting, email="a@example.org"))
    client.post("/meetings/small/register", data=registration_data(meeting, email="b@example.org"))
    statuses = {p.email: p.status for p in _participants()}
    assert statuses == {
        "a@example.org": RegistrationStatus.APPROVED,
        "b@example.org": RegistrationStatus.WAITLISTED,
    }
    (waitlisted,) = inbox.to("b@example.org")
    assert "liste d'attente" in inbox.body(waitlisted)


def test_full_delegation_waitlists_its_members_but_not_others(client, open_meeting, inbox):
    meeting = open_meeting(slug="deleg", requires_approval=False)
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    senegal.size_limit = 1
    db.session.commit()
    for email, country in (
        ("a@example.org", "SN"),
        ("b@example.org", "SN"),
        ("c@example.org", "MA"),
    ):
        client.post(
            "/meetings/deleg/register",
            data=registration_data(meeting, email=email, country=country),
        )
    statuses = {p.email: p.status for p in _participants()}
    assert statuses == {
        "a@example.org": RegistrationStatus.APPROVED,
        "b@example.org": RegistrationStatus.WAITLISTED,
        "c@example.org": RegistrationStatus.APPROVED,
    }


def _without_csrf(page: str) -> str:
    """CSRF tokens carry the second they were made: two identical pages may differ there."""
    return re.sub(r"<input[^>]*csrf_token[^>]*>", "", page)


def test_same_address_cannot_register_twice_and_learns_nothing_new(client, open_meeting, inbox):
    meeting = open_meeting(slug="dup")
    first = client.post("/meetings/dup/register", data=registration_data(meeting))
    first_page = client.get(first.headers["Location"]).get_data(as_text=True)
    again = client.post(
        "/meetings/dup/register",
        data=registration_data(
            meeting, email="  NDEYE.DIOP@example.org ", given_name="Someone else"
        ),
    )
    second_page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert again.status_code == first.status_code == 302
    assert _without_csrf(second_page) == _without_csrf(
        first_page.replace("ndeye.diop@example.org", "NDEYE.DIOP@example.org")
    )
    (participant,) = _participants()
    assert participant.given_name == "Ndèye"
    confirmation, reminder = inbox.to("ndeye.diop@example.org")
    assert f"/r/{participant.token}" in inbox.body(reminder)
    assert "Votre inscription est déjà enregistrée" in " ".join(inbox.body(reminder).split())


def test_asking_for_the_link_again_answers_the_same_for_any_address(client, open_meeting, inbox):
    meeting = open_meeting(slug="link")
    client.post("/meetings/link/register", data=registration_data(meeting))
    inbox.clear()
    pages = []
    for email in ("ndeye.diop@example.org", "stranger@example.org"):
        response = client.post("/meetings/link/register/link", data={"email": email})
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        pages.append(_without_csrf(page.replace(email, "EMAIL")))
    assert pages[0] == pages[1]
    assert len(inbox.to("ndeye.diop@example.org")) == 1
    assert inbox.to("stranger@example.org") == []


@pytest.mark.parametrize("window", ["before", "after"])
def test_registration_outside_its_dates_says_so_and_stores_nothing(client, make_meeting, window):
    now = datetime.now(UTC)
    opens, closes = (
        (now + timedelta(days=2), now + timedelta(days=9))
        if window == "before"
        else (now - timedelta(days=9), now - timedelta(days=1))
    )
    meeting = make_meeting(slug="shut", registration_opens_at=opens, registration_closes_at=closes)
    page = client.get("/meetings/shut/register", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert ("Registration opens on" in text) if window == "before" else ("is closed" in text)
    assert 'name="given_name"' not in text
    posted = client.post("/meetings/shut/register", data=registration_data(meeting))
    assert posted.status_code == 200
    assert _participants() == []


def test_unpublished_meeting_has_no_registration_page(client, make_meeting):
    now = datetime.now(UTC)
    meeting = make_meeting(
        slug="draft",
        status=MeetingStatus.DRAFT,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    assert client.get("/meetings/draft/register").status_code == 404
    assert (
        client.post("/meetings/draft/register", data=registration_data(meeting)).status_code == 404
    )
    assert _participants() == []


def _errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([\w-]+)-error">([^<]*)</p>', html))


def test_bad_input_gets_a_message_per_field_and_keeps_what_was_typed(client, open_meeting):
    meeting = open_meeting(slug="bad")
    data = registration_data(
        meeting,
        given_name="",
        email="not-an-address",
        family_name="Diop\x00\x1b",
        organisation="x" * 2000,
        delegation_id="999999",
        category="astronaut",
        phone="call me maybe",
        acknowledge_data_use="",
    )
    response = client.post("/meetings/bad/register", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = _errors(html)
    assert errors["given_name"] == "Enter your given name."
    assert errors["email"] == "Enter a valid e-mail address."
    assert errors["family_name"] == "Remove the invisible control characters from this field."
    assert errors["organisation"] == "At most 200 characters."
    assert errors["delegation_id"] == "Not a valid choice."
    assert errors["category"] == "Not a valid choice."
    assert errors["phone"] == "Use digits, spaces and + ( ) - . only."
    assert "acknowledge_data_use" in errors
    assert 'value="not-an-address"' in html
    assert 'value="Conseillère"' in html
    assert _participants() == []


def test_scripts_other_alphabets_and_emoji_are_stored_as_text_and_shown_escaped(
    client, open_meeting, inbox
):
    meeting = open_meeting(slug="text")
    client.post(
        "/meetings/text/register",
        data=registration_data(
            meeting,
            given_name="سلمى",
            family_name="Ђорђевић 🎉",
            organisation='<script>alert("x")</script> & Co',
            position="\u202eRTL override",
        ),
    )
    (participant,) = _participants()
    assert participant.organisation == '<script>alert("x")</script> & Co'
    assert participant.family_name == "Ђорђевић 🎉"
    html = client.get(f"/r/{participant.token}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
    assert "<script>alert" not in html
    assert "سلمى" in html and "Ђорђевић 🎉" in html


def test_mail_server_down_keeps_the_registration_and_retries_later(
    database_url, open_meeting, smtp_server, runner
):
    """Bad outcome tried: a mail server that refuses connections (port 1). The
    registration is kept, its mail waits (about 30 s after the first failed try,
    then twice as long each time) and goes out once the server is back."""
    meeting = open_meeting(slug="down")
    offline = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    response = offline.test_client().post(
        "/meetings/down/register", data=registration_data(meeting)
    )
    assert response.status_code == 302
    (participant,) = _participants()
    (mail,) = db.session.execute(db.select(OutgoingMail)).scalars().all()
    assert (mail.status, mail.attempts) == (MailStatus.PENDING, 1)
    assert "refused" in mail.last_error.lower()
    wait = (mail.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert 20 < wait <= 30
    smtp_server.clear()
    # Not yet due: the command leaves it for later, and says it is still waiting.
    result = runner.invoke(args=["mail", "send-pending"])
    assert (result.exit_code, result.output) == (1, "0 e-mails sent, 1 still pending.\n")
    back_off_passed()
    result = runner.invoke(args=["mail", "send-pending"])  # the app of `runner` reaches the server
    assert result.exit_code == 0, result.output
    assert "1 e-mail sent, 0 still pending." in result.output
    (received,) = smtp_server.to(participant.email)
    assert f"/r/{participant.token}" in smtp_server.body(received)
    assert received["Message-ID"] == mail.message_id


def test_the_registration_answers_at_once_whatever_the_mail_server_does(database_url, open_meeting):
    """Bad outcome tried: a mail server that accepts the connection and never
    answers (it used to hold each registration for 10 s). The person is thanked
    at once; the mail waits, with the reason, and nothing on the page blames the
    mail server (the mail is not sent before the answer)."""
    meeting = open_meeting(slug="late")
    with HangingServer() as hanging:
        app = make_app(
            database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=hanging.port, MAIL_TIMEOUT=0.5
        )
        client = app.test_client()
        response = client.post(
            "/meetings/late/register",
            data=registration_data(meeting),
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 302
        page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
        assert "Check your e-mail" in page.get_data(as_text=True)
        assert "mail server" not in page.get_data(as_text=True)
    (mail,) = db.session.execute(db.select(OutgoingMail)).scalars().all()
    assert mail.status is MailStatus.PENDING
    assert mail.last_error == "timed out (no answer within 0.5 s)"


def test_public_form_is_rate_limited_per_address(database_url, open_meeting):
    meeting = open_meeting(slug="busy")
    client = make_app(database_url, REGISTRATION_RATE_LIMIT="3 per minute").test_client()
    statuses = [
        client.post(
            "/meetings/busy/register", data=registration_data(meeting, email=f"p{i}@example.org")
        ).status_code
        for i in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert len(_participants()) == 3


def test_the_delegation_must_be_chosen_explicitly(client, open_meeting):
    meeting = open_meeting(slug="choose")
    response = client.post(
        "/meetings/choose/register",
        data=registration_data(meeting, delegation_id=""),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert _errors(response.get_data(as_text=True))["delegation_id"] == (
        "Choose your delegation, or “International organisation / other”."
    )
    assert _participants() == []
