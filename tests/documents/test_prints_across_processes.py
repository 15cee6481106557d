"""Badge prints as deployed: gunicorn web servers and Celery workers on one
PostgreSQL and one Redis. A worker killed in the middle of a print (kill -9)
leaves a job that is marked failed once its heartbeat lapses, records no print,
and whose retry succeeds on another worker; a print started on one server is
followed and downloaded through another."""

import http.cookiejar
import io
import json
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import create_user
from meeting_app.documents.models import BadgePrint, RenderJob
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.registration.models import Category, Participant, RegistrationStatus
from tests.conftest import PASSWORD, free_port, make_app
from tests.processes import (
    environment,
    redis_url,
    start_web,
    start_worker,
    wait_for,
)

BROKER_DATABASE = 12
HEARTBEAT = 4  # seconds: RENDER_HEARTBEAT_SECONDS, small to keep the test quick


def _seed(database_url: str, people: int) -> None:
    """A meeting with `people` approved participants and its host's account."""
    app = make_app(database_url)
    with app.app_context():
        today = datetime.now(UTC).date()
        meeting = Meeting(
            slug="board",
            title={"en": "Board meeting"},
            city="Rabat",
            venue="Conference centre",
            timezone="Africa/Casablanca",
            host_country_code="MA",
            start_date=today + timedelta(days=30),
            end_date=today + timedelta(days=31),
            default_language="en",
            status=MeetingStatus.PUBLISHED,
        )
        db.session.add(meeting)
        db.session.add_all(
            Participant(
                meeting=meeting,
                given_name="Amina",
                family_name=f"Tester{n:04d}",
                badge_name=f"Amina Tester{n:04d}",
                email=f"person{n}@example.org",
                organisation="Ministère de l'Intérieur",
                category=Category.NATIONAL_GOVERNMENT,
                status=RegistrationStatus.APPROVED,
            )
            for n in range(people)
        )
        create_user("door@example.org", PASSWORD, roles={meeting: Role.HOST})
        db.session.commit()


class Browser:
    """A signed-in person's browser: one cookie jar for every server (cookies do not
    tell ports apart), as behind one load balancer."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(self, url: str, data: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Accept": "application/json"}
        request = urllib.request.Request(url, body, headers=headers)  # noqa: S310 (ours)
        return self.opener.open(request, timeout=30)

    def json(self, url: str, data: dict | None = None) -> dict:
        with self.open(url, data) as response:
            return json.loads(response.read())

    def sign_in(self, base: str) -> None:
        self.open(f"{base}/login", {"email": "door@example.org", "password": PASSWORD}).close()


def _count(database_url: str, model, **filters) -> int:
    app = make_app(database_url)
    with app.app_context():
        query = db.select(db.func.count()).select_from(model).filter_by(**filters)
        count = db.session.scalar(query)
        db.session.remove()
        return count


def test_a_worker_killed_mid_print_fails_the_job_records_nothing_and_a_retry_prints(
    postgres_database, tmp_path
):
    database = postgres_database()
    _seed(database, 240)
    env = environment(
        database,
        redis_url(BROKER_DATABASE),
        tmp_path / "instance",
        RENDER_HEARTBEAT_SECONDS=HEARTBEAT,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start_web(env, tmp_path / "web.log", port, workers=1)
    first = start_worker(env, tmp_path / "worker-1.log", name="first", concurrency=1)
    second = None
    try:
        browser = Browser()
        browser.sign_in(base)
        started = browser.json(
            f"{base}/desk/meetings/board/badges/jobs", {"layout": "a4-4", "language": "en"}
        )
        status_url = base + started["status_url"]
        # Bad input: the worker dies (kill -9, with its children) half-way through.
        wait_for(
            lambda: browser.json(status_url)["done"] >= 32,
            timeout=60,
            what="the first chunks drawn",
        )
        first.kill()
        killed_at = time.monotonic()
        failed = wait_for(
            lambda: (job := browser.json(status_url))["state"] == "failed" and job,
            timeout=HEARTBEAT * 3,
            what="the job marked failed once its heartbeat lapsed",
        )
        assert time.monotonic() - killed_at < HEARTBEAT * 3
        assert "The print stopped" in failed["message"] and failed["retry_url"]
        assert 0 < failed["done"] < 240
        assert _count(database, BadgePrint) == 0

        # Another worker takes the dead job's chunks still queued (they do nothing)
        # and the retry's.
        second = start_worker(env, tmp_path / "worker-2.log", name="second", concurrency=2)
        again = browser.json(base + failed["retry_url"], {})
        done = wait_for(
            lambda: (job := browser.json(base + again["status_url"]))["state"] == "done" and job,
            timeout=120,
            what="the retried print finished",
        )
        with browser.open(base + done["download_url"]) as response:
            pdf = PdfReader(io.BytesIO(response.read()))
        assert len(pdf.pages) == 60  # 240 badges, 4 to a sheet
        # Every badge printed once, by the retry; the dead job stays failed, and its
        # progress where it stopped.
        assert _count(database, BadgePrint) == 240
        assert browser.json(status_url)["state"] == "failed"
        assert browser.json(status_url)["done"] == failed["done"]
        assert _count(database, RenderJob, state="done") == 1
    finally:
        for process in (second, first, web):
            if process is not None:
                process.stop()


def test_a_print_started_on_one_server_is_followed_and_downloaded_on_another(
    postgres_database, tmp_path
):
    database = postgres_database()
    _seed(database, 12)
    broker = redis_url(BROKER_DATABASE)
    servers, bases = [], []
    try:
        for name in ("a", "b"):
            env = environment(database, broker, tmp_path / f"instance-{name}")
            port = free_port()
            servers.append(start_web(env, tmp_path / f"web-{name}.log", port, workers=1))
            bases.append(f"http://127.0.0.1:{port}")
        servers.append(start_worker(env, tmp_path / "worker.log", name="worker"))
        a, b = bases
        browser = Browser()
        browser.sign_in(a)
        started = browser.json(
            f"{a}/desk/meetings/board/badges/jobs", {"layout": "a6", "language": "en"}
        )
        done = wait_for(
            lambda: (job := browser.json(b + started["status_url"]))["state"] == "done" and job,
            timeout=60,
            what="the print finished, seen through the other server",
        )
        with browser.open(b + done["download_url"]) as response:
            assert len(PdfReader(io.BytesIO(response.read())).pages) == 12
        # No server kept anything of it in its own folder.
        assert not any((tmp_path / f"instance-{name}" / "renders").exists() for name in "ab")
    finally:
        for process in reversed(servers):
            process.stop()
