"""Registration at conference scale, on PostgreSQL.

    .venv/bin/python bench/registration.py      (or: make bench)

With 5,000 registrations in one meeting: the organisers' list page (paginated,
filtered) and the number of SQL queries it makes, the CSV/XLSX exports of all
5,000, and the registration POST throughput through 2 gunicorn workers.
BENCH_DATABASE_URL selects the server (default: a scratch database on the
local PostgreSQL, created and dropped here).
"""

import http.client
import os
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    count_queries,
    open_conference,
    registration_fields,
    scratch_database,
    serve,
    timed,
)
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.registration import seats  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

POSTS = 2000
CLIENTS = 16


def populate(app) -> None:
    with app.app_context():
        upgrade()
        meeting, delegations = open_conference(
            "conference", {"en": "Global conference"}, requires_approval=True
        )
        categories, statuses = list(Category), list(RegistrationStatus)
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
                status=statuses[i % 5],
            )
            for i in range(5000)
        )
        seats.recount(meeting)
        create_user("bench@example.org", "bench password 1", is_admin=True)
        db.session.commit()


def organiser_pages(app) -> None:
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": "bench password 1"})
    base = "/manage/meetings/conference/registrations/"
    print(f"{'organisers list (5,000 registrations)':44} {'median':>8} {'p95':>8} queries")
    for label, query in (
        ("page 1", ""),
        ("page 40", "?page=40"),
        ("filter status=approved", "?status=approved"),
        ("filter delegation + category", "?delegation=3&category=donor"),
        ("search 'family12'", "?q=family12"),
    ):
        path = base + query
        assert client.get(path).status_code == 200, path
        median, p95 = timed(lambda path=path: client.get(path), 30)
        queries = count_queries(app, lambda path=path: client.get(path))
        print(f"  {label:42} {median:6.1f}ms {p95:6.1f}ms {queries:4d}")
    for fmt in ("csv", "xlsx"):
        path = f"{base}export.{fmt}"
        median, p95 = timed(lambda path=path: client.get(path), 3)
        size = len(client.get(path).get_data())
        print(
            f"  export of all 5,000 as {fmt:17} {median:8.0f}ms (p95 {p95:.0f}ms, "
            f"{size / 1024:.0f} KiB)"
        )


def post_throughput(database_url: str) -> None:
    port = 5099
    server = serve(database_url, port, workers=2)
    try:
        ready = threading.Barrier(CLIENTS + 1)

        def client_session(worker: int) -> int:
            # One kept-alive connection per client, as a browser would, so that what is
            # measured is the app and not TCP set-up; redirects are not followed (the
            # POST is measured, not the "check your e-mail" page after it).
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/meetings/conference/register")
            response = connection.getresponse()
            page = response.read().decode()
            cookie = next(
                c.split(";", 1)[0]
                for c in response.headers.get_all("Set-Cookie")
                if c.startswith("session=")
            )
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
            ready.wait()  # every client has its form: the measured part starts together
            done = 0
            for i in range(worker, POSTS, CLIENTS):
                data = urllib.parse.urlencode(registration_fields(token, i))
                connection.request("POST", "/meetings/conference/register", data, headers)
                response = connection.getresponse()
                response.read()
                done += response.status == 302
            connection.close()
            return done

        app_processes = [server.pid, *_children(server.pid)]
        with ThreadPoolExecutor(CLIENTS) as pool:
            sessions = [pool.submit(client_session, n) for n in range(CLIENTS)]
            ready.wait()
            start, client_cpu = time.perf_counter(), time.process_time()
            postgres_cpu, app_cpu = _postgres_cpu_seconds(), _cpu_seconds(app_processes)
            done = sum(session.result() for session in sessions)
        elapsed = time.perf_counter() - start
        client_cpu = time.process_time() - client_cpu
        postgres_cpu = _postgres_cpu_seconds() - postgres_cpu
        app_cpu = _cpu_seconds(app_processes) - app_cpu
        print(
            f"registration POSTs, 2 sync gunicorn workers, {CLIENTS} clients: {done} in "
            f"{elapsed:.2f}s = {done / elapsed:.0f} registrations/s"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"  CPU per registration: app {app_cpu / done * 1000:.1f} ms, "
        f"PostgreSQL {postgres_cpu / done * 1000:.1f} ms, "
        f"load-generating client {client_cpu / done * 1000:.1f} ms"
    )


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return children


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            values = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(values[11]) + int(values[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def _postgres_cpu_seconds() -> float:
    """CPU time of all PostgreSQL processes on this machine (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            if "(postgres" not in stat.read_text().split(")", 1)[0]:
                continue
            values = fields[1].split()
            total += int(values[11]) + int(values[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def main() -> None:
    url, drop = scratch_database("registration")
    try:
        app = create_app(
            "testing", {"SQLALCHEMY_DATABASE_URI": url, "LOGIN_RATE_LIMIT": "1000 per minute"}
        )
        populate(app)
        organiser_pages(app)
        post_throughput(url)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
