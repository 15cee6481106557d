"""A meeting's documents at conference scale, on PostgreSQL.

    .venv/bin/python bench/materials.py      (or: make bench)

Two meetings of 300 sessions each (published), one with 100 documents and one
with 1,000 (two thirds public, the rest for participants or staff; most attached
to a session; one file in one, two or three languages): the public documents
page, the meeting page, the public agenda and a session page that list them, an
approved participant's documents page and the organisers' list, with the time
of each (the public documents page should take under 50 ms) and the number of
SQL queries for 100 and for 1,000 documents side by side (it should not grow).

Environment: BENCH_DATABASE_URL (default: a scratch database on the local
PostgreSQL, made and dropped here), BENCH_MATERIALS_REPEAT (default 30).
"""

import hashlib
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import count_queries, scratch_database, timed  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.agenda import services as agenda  # noqa: E402
from meeting_app.agenda.models import AgendaSession, Room, SessionKind  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.materials.models import (  # noqa: E402
    DocumentFile,
    DocumentKind,
    MeetingDocument,
    Visibility,
)
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

SESSIONS, DAYS = 300, 5
SIZES = (100, 1000)
REPEAT = int(os.environ.get("BENCH_MATERIALS_REPEAT", "30"))
LANGUAGES = ("fr", "en", "es")
KINDS = list(DocumentKind)
PDF = b"%PDF-1.7\n" + b"0" * 40_000  # never read by the pages: content is deferred


def populate(documents: int) -> dict:
    """A meeting of 300 published sessions with `documents` documents; its slug, a
    session with documents, and an approved participant's token."""
    first_day = date(2027, 5, 3)
    meeting = Meeting(
        slug=f"conference-{documents}",
        title={"en": f"Global conference ({documents} documents)", "fr": "Conférence"},
        start_date=first_day,
        end_date=first_day + timedelta(days=DAYS - 1),
        city="Geneva",
        timezone="Europe/Zurich",
        status=MeetingStatus.PUBLISHED,
    )
    db.session.add(meeting)
    rooms = [Room(meeting=meeting, name=f"Room {n:02d}", capacity=100) for n in range(20)]
    db.session.add_all(rooms)
    sessions = []
    for n in range(SESSIONS):
        day, slot = divmod(n, SESSIONS // DAYS)
        starts = datetime(2027, 5, 3 + day, 7, 0, tzinfo=UTC) + timedelta(minutes=10 * slot)
        sessions.append(
            AgendaSession(
                meeting=meeting,
                kind=SessionKind.PANEL,
                title={"en": f"Session {n}", "fr": f"Séance {n}"},
                starts_at=starts,
                ends_at=starts + timedelta(minutes=50),
                room=rooms[n % len(rooms)],
            )
        )
    db.session.add_all(sessions)
    person = Participant(
        meeting=meeting,
        given_name="Awa",
        family_name="Ndiaye",
        badge_name="Awa Ndiaye",
        email=f"awa-{documents}@example.org",
        category=Category.NATIONAL_GOVERNMENT,
        status=RegistrationStatus.APPROVED,
    )
    db.session.add(person)
    db.session.flush()
    agenda.publish(meeting)
    digest = hashlib.sha256(PDF).hexdigest()
    for n in range(documents):
        visibility = (
            Visibility.PUBLIC
            if n % 3 != 2
            else (Visibility.PARTICIPANTS if n % 6 == 2 else Visibility.STAFF)
        )
        document = MeetingDocument(
            meeting_id=meeting.id,
            session_id=sessions[n % SESSIONS].id if n % 10 else None,
            kind=KINDS[n % len(KINDS)],
            title={"en": f"Document {n}", "fr": f"Document {n} (fr)"},
            visibility=visibility,
            position=n,
        )
        for language in LANGUAGES[: 1 + n % 3]:
            document.files.append(
                DocumentFile(
                    language=language,
                    filename=f"document-{n}-{language}.pdf",
                    content_type="application/pdf",
                    size=len(PDF),
                    sha256=digest,
                    content=PDF,
                )
            )
        db.session.add(document)
    db.session.commit()
    return {"slug": meeting.slug, "session": sessions[1].id, "token": person.token}


def main() -> None:
    url, drop = scratch_database("materials")
    try:
        app = create_app(
            "testing", {"SQLALCHEMY_DATABASE_URI": url, "LOGIN_RATE_LIMIT": "1000 per minute"}
        )
        with app.app_context():
            upgrade()
            made = {size: populate(size) for size in SIZES}
            create_user("bench@example.org", "bench password 1", is_admin=True)
            db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": "bench password 1"})
        pages = {
            "public documents page": "/meetings/{slug}/documents/",
            "meeting page": "/meetings/{slug}/",
            "public agenda (300 sessions)": "/meetings/{slug}/agenda",
            "session page": "/meetings/{slug}/sessions/{session}",
            "participant's documents page": "/r/{token}/documents/",
            "organisers' list": "/manage/meetings/{slug}/documents/",
            "hosts' list": "/desk/meetings/{slug}/documents/",
        }
        header = "".join(f"{f'{n:,} documents':>28}" for n in SIZES)
        print(f"{'300 sessions; median, p95, queries':36}{header}")
        verdict = {}
        for label, pattern in pages.items():
            cells = []
            for size in SIZES:
                path = pattern.format(**made[size])
                assert client.get(path).status_code == 200, path
                median, p95 = timed(lambda path=path: client.get(path), REPEAT)
                queries = count_queries(app, lambda path=path: client.get(path))
                cells.append(f"{median:8.1f}ms {p95:7.1f}ms {queries:4d} q")
                verdict.setdefault(label, []).append((median, queries))
            print(f"  {label:34}" + "".join(f"{c:>28}" for c in cells))
        (small_ms, small_q), (large_ms, large_q) = verdict["public documents page"]
        print(
            f"public documents page, 1,000 documents: {large_ms:.1f} ms, "
            f"{'under' if large_ms < 50 else 'NOT under'} 50 ms; queries "
            f"{small_q} (100) and {large_q} (1,000): "
            f"{'constant' if small_q == large_q else 'NOT constant'}"
        )
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
