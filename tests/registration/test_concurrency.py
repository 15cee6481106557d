"""No overbooking, ever, under concurrent requests: many people register at the
same moment for the last seats, through several gunicorn worker processes (each
with several threads) against the real database; exactly as many get a seat as
there were seats, the others are on the waiting list, and nobody is lost."""

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

import config
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.registration import seats
from meeting_app.registration.models import SEAT_HOLDING, Participant, RegistrationStatus
from tests.conftest import free_port

WORKERS = 3
THREADS = 4
CLIENTS = 50


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The answer to the POST itself (302 to the thanks page) is what we check."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _request(url: str, data: dict | None = None, timeout: float = 30) -> tuple[int, str]:
    """(status, Location) of one request; every response is closed."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)  # noqa: S310 (our own http:// server)
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read()
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
        with error:
            error.read()
            return error.code, error.headers.get("Location", "")


@pytest.fixture(scope="module")
def gunicorn(app, database_url, tmp_path_factory):
    """The app under gunicorn, as in production: WORKERS processes of THREADS threads,
    on the tests' database (migrated by the `app` fixture). Yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "APP_CONFIG": "testing",
        "TEST_DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "false",
    }
    for name in ("DATABASE_URL", "MAIL_SERVER"):  # mails are kept in the outbox
        env.pop(name, None)
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(WORKERS),
                "--threads",
                str(THREADS),
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=config.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(process, base_url, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(process, base_url: str, log_path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log_path.read_text()}")
        try:
            if _request(f"{base_url}/healthz", timeout=2)[0] == 200:
                return
        except OSError:  # not listening yet
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer /healthz within {timeout} s:\n{log_path.read_text()}")


def _open_meeting(make_meeting, **values) -> Meeting:
    now = datetime.now(UTC)
    return make_meeting(
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
        status=MeetingStatus.PUBLISHED,
        **values,
    )


def _fill(meeting, make_participant, count: int, delegation=None) -> None:
    """`count` people already holding a seat, and the counters recounted from them."""
    for _ in range(count):
        make_participant(meeting, delegation=delegation, status=RegistrationStatus.APPROVED)
    seats.recount(meeting)
    db.session.commit()


# What each person types in the form; the e-mail address differs from one to the next.
FORM = {
    "honorific": "",
    "given_name": "Ndèye",
    "badge_name": "",
    "phone": "",
    "organisation": "Ministère des Affaires étrangères",
    "position": "",
    "category": "national_government",
    "preferred_language": "en",
    "dietary_needs": "",
    "accessibility_needs": "",
    "acknowledge_data_use": "y",
}


def _register_all_at_once(
    base_url: str, slug: str, count: int, delegation_id: str = "other"
) -> list[tuple[int, str]]:
    """`count` different people post the registration form together (CLIENTS at a
    time, all released by one barrier); returns each (status, Location)."""
    url = f"{base_url}/meetings/{slug}/register"
    barrier = threading.Barrier(CLIENTS, timeout=30)

    def post(n: int) -> tuple[int, str]:
        person = {"family_name": f"Đorđević {n}", "email": f"rush{n}@example.org"}
        return _request(url, {**FORM, **person, "delegation_id": delegation_id})

    # Each of the CLIENTS threads waits at the barrier before taking its first request.
    with ThreadPoolExecutor(max_workers=CLIENTS, initializer=barrier.wait) as executor:
        return list(executor.map(post, range(count)))


def _assert_all_answered(responses: list[tuple[int, str]], slug: str) -> None:
    statuses = sorted({status for status, _ in responses})
    assert set(statuses) <= {200, 302, 303}, statuses
    redirects = [location for status, location in responses if status in (302, 303)]
    assert all(location.endswith(f"/meetings/{slug}/register/thanks") for location in redirects)


def _new_registrations(meeting: Meeting) -> list[Participant]:
    return (
        db.session.execute(
            db.select(Participant).filter(
                Participant.meeting_id == meeting.id, Participant.email.startswith("rush")
            )
        )
        .scalars()
        .all()
    )


def _seat_holders(meeting: Meeting, **filters) -> int:
    return db.session.scalar(
        db.select(db.func.count(Participant.id))
        .filter_by(meeting_id=meeting.id, **filters)
        .filter(Participant.status.in_(SEAT_HOLDING))
    )


@pytest.mark.parametrize("requires_approval", [True, False], ids=["approval", "no-approval"])
def test_200_people_at_once_for_the_last_10_seats(
    gunicorn, make_meeting, make_participant, requires_approval
):
    meeting = _open_meeting(make_meeting, capacity=30, requires_approval=requires_approval)
    _fill(meeting, make_participant, 20)
    assert meeting.seats_taken == 20
    slug, capacity = meeting.slug, meeting.capacity

    responses = _register_all_at_once(gunicorn, slug, 200)

    _assert_all_answered(responses, slug)
    db.session.expire_all()
    new = _new_registrations(meeting)
    assert len(new) == 200  # nobody lost
    seated = RegistrationStatus.SUBMITTED if requires_approval else RegistrationStatus.APPROVED
    assert Counter(p.status for p in new) == {seated: 10, RegistrationStatus.WAITLISTED: 190}
    assert meeting.seats_taken == capacity
    assert _seat_holders(meeting) == capacity


@pytest.mark.parametrize(
    ("size_limit", "in_delegation", "capacity", "in_meeting", "expected_seated"),
    [
        pytest.param(8, 5, 200, 5, 3, id="delegation-is-the-limit"),
        # The meeting fills first: a delegation seat taken for a meeting seat that
        # is not there must be given back, or the delegation looks fuller than it is.
        pytest.param(40, 5, 8, 5, 3, id="meeting-is-the-limit"),
    ],
)
def test_a_delegation_is_never_overbooked(
    gunicorn,
    make_meeting,
    make_participant,
    size_limit,
    in_delegation,
    capacity,
    in_meeting,
    expected_seated,
):
    meeting = _open_meeting(make_meeting, capacity=capacity, requires_approval=False)
    delegation = Delegation(meeting=meeting, country_code="SN", size_limit=size_limit)
    db.session.add(delegation)
    db.session.commit()
    _fill(meeting, make_participant, in_delegation, delegation=delegation)
    _fill(meeting, make_participant, in_meeting - in_delegation)
    slug, delegation_id = meeting.slug, delegation.id

    responses = _register_all_at_once(gunicorn, slug, 60, delegation_id=str(delegation_id))

    _assert_all_answered(responses, slug)
    db.session.expire_all()
    new = _new_registrations(meeting)
    assert len(new) == 60
    assert all(p.delegation_id == delegation_id for p in new)
    statuses = [p.status for p in new]
    assert statuses.count(RegistrationStatus.APPROVED) == expected_seated
    assert statuses.count(RegistrationStatus.WAITLISTED) == 60 - expected_seated
    assert delegation.seats_taken == in_delegation + expected_seated
    assert delegation.seats_taken == _seat_holders(meeting, delegation_id=delegation_id)
    assert meeting.seats_taken == in_meeting + expected_seated
    assert meeting.seats_taken == _seat_holders(meeting)
