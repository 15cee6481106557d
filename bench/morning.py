"""The morning of the meeting, as in production: gunicorn, several workers, PostgreSQL.

    .venv/bin/python bench/morning.py      (or: make bench)

500 people register, 200 are checked in at the door (the desk's JSON scans) and
organisers page through the registration lists, all at once from CLIENTS
concurrent clients, against 4 sync gunicorn workers (as in the README's
deployment, CSRF on). Every answer must be the expected one; afterwards the
database must hold each new registration once, each check-in once, and seat
counters that match the rows. Prints the latency percentiles of each kind.

The morning is run for each size of MORNING_SIZES (default "2000,50000":
registrations already there), one after the other in one run, each on a scratch
database of its own on the local PostgreSQL (created and dropped here; or
BENCH_DATABASE_URL's, for one size), and the p95 of each kind printed side by
side with their ratio. BENCH_PORT sets the port the workers listen on.

The short form of this run is tests/resilience/test_morning_load.py, which uses
the functions below.
"""

import http.client
import json
import os
import random
import re
import sys
import time
import urllib.parse
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import scratch_database, serve, session_cookie  # noqa: E402

REGISTRATIONS = 500
CHECK_INS = 200
LIST_PAGES = 200
# Registrations already there (the lists have pages), a run for each.
SIZES = [int(n) for n in os.environ.get("MORNING_SIZES", "2000,50000").split(",")]
PORT = int(os.environ.get("BENCH_PORT", "5097"))
CLIENTS = 24
WORKERS = 4
TZ = "Europe/Zurich"
PASSWORD = "bench password 1"  # noqa: S105 (a scratch database's accounts)
ORGANISER, HOST = "organiser@example.org", "host@example.org"


@dataclass
class Sample:
    kind: str
    ok: bool
    ms: float
    answer: str  # what came back, for the report of failures


class Site:
    """The app at base_url, seen by one kind of visitor (a session cookie and the
    CSRF token that goes with it). One fresh connection per request: sync workers
    close theirs after each answer, and no connection is reused after a close."""

    def __init__(self, base_url: str):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookie = ""
        self.csrf = ""

    def request(self, method, path, body=None, headers=None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body, {"Cookie": self.cookie, **(headers or {})})
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            cookie = session_cookie(response, "")
            return response.status, {**dict(response.headers), "_cookie": cookie}, text
        finally:
            connection.close()

    def open_form(self, path: str) -> None:
        """The session and CSRF token a browser gets with a form."""
        _status, headers, page = self.request("GET", path)
        self.cookie = headers["_cookie"] or self.cookie
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        self.csrf = token.group(1) if token else ""

    def sign_in(self, email: str, password: str) -> None:
        self.open_form("/login")
        body = urllib.parse.urlencode(
            {"email": email, "password": password, "csrf_token": self.csrf}
        )
        status, headers, _page = self.request("POST", "/login", body, FORM_HEADERS)
        if status != 302:
            raise RuntimeError(f"{email} could not sign in ({status})")
        self.cookie = headers["_cookie"]

    def desk_token(self, slug: str) -> None:
        """The token the check-in page gives its script (sent as X-CSRFToken)."""
        _status, headers, page = self.request("GET", f"/desk/meetings/{slug}/check-in")
        self.cookie = headers["_cookie"] or self.cookie  # the token is kept in the session
        token = re.search(r'data-csrf="([^"]*)"', page)
        self.csrf = token.group(1) if token else ""


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def morning(
    base_url: str,
    slug: str,
    *,
    registrations: int,
    badge_codes: list[str],
    list_pages: int,
    clients: int,
    password: str = PASSWORD,
) -> tuple[list[Sample], float]:
    """Runs the morning against the app at base_url: `registrations` new people
    (e-mails morning0@..., morning1@...), a scan of each badge code, and
    `list_pages` organiser list pages, interleaved, from `clients` threads.
    Returns every request's sample and the elapsed seconds."""
    visitor, host, organiser = Site(base_url), Site(base_url), Site(base_url)
    visitor.open_form(f"/meetings/{slug}/register")
    host.sign_in(HOST, password)
    host.desk_token(slug)
    organiser.sign_in(ORGANISER, password)

    def register(n: int) -> Sample:
        body = urllib.parse.urlencode(
            {
                "csrf_token": visitor.csrf,
                "given_name": "Ndèye",
                "family_name": f"Morning {n}",
                "email": f"morning{n}@example.org",
                "organisation": "Ministère des Affaires étrangères",
                "category": "national_government",
                "delegation_id": "other",
                "preferred_language": "fr",
                "acknowledge_data_use": "y",
            }
        )
        return timed(
            "registration",
            lambda: visitor.request("POST", f"/meetings/{slug}/register", body, FORM_HEADERS),
            lambda status, headers, _page: (
                status == 302 and headers.get("Location", "").endswith("/register/thanks")
            ),
        )

    def check_in(code: str) -> Sample:
        body = json.dumps({"code": f"{base_url}/desk/badge/{code}", "scan_id": uuid.uuid4().hex})
        headers = {"Content-Type": "application/json", "X-CSRFToken": host.csrf}
        return timed(
            "check-in",
            lambda: host.request("POST", f"/desk/meetings/{slug}/check-in", body, headers),
            lambda status, _headers, page: (
                status == 200 and json.loads(page)["outcome"] == "checked_in"
            ),
        )

    def list_page(n: int) -> Sample:
        # Organisers page through the list, now and then filtered or searched.
        query = (f"?page={n % 10 + 1}", "?status=approved&page=2", "?q=morning", "?q=family1")[
            n % 4
        ]
        path = f"/manage/meetings/{slug}/registrations/{query}"
        return timed(
            "list page",
            lambda: organiser.request("GET", path),
            lambda status, _headers, _page: status == 200,
        )

    tasks = (
        [(register, n) for n in range(registrations)]
        + [(check_in, code) for code in badge_codes]
        + [(list_page, n) for n in range(list_pages)]
    )
    random.Random(9).shuffle(tasks)  # noqa: S311 (an order, not a secret)
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        samples = list(pool.map(lambda task: task[0](task[1]), tasks))
    return samples, time.perf_counter() - start


