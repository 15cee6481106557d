"""Mail as deployed: gunicorn web servers and Celery workers on one PostgreSQL and
one Redis. Each mail reaches the mail server once, with its row's Message-ID,
whatever the number of servers and workers, a mail server that hangs, or the
database cutting connections while workers send."""

import asyncio
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from meeting_app.core import tasks as core_tasks
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.mail import tasks as mail_tasks
from meeting_app.mail.models import MailStatus, OutgoingMail
from meeting_app.meetings.models import Meeting, MeetingStatus
from tests.conftest import Inbox, free_port, make_app, registration_data
from tests.mail.servers import HangingServer, back_off_passed
from tests.processes import (
    environment,
    redis_url,
    start_web,
    start_worker,
    terminate_connections,
    wait_for,
)

BROKER_DATABASE = 11


class SlowInbox(Inbox):
    """Takes `delay` seconds per message, as a real server does: the sending lasts
    long enough for the database to cut connections in the middle of it."""

    delay = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp():
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def processes():
    """Starts web servers and workers side by side (each takes seconds to start);
    stops them all after the test."""
    started = []

    def start(*starters):
        with ThreadPoolExecutor(len(starters)) as pool:
            futures = [pool.submit(starter) for starter in starters]
            for future in futures:
                started.append(future.result())
        return started[-len(starters) :]

    yield start
    with ThreadPoolExecutor(max(len(started), 1)) as pool:
        list(pool.map(lambda process: process.stop(), started))


def _open_meeting(url: str) -> None:
    app = make_app(url)
    with app.app_context():
        now = datetime.now(UTC)
        meeting = Meeting(
            slug="summit",
            title={"en": "Summit"},
            city="Rabat",
            timezone="Africa/Casablanca",
            start_date=now.date() + timedelta(days=30),
            end_date=now.date() + timedelta(days=31),
            status=MeetingStatus.PUBLISHED,
            capacity=10_000,
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=10),
        )
        db.session.add_all([meeting, Delegation(meeting=meeting, country_code="SN")])
        db.session.commit()
        db.session.remove()


def _register(port: int, n: int) -> float:
    """Posts the registration form as a browser does; returns how long it took."""
    data = urllib.parse.urlencode(registration_data(email=f"person{n}@example.org")).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/meetings/summit/register", data)
    start = time.perf_counter()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=30)
    except urllib.error.HTTPError as error:
        assert error.code == 302, error.read()[:2000]
    return time.perf_counter() - start


def _rows(url: str) -> list[OutgoingMail]:
    app = make_app(url)
    with app.app_context():
        rows = db.session.execute(db.select(OutgoingMail).order_by(OutgoingMail.id)).scalars().all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def _sweep(url: str, broker: str, times: int = 1) -> None:
    """What beat does every minute: a sweep task on the broker."""
    app = make_app(url, CELERY_BROKER_URL=broker)
    with app.app_context():
        for _ in range(times):
            core_tasks.send(mail_tasks.sweep)


def _each_once(inbox: Inbox, rows: list[OutgoingMail]) -> None:
    time.sleep(0.5)  # room for a duplicate to arrive
    received = Counter(m["Message-ID"] for m in inbox.messages)
    assert received == Counter(r.message_id for r in rows)  # each once, no other
    assert {r.status for r in rows} == {MailStatus.SENT}


def test_two_servers_and_two_workers_send_each_confirmation_once(
    postgres_database, smtp, processes, tmp_path
):
    url, broker = postgres_database(), redis_url(BROKER_DATABASE)
    _open_meeting(url)
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}
    envs = [environment(url, broker, tmp_path / name, **mail) for name in ("a", "b")]
    ports = [free_port(), free_port()]
    processes(
        lambda: start_web(envs[0], tmp_path / "web-a.log", ports[0], workers=1),
        lambda: start_web(envs[1], tmp_path / "web-b.log", ports[1], workers=1),
        lambda: start_worker(envs[0], tmp_path / "worker-a.log", name="mail-a"),
        lambda: start_worker(envs[1], tmp_path / "worker-b.log", name="mail-b"),
    )
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: _register(ports[n % 2], n), range(200)))
    wait_for(lambda: len(smtp.messages) >= 200, 60, "200 confirmations delivered")
    rows = _rows(url)
    assert len(rows) == 200
    _each_once(smtp, rows)
    assert sorted(m["To"] for m in smtp.messages) == sorted(r.recipient for r in rows)


