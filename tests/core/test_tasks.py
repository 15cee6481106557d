"""Background work (core/tasks.py): a task starts only once its transaction has
committed, never for work rolled back; without a broker it runs after the
response has gone; with Redis it runs in a real Celery worker process; a broker
that is down loses nothing; /healthz says how background work fares."""

import io
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from celery import shared_task

from meeting_app.core import tasks
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.privacy import tasks as privacy_tasks
from tests.conftest import free_port, make_app
from tests.processes import environment, redis_url, start_worker, wait_for

CALLS: list = []


@shared_task(name="tests.record")
def record(value) -> None:
    # Reads the database as a task does: in its own app context and session.
    CALLS.append((value, db.session.scalar(db.select(db.func.count(Meeting.id)))))


@pytest.fixture(autouse=True)
def _no_calls():
    CALLS.clear()


def test_a_task_starts_after_the_commit_and_sees_what_was_committed(app, make_meeting):
    with app.app_context():
        make_meeting(slug="seen")
        tasks.enqueue(record, "first")
        tasks.enqueue(record, "first")  # asked for twice in one transaction: sent once
        assert CALLS == []  # not before the commit
        tasks.commit()
    assert CALLS == [("first", 1)]


def test_work_rolled_back_starts_no_task(app, make_meeting):
    with app.app_context():
        tasks.enqueue(record, "never")  # before anything reached the database
        db.session.rollback()
        meeting = make_meeting(slug="gone")  # committed: sends nothing asked for before
        meeting.city = "Dakar"
        db.session.flush()  # reached the database, then rolled back
        tasks.enqueue(record, "never")
        db.session.rollback()
        tasks.commit()  # a later commit does not send what was rolled back
        assert CALLS == []
        assert db.session.get(Meeting, meeting.id).city == "Rabat"


def _post(path: str) -> dict:
    """A WSGI environ: the tests below play the server's part themselves."""
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }


def test_without_a_broker_the_task_runs_once_the_response_is_sent(database_url):
    app = make_app(database_url)

    @app.post("/probe")
    def probe():
        tasks.enqueue(record, "after")
        tasks.commit()
        return "answered"

    started = []
    body = app.wsgi_app(_post("/probe"), lambda status, headers: started.append(status))
    assert started == ["200 OK"]
    assert b"".join(body) == b"answered"
    assert CALLS == []  # the browser has its answer; the task waits for the server
    body.close()  # what a WSGI server does after the last byte is written
    assert CALLS == [("after", 0)]


def test_a_response_the_server_never_closes_still_gets_its_tasks_run(database_url):
    """Werkzeug's development server skips the close when the browser has dropped
    the connection first: the request's mails must go all the same."""
    app = make_app(database_url)

    @app.post("/probe")
    def probe():
        tasks.enqueue(record, "unclosed")
        tasks.commit()
        return "answered"

    body = app.wsgi_app(_post("/probe"), lambda status, headers: None)
    assert b"".join(body) == b"answered"  # and never closed
    wait_for(lambda: CALLS, tasks.CLOSE_FALLBACK_SECONDS + 3, "the fallback ran the task")
    assert CALLS == [("unclosed", 0)]


def test_a_broker_that_is_down_loses_nothing_and_holds_no_request(database_url, open_meeting):
    """Redis stopped: the registration is stored and answered at once; its mail row
    waits for the sweep."""
    from meeting_app.mail.models import OutgoingMail
    from tests.conftest import registration_data

    meeting = open_meeting(slug="no-broker")
    app = make_app(database_url, CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    response = app.test_client().post(
        "/meetings/no-broker/register", data=registration_data(meeting)
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 5  # gave up on the broker, not on the person
    assert db.session.scalar(db.select(db.func.count(OutgoingMail.id))) == 1


def test_healthz_reports_the_tasks_without_waiting(database_url):
    embedded = make_app(database_url).test_client().get("/healthz")
    assert embedded.status_code == 200
    assert embedded.get_json()["tasks"] == "embedded"

    # A broker address where nothing answers: still 200 (pages work, mails wait),
    # and said within a fraction of a second.
    down = make_app(database_url, CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    answer = down.test_client().get("/healthz")
    assert time.monotonic() - started < 1.5
    assert answer.status_code == 200
    assert answer.get_json()["broker"] == "unreachable"


@pytest.fixture
def worker(tmp_path):
    """A real Celery worker on Redis database 13 and a SQLite file both sides share."""
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    broker = redis_url(13)
    app = make_app(database, CELERY_BROKER_URL=broker)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.session.remove()
    process = start_worker(
        environment(database, broker, tmp_path / "worker"), tmp_path / "worker.log", name="w13"
    )
    yield app, process
    process.stop()


def test_with_redis_a_worker_process_runs_the_task_and_healthz_sees_it(worker):
    from meeting_app.registration.models import Category, Participant

    app, process = worker
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    with app.app_context():
        meeting = Meeting(
            slug="over",
            title={"en": "Board"},
            city="Rabat",
            timezone="Africa/Casablanca",
            host_country_code="MA",
            start_date=today - timedelta(days=40),
            end_date=today - timedelta(days=39),
            default_language="en",
        )
        person = Participant(
            meeting=meeting,
            given_name="Amina",
            family_name="Diallo",
            badge_name="Amina Diallo",
            email="amina@example.org",
            category=Category.NATIONAL_GOVERNMENT,
            organisation="Ministry",
            passport_number="A7654321",
        )
        db.session.add_all([meeting, person])
        tasks.enqueue(privacy_tasks.purge)
        tasks.commit()
        person_id = person.id

        def purged() -> bool:
            db.session.rollback()  # read what the worker (another process) committed
            return db.session.get(Participant, person_id).passport_number == ""

        wait_for(purged, 30, "the worker purged the meeting past its retention")
        health = app.test_client().get("/healthz").get_json()
    assert "Task privacy.purge" in process.output()
    assert health["broker"] == "ok"
    assert health["worker"] == "ok"
    assert health["worker_seen_seconds_ago"] < tasks.WORKER_SEEN_EVERY + 5
    assert redis.Redis.from_url(app.config["CELERY_BROKER_URL"]).get(tasks.WORKER_SEEN)