def timed(kind: str, send, expected) -> Sample:
    start = time.perf_counter()
    try:
        status, headers, page = send()
        ok = expected(status, headers, page)
        answer = f"{status} {headers.get('Location', '')} {page[:200]}"
    except (OSError, ValueError, KeyError) as error:  # no answer, or not the JSON expected
        ok, answer = False, repr(error)
    return Sample(kind, ok, (time.perf_counter() - start) * 1000, answer)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of values (not empty)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def report(samples: list[Sample], elapsed: float) -> str:
    by_kind = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    lines = [
        f"{len(samples)} requests in {elapsed:.1f} s ({len(samples) / elapsed:.0f}/s)",
        f"  {'kind':14} {'count':>6} {'errors':>6} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}",
    ]
    for kind, group in by_kind.items():
        times = [s.ms for s in group]
        errors = sum(not s.ok for s in group)
        figures = " ".join(
            f"{value:7.0f}ms"
            for value in (*(percentile(times, f) for f in (0.5, 0.95, 0.99)), max(times))
        )
        lines.append(f"  {kind:14} {len(group):6d} {errors:6d} {figures}")
    return "\n".join(lines)


def failures(samples: list[Sample]) -> list[str]:
    return [f"{s.kind}: {s.answer}" for s in samples if not s.ok]


# --- The long form: a scratch PostgreSQL database and 4 gunicorn workers ------------


def populate(app, existing: int) -> list[str]:
    """The meeting (today and tomorrow where it is held, registration open), its
    `existing` registrations and the staff accounts; returns the badge codes of the
    CHECK_INS approved people who arrive this morning."""
    from flask_migrate import upgrade

    from meeting_app.accounts.models import Role
    from meeting_app.accounts.services import create_user
    from meeting_app.delegations.models import Delegation
    from meeting_app.extensions import db
    from meeting_app.meetings.models import Meeting, MeetingStatus
    from meeting_app.registration import seats
    from meeting_app.registration.models import Category, Participant, RegistrationStatus

    with app.app_context():
        upgrade()
        today = datetime.now(ZoneInfo(TZ)).date()
        now = datetime.now(UTC)
        meeting = Meeting(
            slug="morning",
            title={"en": "Programme Board"},
            start_date=today,
            end_date=today + timedelta(days=1),
            city="Geneva",
            timezone=TZ,
            status=MeetingStatus.PUBLISHED,
            requires_approval=False,
            registration_opens_at=now - timedelta(days=30),
            registration_closes_at=now + timedelta(days=1),
        )
        delegations = [Delegation(meeting=meeting, country_code=c) for c in ("SN", "MA", "EC")]
        categories = list(Category)
        db.session.add_all([meeting, *delegations])
        db.session.add_all(
            Participant(
                meeting=meeting,
                given_name=f"Given{i}",
                family_name=f"Family{i}",
                badge_name=f"Given{i} Family{i}",
                email=f"p{i}@example.org",
                organisation=f"Organisation {i % 300}",
                delegation=delegations[i % 3],
                category=categories[i % len(categories)],
                status=RegistrationStatus.APPROVED,
            )
            for i in range(existing)
        )
        seats.recount(meeting)
        create_user(ORGANISER, PASSWORD, roles={meeting: Role.ORGANISER})
        create_user(HOST, PASSWORD, roles={meeting: Role.HOST})
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # Vacuumed now, not by autovacuum in the middle of the measured morning
            # (50,000 new rows call for it), and the search index's pending entries
            # merged in.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
                c.exec_driver_sql("CHECKPOINT")
        codes = db.session.execute(
            db.select(Participant.badge_code).order_by(Participant.id).limit(CHECK_INS)
        ).scalars()
        return list(codes)


