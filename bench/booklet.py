"""The programme booklet of 300 sessions, drawn ahead and served from the database.

    .venv/bin/python bench/booklet.py

A meeting with 300 sessions over five days, in French, English and Spanish, and
5,000 approved participants in 11 delegations, BENCH_BOOKLET_LISTED (default 500)
of whom agreed to be listed in the booklet. On a scratch PostgreSQL database
(BENCH_DATABASE_URL to use another), served by gunicorn (BENCH_BOOKLET_WORKERS
sync workers, default 2, on port BENCH_BOOKLET_PORT, default 5103):

- before: what each download cost with the booklet cached per process: the first
  request of each worker drew it (timed here: the first download of a booklet
  nobody has drawn), and every later one rebuilt the HTML to look it up (timed
  in-process, booklet_html);
- publication: the task documents.draw_booklets drawing the six booklets (three
  languages, A4 and Letter), as a worker does once the agenda is published;
- after: the downloads of kept booklets through gunicorn (BENCH_BOOKLET_REQUESTS
  each, default 100, alternating languages and papers), median and p95, and the
  SQL statements of one.
"""

import http.client
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from common import (  # noqa: E402
    COUNTRIES,
    count_queries,
    scratch_database,
    serve,
    timed,
)
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.agenda import services  # noqa: E402
from meeting_app.agenda.models import AgendaSession, Room, SessionKind  # noqa: E402
from meeting_app.delegations.models import Delegation  # noqa: E402
from meeting_app.documents import booklet  # noqa: E402
from meeting_app.documents.tasks import draw_booklets  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

ROOMS, SESSIONS, PEOPLE, DAYS = 40, 300, 5000, 5
LISTED = int(os.environ.get("BENCH_BOOKLET_LISTED", "500"))
PORT = int(os.environ.get("BENCH_BOOKLET_PORT", "5103"))
WORKERS = int(os.environ.get("BENCH_BOOKLET_WORKERS", "2"))
REQUESTS = int(os.environ.get("BENCH_BOOKLET_REQUESTS", "100"))
PATH = "/meetings/conference/agenda.pdf"
VARIANTS = [
    f"{PATH}?lang={lang}&paper={paper}" for lang in ("fr", "en", "es") for paper in ("a4", "letter")
]


def populate(app) -> None:
    with app.app_context():
        upgrade()
        first_day = date(2027, 5, 3)
        meeting = Meeting(
            slug="conference",
            title={"en": "Global conference", "fr": "Conférence mondiale"},
            start_date=first_day,
            end_date=first_day + timedelta(days=DAYS - 1),
            city="Geneva",
            venue="Palais des Nations",
            timezone="Europe/Zurich",
            status=MeetingStatus.PUBLISHED,
            languages=["fr", "en", "es"],
        )
        delegations = [Delegation(meeting=meeting, country_code=c) for c in COUNTRIES]
        rooms = [Room(meeting=meeting, name=f"Room {n:02d}", capacity=100) for n in range(ROOMS)]
        people = [
            Participant(
                meeting=meeting,
                delegation=delegations[i % len(delegations)],
                given_name=f"Given{i}",
                family_name=f"Family{i}",
                badge_name=f"Given{i}",
                email=f"p{i}@example.org",
                organisation=f"Organisation {i % 300}",
                category=Category.NATIONAL_GOVERNMENT,
                status=RegistrationStatus.APPROVED,
                consent_public_list=i < LISTED,
            )
            for i in range(PEOPLE)
        ]
        db.session.add_all([meeting, *delegations, *rooms, *people])
        db.session.flush()
        kinds = list(SessionKind)
        for n in range(SESSIONS):
            day, slot = divmod(n, SESSIONS // DAYS)
            start = datetime(2027, 5, 3 + day, 7, tzinfo=UTC) + timedelta(
                minutes=90 * (slot // ROOMS)
            )
            db.session.add(
                AgendaSession(
                    meeting=meeting,
                    kind=kinds[n % len(kinds)],
                    room=rooms[slot % ROOMS],
                    title={"en": f"Session {n}", "fr": f"Séance {n}", "es": f"Sesión {n}"},
                    starts_at=start,
                    ends_at=start + timedelta(minutes=75),
                )
            )
        db.session.flush()
        services.publish(meeting)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))  # as autovacuum would have by now
        db.session.commit()


def get(path: str) -> tuple[float, int, int]:
    """Milliseconds, status and size of one download through gunicorn."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    return elapsed, response.status, len(body)


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return samples[len(samples) // 2], samples[max(0, int(len(samples) * 0.95) - 1)]


def row(label: str, value: str) -> None:
    print(f"  {label:64} {value}")


def main() -> None:
    url, drop = scratch_database("booklet")
    server = None
    try:
        # The benchmark's own app: no drawing ahead, so that "before" finds nothing kept.
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "BOOKLETS_AHEAD": False})
        populate(app)
        load = Path("/proc/loadavg").read_text().split()[0]
        print(
            f"Programme booklet: {SESSIONS} sessions, {PEOPLE:,} participants, {LISTED:,} "
            f"listed; gunicorn, {WORKERS} sync workers; load average {load}"
        )
        server = serve(url, PORT, workers=WORKERS, BOOKLETS_AHEAD="false")

        # Before: a booklet nobody has drawn, as each worker's first request was.
        cold, status, size = get(VARIANTS[0])
        assert status == 200, status
        with app.app_context(), app.test_request_context():
            meeting_id = db.session.execute(
                db.select(Meeting.id).filter_by(slug="conference")
            ).scalar_one()

            def rebuilt_html() -> None:  # in a fresh session, as each request was
                db.session.remove()
                meeting = db.session.get(Meeting, meeting_id)
                booklet.booklet_html(meeting, language="en", paper="a4")

            html_median, html_p95 = timed(rebuilt_html, 10)
        row("before: first download per worker (drawn then)", f"{cold:.0f} ms, {size >> 10} KiB")
        row(
            "before: later ones rebuilt the HTML (cache key)",
            f"{html_median:.1f} ms median, {html_p95:.1f} ms p95, + the response",
        )

        # Publication: the task a worker runs once the agenda is published.
        with app.app_context():
            start = time.perf_counter()
            drawn = draw_booklets.apply((meeting_id,)).get()
            took = (time.perf_counter() - start) * 1000
        row(
            f"publication: the task draws the {drawn} others (fr/en/es, A4/Letter)",
            f"{took:.0f} ms, {took / max(drawn, 1):.0f} ms each",
        )

        # After: every variant kept; downloads through gunicorn.
        samples = []
        for n in range(REQUESTS):
            elapsed, status, _size = get(VARIANTS[n % len(VARIANTS)])
            assert status == 200, status
            samples.append(elapsed)
        median, p95 = percentiles(samples)
        client = app.test_client()
        queries = count_queries(app, lambda: client.get(VARIANTS[1]))
        row(
            f"after: download of a kept booklet ({REQUESTS}x)",
            f"{median:.1f} ms median, {p95:.1f} ms p95, {queries} SQL statements",
        )
        row("first download / kept one's median", f"{cold / median:.0f}x")
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        drop()


if __name__ == "__main__":
    main()