def test_a_hanging_mail_server_does_not_slow_registrations(
    postgres_database, smtp, processes, tmp_path
):
    """Bad outcome tried: a mail server that accepts and never answers held each
    registration for the SMTP timeout (10 s). Now the web server never speaks
    SMTP: each registration answers at its normal speed; the mails wait, and go
    out once a working mail server is configured."""
    url, broker = postgres_database(), redis_url(BROKER_DATABASE)
    _open_meeting(url)
    with HangingServer() as hanging:
        stuck = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": hanging.port, "MAIL_TIMEOUT": 2}
        env = environment(url, broker, tmp_path / "a", **stuck)
        port = free_port()
        web, worker = processes(
            lambda: start_web(env, tmp_path / "web.log", port, workers=1),
            lambda: start_worker(env, tmp_path / "stuck.log", name="stuck", concurrency=4),
        )
        took = [_register(port, n) for n in range(4)]
        assert max(took) < 1.0, took  # the mail server's timeout is 2 s
        wait_for(
            lambda: all("timed out" in r.last_error for r in _rows(url)),
            20,
            "the worker's tries timed out",
        )
        assert len(hanging.connections) >= 4  # the worker's, not the web server's
        worker.stop()
    rows = _rows(url)
    assert len(rows) == 4 and {r.status for r in rows} == {MailStatus.PENDING}
    assert smtp.messages == []

    working = environment(url, broker, tmp_path / "b", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    processes(lambda: start_worker(working, tmp_path / "working.log", name="working"))
    app = make_app(url)
    with app.app_context():
        back_off_passed()  # as if 30 s had passed
        db.session.remove()
    _sweep(url, broker)
    wait_for(lambda: len(smtp.messages) >= 4, 30, "the waiting mails delivered")
    _each_once(smtp, _rows(url))


def test_connections_cut_while_workers_send_lose_no_mail_and_send_none_twice(
    postgres_database, smtp, processes, tmp_path
):
    """Bad outcome tried: the database's connections terminated every 0.3 s (a
    fail-over, again and again) while two workers send 300 waiting mails: a
    mail accepted by the mail server but not yet marked sent was sent again."""
    url, broker = postgres_database(), redis_url(BROKER_DATABASE)
    app = make_app(url)
    with app.app_context():
        db.session.add_all(
            OutgoingMail(
                kind="test",
                recipient=f"person{n}@example.org",
                subject=f"Mail {n}",
                body_text="Hello.\n",
            )
            for n in range(300)
        )
        db.session.commit()
        db.session.remove()
    smtp.delay = 0.01  # 300 mails take about 1.5 s on two workers
    env = environment(url, broker, tmp_path / "w", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    processes(
        lambda: start_worker(env, tmp_path / "worker-a.log", name="cut-a"),
        lambda: start_worker(env, tmp_path / "worker-b.log", name="cut-b"),
    )
    cuts = []
    stop = threading.Event()

    def cut_again_and_again():
        while not stop.is_set():
            cuts.append(terminate_connections(url))
            stop.wait(0.3)

    cutter = threading.Thread(target=cut_again_and_again)
    _sweep(url, broker, times=4)  # two for each worker
    cutter.start()
    try:
        wait_for(lambda: len(smtp.messages) >= 300, 60, "300 mails delivered")
        time.sleep(1)
    finally:
        stop.set()
        cutter.join()
    assert sum(cuts) >= 3  # connections of the workers were cut while they sent
    # A sweep ended early by a cut leaves nothing claimed for long; one more, as
    # beat sends every minute, finds nothing left to send.
    _sweep(url, broker)
    wait_for(
        lambda: {r.status for r in _rows(url)} == {MailStatus.SENT}, 30, "every row marked sent"
    )
    _each_once(smtp, _rows(url))
