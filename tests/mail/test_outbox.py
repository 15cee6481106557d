"""The outbox: every e-mail is stored, shown to organisers, and retried."""

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.mail.models import MailStatus, OutgoingMail
from tests.conftest import make_app, registration_data


def test_without_a_mail_server_mails_are_kept_in_the_outbox_for_organisers(
    database_url, open_meeting, make_user
):
    meeting = open_meeting(slug="dev")
    development = make_app(database_url, MAIL_SERVER="")
    client = development.test_client()
    client.post("/meetings/dev/register", data=registration_data(meeting))
    (mail,) = db.session.execute(db.select(OutgoingMail)).scalars().all()
    assert mail.status is MailStatus.KEPT
    make_user(Role.ORGANISER, "boss@example.org")
    client.post("/login", data={"email": "boss@example.org", "password": "correct horse battery"})
    listing = client.get("/manage/outbox", headers={"Accept-Language": "en"}).get_data(True)
    assert mail.subject in listing
    shown = client.get(f"/manage/outbox/{mail.id}").get_data(as_text=True)
    participant = meeting.participants[0]
    assert f'href="http://localhost/r/{participant.token}"' in shown


def test_organisers_retry_waiting_mails_from_the_back_office(
    database_url, open_meeting, make_user, client, login, inbox
):
    meeting = open_meeting(slug="retry")
    offline = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    offline.test_client().post("/meetings/retry/register", data=registration_data(meeting))
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    page = client.get("/manage/outbox", headers={"Accept-Language": "en"}).get_data(True)
    assert "1 e-mail is waiting" in page
    client.post("/manage/outbox/send")
    (mail,) = db.session.execute(db.select(OutgoingMail)).scalars().all()
    db.session.refresh(mail)
    assert mail.status is MailStatus.SENT and mail.attempts == 2
    assert len(inbox.to("ndeye.diop@example.org")) == 1


def test_the_outbox_shows_the_html_version_in_a_sandboxed_frame(
    database_url, open_meeting, make_user
):
    meeting = open_meeting(slug="html-view")
    development = make_app(database_url, MAIL_SERVER="")
    client = development.test_client()
    client.post(
        "/meetings/html-view/register",
        data=registration_data(meeting, given_name="<b>Amina</b>"),
    )
    (mail,) = db.session.execute(db.select(OutgoingMail)).scalars().all()
    make_user(Role.ORGANISER, "boss@example.org")
    client.post("/login", data={"email": "boss@example.org", "password": "correct horse battery"})
    shown = client.get(f"/manage/outbox/{mail.id}", headers={"Accept-Language": "en"})
    page = shown.get_data(as_text=True)
    assert "HTML version" in page
    frame = page[page.index("<iframe") : page.index("</iframe>")]
    assert 'sandbox=""' in frame
    # The HTML part is in the attribute, escaped twice: once in the mail, once here.
    assert "&lt;!DOCTYPE html&gt;" in frame or "&lt;!doctype html&gt;" in frame.lower()
    assert "<b>Amina</b>" not in page and "&amp;lt;b&amp;gt;Amina" in frame
