"""The desk at conference scale, on PostgreSQL.

    .venv/bin/python bench/desk.py      (or: make bench)

With 5,000 participants in one meeting: the latency of a check-in request (a
badge scanned: the JSON POST, in process, signed in as a host), of a second scan
the same day, of a search and of the arrivals board, with the SQL queries each
makes; then 200 people scanned at the same moment through gunicorn (2 workers of
4 threads, CSRF on as in production), each scan also retried with the same scan
id and read again by a second device: every person must be recorded exactly once.
BENCH_DATABASE_URL selects the server (default: a scratch database on the local
PostgreSQL, created and dropped here).
"""

import http.client
import json
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    COUNTRIES,
    count_queries,
    scratch_database,
    serve,
    session_cookie,
    timed,
)
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.models import Role  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.delegations.models import Delegation  # noqa: E402
from meeting_app.desk.models import CheckIn  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

PEOPLE = 5000
TIMED = 300  # check-ins timed in process (distinct people)
CONCURRENT = 200  # people scanned at once through gunicorn
TZ = "Europe/Zurich"
PASSWORD = "bench password 1"  # noqa: S105 (a scratch database's account)


def populate(app) -> list[str]:
    """The meeting (today and tomorrow where it is held) and its 5,000 people, nine
    in ten approved; returns the approved people's badge codes."""
    with app.app_context():
        upgrade()
        today = datetime.now(ZoneInfo(TZ)).date()
        meeting = Meeting(
            slug="conference",
            title={"en": "Global conference"},
            start_date=today,
            end_date=today + timedelta(days=1),
            city="Geneva",
            timezone=TZ,
            status=MeetingStatus.PUBLISHED,
        )
        db.session.add(meeting)
        delegations = [Delegation(meeting=meeting, country_code=c) for c in COUNTRIES]
        db.session.add_all(delegations)
        categories = list(Category)
        db.session.add_all(
            Participant(
                meeting=meeting,
                given_name=f"Given{i}",
                family_name=f"Family{i}",
                badge_name=f"Given{i} Family{i}",
                email=f"p{i}@example.org",
                organisation=f"Organisation {i % 300}",
                delegation=delegations[i % 11],
                category=categories[i % len(categories)],
                status=RegistrationStatus.CANCELLED if i % 10 == 9 else RegistrationStatus.APPROVED,
            )
            for i in range(PEOPLE)
        )
        create_user("host@example.org", PASSWORD, roles={meeting: Role.HOST})
        db.session.commit()
        analyze()
        return list(
            db.session.execute(
                db.select(Participant.badge_code)
                .filter_by(status=RegistrationStatus.APPROVED)
                .order_by(Participant.id)
            ).scalars()
        )


