"""What the benchmarks share: timing a request, counting its SQL statements, a
scratch PostgreSQL database, gunicorn serving it, and the session cookie of a
sign-in."""

import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
COUNTRIES = ("BD", "EC", "JM", "KG", "MD", "MA", "NP", "PH", "SN", "RS", "TN")


def open_conference(slug: str, title: dict, *, requires_approval: bool):
    """A published five-day meeting open for registration, with room for 100,000 and
    the delegations of COUNTRIES (added to the session; returns both)."""
    from datetime import UTC, date, datetime, timedelta

    from meeting_app.delegations.models import Delegation
    from meeting_app.extensions import db
    from meeting_app.meetings.models import Meeting, MeetingStatus

    now = datetime.now(UTC)
    meeting = Meeting(
        slug=slug,
        title=title,
        start_date=date.today() + timedelta(days=90),
        end_date=date.today() + timedelta(days=94),
        city="Geneva",
        timezone="Europe/Zurich",
        status=MeetingStatus.PUBLISHED,
        capacity=100_000,
        requires_approval=requires_approval,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=60),
    )
    delegations = [Delegation(meeting=meeting, country_code=c) for c in COUNTRIES]
    db.session.add(meeting)
    db.session.add_all(delegations)
    return meeting, delegations


def timed(function, repeat: int = 50) -> tuple[float, float]:
    """Median and 95th percentile of `repeat` calls, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def count_queries(app, send) -> int:
    """How many SQL statements `send()` makes through the app's engine."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    statements = []

    def listener(*_args):
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        send()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def app_environment(database_url: str, **settings) -> dict:
    """The environment of the app's processes on `database_url`: the development
    configuration, mail kept in the outbox unless `settings` say otherwise."""
    return {
        **os.environ,
        "APP_CONFIG": "development",
        "DATABASE_URL": database_url,
        # One address sends everything here; the per-address limits would stop it.
        "RATELIMIT_ENABLED": "false",
        "MAIL_SERVER": "",  # the e-mails are kept in the outbox
        "BADGES_AHEAD": "false",
        **{key: str(value) for key, value in settings.items()},
    }


def serve(
    database_url: str,
    port: int,
    *,
    workers: int,
    threads: int = 1,
    root: Path = ROOT,
    **settings,
) -> subprocess.Popen:
    """gunicorn serving the app on `database_url` as in production (sync workers,
    --preload), once its /healthz answers; `settings` go to its environment (such
    as CELERY_BROKER_URL, MAIL_SERVER). `root`: the checkout whose app it serves
    (another one: an earlier commit's, see forms.py). The caller terminates it."""
    env = app_environment(database_url, **settings)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads)]
        + ["--preload", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=root,
        env=env,
    )
    deadline = time.time() + 30
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            if time.time() > deadline:
                server.terminate()
                raise
            time.sleep(0.2)


def scratch_database(label: str) -> tuple[str, callable]:
    """A new PostgreSQL database (or BENCH_DATABASE_URL's) and how to drop it."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"], lambda: None
    name = f"meeting_bench_{label}_{os.getpid()}"
    admin = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")

    def drop():
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()

    return f"{SERVER}/{name}", drop


def session_cookie(response, default=None):
    """The `session=...` pair an http.client response sets, for the next request."""
    return next(
        (
            c.split(";", 1)[0]
            for c in response.headers.get_all("Set-Cookie") or []
            if c.startswith("session=")
        ),
        default,
    )


def celery_worker(
    database_url: str, log: Path, *, name: str, concurrency: int = 1, **settings
) -> subprocess.Popen:
    """`make worker` on `database_url` (settings: CELERY_BROKER_URL, MAIL_*), once
    it says it is ready; its output goes to `log`. The caller terminates it."""
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "wsgi.celery_app", "worker"]
            + ["--loglevel=INFO", f"--concurrency={concurrency}", f"--hostname={name}@%h"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT,
            env=app_environment(database_url, **settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.time() + 60
    while "ready." not in log.read_text(errors="replace"):
        if worker.poll() is not None or time.time() > deadline:
            worker.terminate()
            raise RuntimeError(f"the worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    return worker


def children(pid: int) -> list[int]:
    """The direct children of process `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def rss_mib(pid: int) -> float:
    """Resident memory of process `pid` and its children, in MiB (0 once gone)."""
    total = 0
    for each in (pid, *children(pid)):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def registration_fields(token: str, n: int) -> dict:
    """The registration form as a person fills it in (the n-th of a benchmark)."""
    return {
        "csrf_token": token,
        "given_name": "Bench",
        "family_name": f"Person {n}",
        "email": f"bench{n}@example.org",
        "organisation": "Bench",
        "category": "donor",
        "delegation_id": "other",
        "preferred_language": "en",
        "acknowledge_data_use": "y",
    }
