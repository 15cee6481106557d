"""Page and demo timings on a throw-away SQLite database (or BENCH_DATABASE_URL).

    .venv/bin/python bench/pages.py        (or: make bench)

Loads the demo, adds a 5,000-participant conference with 300 sessions, and prints
the median and 95th percentile of the pages a visitor, an organiser and a host
open first.
"""

import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.agenda.models import AgendaSession, SessionKind  # noqa: E402
from meeting_app.demo.loader import load_demo  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

REPEAT = 50


def add_conference() -> None:
    meeting = Meeting(
        slug="big-conference",
        title={"en": "Global conference"},
        start_date=date(2027, 5, 3),
        end_date=date(2027, 5, 7),
        city="Geneva",
        timezone="Europe/Zurich",
        status=MeetingStatus.PUBLISHED,
        capacity=5000,
    )
    db.session.add(meeting)
    categories = list(Category)
    statuses = list(RegistrationStatus)
    db.session.add_all(
        Participant(
            meeting=meeting,
            given_name=f"Given{i}",
            family_name=f"Family{i}",
            badge_name=f"Given{i} Family{i}",
            email=f"p{i}@example.org",
            category=categories[i % len(categories)],
            status=statuses[i % 5],
        )
        for i in range(5000)
    )
    start = datetime(2027, 5, 3, 7, tzinfo=UTC)
    db.session.add_all(
        AgendaSession(
            meeting=meeting,
            kind=SessionKind.PANEL,
            title={"en": f"Session {i}"},
            starts_at=start + timedelta(minutes=30 * i),
            ends_at=start + timedelta(minutes=30 * i + 25),
        )
        for i in range(300)
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "PASSWORD_HASH_METHOD": "scrypt",
                "LOGIN_RATE_LIMIT": "1000 per minute",
            },
        )
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            load_demo()
            db.session.commit()
            print(
                f"demo load (first time)           {(time.perf_counter() - start) * 1000:8.1f} ms"
            )
            start = time.perf_counter()
            load_demo()
            db.session.commit()
            print(
                f"demo load (again, no change)     {(time.perf_counter() - start) * 1000:8.1f} ms"
            )
            add_conference()
            create_user("bench@example.org", "bench password 1", is_admin=True)
            db.session.commit()
            db.session.remove()

        client = app.test_client()
        pages = {
            "home /": "/",
            "meeting page (demo)": "/meetings/rabat-2022/",
            "meeting page (5,000 people)": "/meetings/big-conference/",
            "health check": "/healthz",
        }
        print(f"{'page':32} {'median':>8} {'p95':>8}   ({REPEAT} requests each)")
        for label, path in pages.items():
            assert client.get(path).status_code == 200, path
            median, p95 = timed(lambda path=path: client.get(path))
            print(f"{label:32} {median:6.1f}ms {p95:6.1f}ms")

        def sign_in_and_out():
            response = client.post(
                "/login", data={"email": "bench@example.org", "password": "bench password 1"}
            )
            assert response.headers["Location"] == "/manage/"
            client.post("/logout")

        median, p95 = timed(sign_in_and_out, repeat=10)
        print(f"{'sign-in + sign-out (scrypt)':32} {median:6.1f}ms {p95:6.1f}ms   (10 times)")
        client.post("/login", data={"email": "bench@example.org", "password": "bench password 1"})
        for label, path in {"back office overview": "/manage/", "desk overview": "/desk/"}.items():
            assert client.get(path).status_code == 200, path
            median, p95 = timed(lambda path=path: client.get(path))
            print(f"{label:32} {median:6.1f}ms {p95:6.1f}ms")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
