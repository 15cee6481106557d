"""Delivery: each mail claimed by one sender, sent with the Message-ID of its row,
retried with back-off, failed for good with its reason; nothing sent for work
rolled back. (Across processes and servers: test_delivery_across_processes.py.)"""

import email
import email.policy
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from meeting_app.accounts.models import Role
from meeting_app.core import tasks as core_tasks
from meeting_app.extensions import db
from meeting_app.mail import delivery
from meeting_app.mail import services as mail_services
from meeting_app.mail.models import MailStatus, OutgoingMail
from tests.conftest import Inbox, free_port, make_app, registration_data
from tests.mail.servers import HangingServer, back_off_passed


@pytest.fixture
def make_mails(app_context):
    def factory(count: int, **values) -> list[OutgoingMail]:
        mails = [
            OutgoingMail(
                kind="test",
                recipient=f"person{n}@example.org",
                subject=f"Mail {n}",
                body_text="Hello.\n",
                status=MailStatus.PENDING,
                **values,
            )
            for n in range(count)
        ]
        db.session.add_all(mails)
        db.session.commit()
        return mails

    return factory


def _reload(mails):
    db.session.expire_all()
    return [db.session.get(OutgoingMail, m.id) for m in mails]


class Scripted(Inbox):
    """Answers DATA with the replies it is given, in turn (then 250), and records
    the Message-ID of every message it was offered, accepted or not."""

    def __init__(self, *replies):
        super().__init__()
        self.replies = list(replies)
        self.offered = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.offered.append(message["Message-ID"])
        if self.replies:
            return self.replies.pop(0)
        return await super().handle_DATA(server, session, envelope)


class NoSuchUser(Inbox):
    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def serve():
    """Starts an aiosmtpd server with the given handler; its app on the tests' DB."""
    controllers = []

    def start(handler, database_url, **settings):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        return make_app(
            database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, **settings
        )

    yield start
    for controller in controllers:
        controller.stop()


def test_two_claims_never_get_the_same_mail(app, database_url, make_mails):
    """Bad outcome tried: four senders (cron on two servers, two workers) claiming
    at the same moment, batch after batch, from 120 waiting mails."""
    mails = make_mails(120)
    senders = [make_app(database_url) for _ in range(4)]
    taken: list[list[int]] = [[] for _ in senders]
    start = threading.Barrier(len(senders))

    def claim_all(n):
        with senders[n].app_context():
            start.wait()
            while batch := delivery.claim(7):
                taken[n].extend(m.id for m in batch)
            db.session.remove()

    threads = [threading.Thread(target=claim_all, args=(n,)) for n in range(len(senders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for ids in taken for i in ids]
    assert sorted(every) == sorted(m.id for m in mails)  # each once, none left
    assert sum(1 for ids in taken if ids) >= 2  # they did claim side by side


def test_a_claim_left_by_a_dead_worker_lapses_and_the_mail_is_taken_again(app, make_mails, inbox):
    held, abandoned = make_mails(2)
    first = delivery.claim(10)
    assert sorted(m.id for m in first) == [held.id, abandoned.id]
    # Nobody else gets them while the lease runs (the worker is sending)...
    assert delivery.claim(10) == []
    # ...one lease lapses (its worker was killed): that mail is taken again.
    db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id == abandoned.id)
        .values(claimed_until=datetime.now(UTC) - timedelta(seconds=1))
    )
    db.session.commit()
    (again,) = delivery.claim(10)
    assert again.id == abandoned.id and again.claimed_by != first[0].claimed_by
    assert delivery.send([again])[MailStatus.SENT] == 1
    assert [m["To"] for m in inbox.messages] == [abandoned.recipient]