def analyze() -> None:
    """Fresh planner statistics, as autovacuum keeps them on a running server
    (without them PostgreSQL plans the arrivals board's join as for an empty table)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def in_process(app, codes: list[str]) -> None:
    client = app.test_client()
    client.post("/login", data={"email": "host@example.org", "password": PASSWORD})
    url = "/desk/meetings/conference/check-in"
    fresh = iter(codes)

    def scan(code=None):
        response = client.post(
            url,
            json={
                "code": f"https://desk.example/desk/badge/{code or next(fresh)}",
                "scan_id": uuid.uuid4().hex,
            },
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    assert scan()["outcome"] == "checked_in"
    print(f"{'desk, 5,000 participants (in process)':44} {'median':>8} {'p95':>8} queries")
    median, p95 = timed(scan, TIMED)
    queries = count_queries(app, scan)
    print(f"  {'check-in (badge scanned, JSON POST)':42} {median:6.1f}ms {p95:6.1f}ms {queries:4d}")
    median, p95 = timed(lambda: scan(codes[0]), 100)
    queries = count_queries(app, lambda: scan(codes[0]))
    print(f"  {'second scan the same day (already)':42} {median:6.1f}ms {p95:6.1f}ms {queries:4d}")
    with app.app_context():
        analyze()  # the check-ins just made
    for label, path in (
        ("search 'family123'", "/desk/meetings/conference/search?q=family123"),
        ("search 'équateur' (accents folded)", "/desk/meetings/conference/search?q=%C3%A9quateur"),
        ("arrivals board", "/desk/meetings/conference/arrivals"),
        ("arrivals CSV (5,000 rows)", "/desk/meetings/conference/arrivals.csv"),
    ):
        assert client.get(path).status_code == 200, path
        median, p95 = timed(lambda path=path: client.get(path), 20)
        queries = count_queries(app, lambda path=path: client.get(path))
        print(f"  {label:42} {median:6.1f}ms {p95:6.1f}ms {queries:4d}")


def concurrent(app, database_url: str, codes: list[str]) -> None:
    port = 5098
    server = serve(database_url, port, workers=2, threads=4)
    try:
        cookie, token = _sign_in(port)
        # People nobody scanned yet (the in-process part used the first ones).
        people = codes[-CONCURRENT:]
        ready = threading.Barrier(CONCURRENT)

        def door(code: str) -> list[str]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"Cookie": cookie, "X-CSRFToken": token, "Content-Type": "application/json"}
            scan_id = uuid.uuid4().hex
            bodies = [
                {"code": f"https://desk.example/desk/badge/{code}", "scan_id": scan_id},
                # The same scan again (the browser did not get the first answer) ...
                {"code": f"https://desk.example/desk/badge/{code}", "scan_id": scan_id},
                # ... and the same badge read by a second device.
                {"code": code, "scan_id": uuid.uuid4().hex},
            ]
            ready.wait()
            outcomes = []
            for body in bodies:
                connection.request(
                    "POST", "/desk/meetings/conference/check-in", json.dumps(body), headers
                )
                response = connection.getresponse()
                outcomes.append(json.loads(response.read())["outcome"])
            connection.close()
            return outcomes

        start = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENT) as pool:
            results = list(pool.map(door, people))
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=10)
    with app.app_context():
        recorded = db.session.execute(
            db.select(Participant.badge_code, sa.func.count(CheckIn.id))
            .join(CheckIn, CheckIn.participant_id == Participant.id)
            .filter(Participant.badge_code.in_(people), CheckIn.cancelled_at.is_(None))
            .group_by(Participant.badge_code)
        ).all()
        db.session.remove()
    once = sum(1 for _code, count in recorded if count == 1)
    first = sum(1 for r in results if r[0] == "checked_in" and r[1] == "checked_in")
    third = sum(1 for r in results if r[2] == "already")
    print(
        f"{CONCURRENT} people scanned at once, each scan retried and read by a 2nd device "
        f"({3 * CONCURRENT} requests, 2 gunicorn workers x 4 threads): {elapsed:.2f}s"
    )
    print(
        f"  recorded exactly once: {once}/{CONCURRENT} people, "
        f"{sum(c for _code, c in recorded)} check-in rows; retries answered as the first "
        f"scan: {first}/{CONCURRENT}; second device told 'already': {third}/{CONCURRENT}"
    )
    if once != CONCURRENT or len(recorded) != CONCURRENT:
        sys.exit("FAILED: some people were not recorded exactly once")


def _sign_in(port: int) -> tuple[str, str]:
    """A host's session cookie and CSRF token, through the login form."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = session_cookie(response)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"email": "host@example.org", "password": PASSWORD, "csrf_token": token}
    )
    connection.request(
        "POST",
        "/login",
        body,
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 302, response.status
    cookie = session_cookie(response)
    connection.request("GET", "/desk/meetings/conference/check-in", headers={"Cookie": cookie})
    response = connection.getresponse()
    page = response.read().decode()
    cookie = session_cookie(response) or cookie
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    connection.close()
    return cookie, token


def main() -> None:
    url, drop = scratch_database("desk")
    try:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        codes = populate(app)
        in_process(app, codes)
        concurrent(app, url, codes)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