def database_check(app, slug: str, registrations: int, badge_codes: list[str]) -> list[str]:
    """What must hold afterwards: nobody lost or counted twice. Returns the problems."""
    from meeting_app.desk.models import CheckIn
    from meeting_app.extensions import db
    from meeting_app.meetings.models import Meeting
    from meeting_app.registration.models import SEAT_HOLDING, Participant

    problems = []
    with app.app_context():
        meeting = db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one()
        new = db.session.execute(
            db.select(Participant.email, sa.func.count())
            .filter(Participant.meeting_id == meeting.id, Participant.email.like("morning%"))
            .group_by(Participant.email)
        ).all()
        if len(new) != registrations or any(count != 1 for _email, count in new):
            problems.append(f"{len(new)} new registrations stored, {registrations} expected")
        checked = db.session.execute(
            db.select(Participant.badge_code, sa.func.count(CheckIn.id))
            .join(CheckIn, CheckIn.participant_id == Participant.id)
            .filter(Participant.meeting_id == meeting.id, CheckIn.cancelled_at.is_(None))
            .group_by(Participant.badge_code)
        ).all()
        if sorted(code for code, count in checked if count == 1) != sorted(badge_codes) or len(
            checked
        ) != len(badge_codes):
            problems.append(f"{len(checked)} people checked in, {len(badge_codes)} expected once")
        holders = db.session.scalar(
            db.select(sa.func.count(Participant.id)).filter(
                Participant.meeting_id == meeting.id, Participant.status.in_(SEAT_HOLDING)
            )
        )
        if meeting.seats_taken != holders:
            problems.append(f"seat counter {meeting.seats_taken}, {holders} seat holders")
        db.session.remove()
    return problems


def run(existing: int) -> dict[str, float]:
    """One morning with `existing` registrations in place: prints its report and
    returns the p95 of each kind; exits on any error or anything lost."""
    from meeting_app import create_app
    from meeting_app.extensions import db

    url, drop = scratch_database(f"morning_{existing}")
    try:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        codes = populate(app, existing)
        server = serve(url, PORT, workers=WORKERS)
        try:
            samples, elapsed = morning(
                f"http://127.0.0.1:{PORT}",
                "morning",
                registrations=REGISTRATIONS,
                badge_codes=codes,
                list_pages=LIST_PAGES,
                clients=CLIENTS,
            )
        finally:
            server.terminate()
            server.wait(timeout=15)
        print(
            f"meeting morning: {REGISTRATIONS} registrations, {len(codes)} check-ins, "
            f"{LIST_PAGES} organiser list pages ({existing:,} registrations before), "
            f"{CLIENTS} clients, {WORKERS} sync gunicorn workers, PostgreSQL"
        )
        print(report(samples, elapsed))
        problems = failures(samples)[:10] + database_check(app, "morning", REGISTRATIONS, codes)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if problems:
            sys.exit("FAILED:\n  " + "\n  ".join(problems))
        print("  no error answers; every registration and check-in stored exactly once")
        by_kind = defaultdict(list)
        for sample in samples:
            by_kind[sample.kind].append(sample.ms)
        return {kind: percentile(times, 0.95) for kind, times in by_kind.items()}
    finally:
        drop()


def main() -> None:
    with open("/proc/loadavg") as loadavg:
        print(f"load average before: {loadavg.read().split()[0]}")
    p95 = {size: run(size) for size in SIZES}
    if len(SIZES) > 1:
        first, last = SIZES[0], SIZES[-1]
        print(f"p95 side by side: {first:,} -> {last:,} registrations in place")
        for kind in p95[first]:
            ratio = p95[last][kind] / p95[first][kind]
            print(f"  {kind:14} {p95[first][kind]:7.0f}ms {p95[last][kind]:7.0f}ms  {ratio:.2f}x")


if __name__ == "__main__":
    main()