def test_a_retry_sends_the_same_message_id(database_url, make_mails, serve):
    """A 451 ("try again later"), then a 250: the server saw the same Message-ID
    twice, the row's, so that it or the mail client can drop a duplicate."""
    server = Scripted("451 4.3.0 Try again later")
    sender = serve(server, database_url)
    (mail,) = make_mails(1)
    with sender.app_context():
        assert delivery.deliver_pending()[MailStatus.PENDING] == 1
    (mail,) = _reload([mail])
    assert (mail.status, mail.attempts, mail.last_error) == (
        MailStatus.PENDING,
        1,
        "451 4.3.0 Try again later",
    )
    back_off_passed()
    with sender.app_context():
        assert delivery.deliver_pending()[MailStatus.SENT] == 1
    (mail,) = _reload([mail])
    assert mail.status is MailStatus.SENT and mail.attempts == 2
    assert server.offered == [mail.message_id, mail.message_id]
    assert mail.message_id.endswith("@meetings.invalid>")
    assert [m["Message-ID"] for m in server.messages] == [mail.message_id]


def test_temporary_failures_back_off_then_fail_for_good(database_url, make_mails):
    """A mail server that refuses connections (port 1), try after try: 30 s, then
    twice as long each time up to an hour; the tenth failure is final."""
    offline = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    (mail,) = make_mails(1)
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS):
        back_off_passed()
        with offline.app_context():
            delivery.deliver_pending()
        (mail,) = _reload([mail])
        if mail.status is MailStatus.PENDING:
            waits.append(round((mail.next_attempt_at - datetime.now(UTC)).total_seconds()))
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 10)
    assert "refused" in mail.last_error.lower()
    assert mail.claimed_until is None and mail.claimed_by == ""


def test_a_refused_recipient_fails_at_once_and_the_outbox_says_why(
    database_url, open_meeting, serve, make_user, login, client
):
    """Bad input tried: an address the receiving server does not know (550)."""
    meeting = open_meeting(slug="refused")
    app = serve(NoSuchUser(), database_url)
    app.test_client().post(
        "/meetings/refused/register", data=registration_data(meeting, email="nobody@example.org")
    )
    (mail,) = db.session.execute(db.select(OutgoingMail)).scalars().all()
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 1)
    assert mail.last_error == "550 5.1.1 No such user here"
    make_user(Role.ORGANISER, "boss@example.org", meetings=[meeting])
    login("boss@example.org")
    listing = client.get("/manage/outbox", headers={"Accept-Language": "en"}).text
    assert "550 5.1.1 No such user here" in listing
    assert f'action="/manage/outbox/{mail.id}/retry"' in listing
    shown = client.get(f"/manage/outbox/{mail.id}", headers={"Accept-Language": "en"}).text
    assert "550 5.1.1 No such user here" in shown and "Try again" in shown


def test_the_try_again_button_sends_a_failed_mail_and_only_its_organisers_have_it(
    open_meeting, make_mails, make_user, login, client, inbox
):
    ours, theirs = open_meeting(slug="ours"), open_meeting(slug="theirs")
    (mine,) = make_mails(1, meeting_id=ours.id)
    (other,) = make_mails(1, meeting_id=theirs.id)
    for failed in (mine, other):
        failed.status, failed.attempts, failed.last_error = MailStatus.FAILED, 10, "timed out"
    db.session.commit()
    make_user(Role.ORGANISER, "boss@example.org", meetings=[ours])
    login("boss@example.org")
    # Bad input tried: the other meeting's mail id, by an organiser of this one.
    assert client.post(f"/manage/outbox/{other.id}/retry").status_code == 404
    response = client.post(f"/manage/outbox/{mine.id}/retry", follow_redirects=True)
    assert "The e-mail is being sent again" in response.text
    mine, other = _reload([mine, other])
    assert (mine.status, mine.attempts, mine.last_error) == (MailStatus.SENT, 1, "")
    assert other.status is MailStatus.FAILED
    assert [m["Message-ID"] for m in inbox.messages] == [mine.message_id]


def test_the_send_now_button_leaves_sending_to_a_task(
    database_url, make_mails, make_user, login, client, inbox, monkeypatch
):
    """The button used to speak SMTP in the request; now it hands the waiting mails
    (back-off or not) to the sweep task and says so."""
    mails = make_mails(2, next_attempt_at=datetime.now(UTC) + timedelta(minutes=20))
    started = []
    monkeypatch.setattr(core_tasks, "send", lambda task, *args: started.append(task.name))
    make_user(Role.ORGANISER, "admin@example.org", admin=True)
    login("admin@example.org")
    page = client.get("/manage/outbox", headers={"Accept-Language": "en"}).text
    assert "2 e-mails are waiting for the mail server." in page
    response = client.post(
        "/manage/outbox/send", headers={"Accept-Language": "en"}, follow_redirects=True
    )
    assert "2 waiting e-mails are being sent" in response.text
    assert started == ["mail.sweep"] and inbox.messages == []
    assert all(m.next_attempt_at <= datetime.now(UTC) for m in _reload(mails))


def test_mails_of_work_rolled_back_are_never_sent(app_context, make_user, inbox):
    """Bad outcome tried: an invitation queued, then its transaction rolled back
    (a conflict, an error): no task starts, nothing is stored or sent."""
    user = make_user(Role.ORGANISER, "new@example.org", admin=True)
    mail_services.queue(
        user.email, "invitation", "en", kind="invitation", link="x", user=user, hours=1
    )
    db.session.rollback()
    core_tasks.commit()
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 0
    assert inbox.messages == []


def test_a_hanging_mail_server_leaves_the_mail_waiting_until_a_working_one(
    database_url, open_meeting, inbox, runner
):
    """A server that accepts and never answers (MAIL_TIMEOUT 0.5 s): the mail waits
    with the reason, and goes out once, when a working server is configured."""
    meeting = open_meeting(slug="hanging")
    with HangingServer() as hanging:
        stuck = make_app(
            database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=hanging.port, MAIL_TIMEOUT=0.5
        )
        response = stuck.test_client().post(
            "/meetings/hanging/register", data=registration_data(meeting)
        )
        assert response.status_code == 302
        assert hanging.connections  # it was tried, after the answer
    (mail,) = db.session.execute(db.select(OutgoingMail)).scalars().all()
    assert (mail.status, mail.last_error) == (
        MailStatus.PENDING,
        "timed out (no answer within 0.5 s)",
    )
    back_off_passed()
    result = runner.invoke(args=["mail", "send-pending"])  # the tests' app: a working server
    assert result.output == "1 e-mail sent, 0 still pending.\n"
    assert [m["Message-ID"] for m in inbox.messages] == [mail.message_id]


def test_send_pending_leaves_mails_another_sender_holds(app_context, make_mails, runner, inbox):
    """Bad outcome tried: cron's `mail send-pending` while a worker is sending."""
    held, free = make_mails(2)
    db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id == held.id)
        .values(claimed_until=datetime.now(UTC) + timedelta(minutes=5), claimed_by="worker")
    )
    db.session.commit()
    result = runner.invoke(args=["mail", "send-pending"])
    assert (result.exit_code, result.output) == (1, "1 e-mail sent, 1 still pending.\n")
    assert [m["To"] for m in inbox.messages] == [free.recipient]


def test_bulk_rows_get_their_own_message_ids(app_context, make_user, monkeypatch):
    """The rows an import stores in one statement have Message-IDs as the others."""
    from flask import current_app

    monkeypatch.setattr(mail_services, "DELIVER_IN_REQUEST", 1)
    user = make_user(Role.ORGANISER, "new@example.org", admin=True)
    with current_app.test_request_context(), mail_services.bulk():
        for n in range(3):
            mail_services.queue(
                f"p{n}@example.org", "invitation", "en", kind="t", link="x", user=user, hours=1
            )
    ids = db.session.execute(sa.select(OutgoingMail.message_id)).scalars().all()
    assert len(ids) == 3 and len(set(ids)) == 3 and all(i.startswith("<") for i in ids)
