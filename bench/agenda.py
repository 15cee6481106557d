"""The agenda at conference scale, on PostgreSQL.

    .venv/bin/python bench/agenda.py      (or: make bench)

A meeting with 300 sessions in 40 rooms over five days and 5,000 participants
(two people per session): the public agenda page, agenda.json, the calendar
feeds (agenda.ics, a participant's own feed), schedule.xml and the organisers'
timetable, with the number of SQL queries each makes.
"""

import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from common import scratch_database, timed  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from registration import count_queries  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.agenda import services  # noqa: E402
from meeting_app.agenda.models import (  # noqa: E402
    AgendaSession,
    Attendance,
    Room,
    SessionKind,
    SessionPerson,
    SessionRole,
)
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

ROOMS, SESSIONS, PEOPLE, DAYS = 40, 300, 5000, 5


def populate(app) -> str:
    with app.app_context():
        upgrade()
        first_day = date(2027, 5, 3)
        meeting = Meeting(
            slug="conference",
            title={"en": "Global conference"},
            start_date=first_day,
            end_date=first_day + timedelta(days=DAYS - 1),
            city="Geneva",
            timezone="Europe/Zurich",
            status=MeetingStatus.PUBLISHED,
        )
        db.session.add(meeting)
        rooms = [Room(meeting=meeting, name=f"Room {n:02d}", capacity=100) for n in range(ROOMS)]
        people = [
            Participant(
                meeting=meeting,
                given_name=f"Given{i}",
                family_name=f"Family{i}",
                badge_name=f"Given{i}",
                email=f"p{i}@example.org",
                organisation=f"Organisation {i % 300}",
                category=Category.DONOR,
                status=RegistrationStatus.APPROVED,
            )
            for i in range(PEOPLE)
        ]
        db.session.add_all(rooms + people)
        db.session.flush()
        kinds = list(SessionKind)
        for n in range(SESSIONS):
            day, slot = divmod(n, SESSIONS // DAYS)
            room = rooms[slot % ROOMS]
            start = datetime(2027, 5, 3 + day, 7, tzinfo=UTC) + timedelta(
                minutes=90 * (slot // ROOMS)
            )
            db.session.add(
                AgendaSession(
                    meeting=meeting,
                    kind=kinds[n % len(kinds)],
                    room=room,
                    title={"en": f"Session {n}", "fr": f"Séance {n}"},
                    description={"en": "A description of the session. " * 5},
                    starts_at=start,
                    ends_at=start + timedelta(minutes=75),
                    people=[
                        SessionPerson(
                            participant=people[(2 * n) % PEOPLE], role=SessionRole.CHAIR, position=0
                        ),
                        SessionPerson(
                            participant=people[(2 * n + 1) % PEOPLE],
                            role=SessionRole.SPEAKER,
                            position=1,
                        ),
                    ],
                )
            )
        db.session.flush()
        services.publish(meeting)
        # One participant with ten chosen sessions, for the personal feed.
        attendee = people[0]
        db.session.add_all(
            Attendance(participant_id=attendee.id, session_id=session_id)
            for session_id in db.session.execute(sa.select(AgendaSession.id).limit(10)).scalars()
        )
        create_user("bench@example.org", "bench password 1", is_admin=True)
        db.session.commit()
        return attendee.token


def main() -> None:
    url, drop = scratch_database("agenda")
    try:
        app = create_app(
            "testing", {"SQLALCHEMY_DATABASE_URI": url, "LOGIN_RATE_LIMIT": "1000 per minute"}
        )
        token = populate(app)
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": "bench password 1"})
        pages = {
            "public agenda (300 sessions)": "/meetings/conference/agenda",
            "public agenda, one day": "/meetings/conference/agenda?day=2027-05-04",
            "agenda.json": "/meetings/conference/agenda.json",
            "agenda.ics (300 sessions)": "/meetings/conference/agenda.ics",
            "schedule.xml (frab)": "/meetings/conference/schedule.xml",
            "personal feed (10 sessions)": f"/r/{token}/programme.ics",
            "programme booklet PDF (300 sessions)": "/meetings/conference/agenda.pdf",
            "organisers' timetable (one day)": "/manage/meetings/conference/agenda/?day=2027-05-04",
        }
        print(f"{'300 sessions, 40 rooms, 5,000 people':40} {'median':>8} {'p95':>8} queries")
        for label, path in pages.items():
            start = time.perf_counter()
            assert client.get(path).status_code == 200, path
            if path.endswith(".pdf"):  # drawn once, then kept (booklet.py)
                first = (time.perf_counter() - start) * 1000
                print(f"  {label + ', first request':38} {first:6.1f}ms")
            repeat = 5 if path.endswith(".pdf") else 30
            median, p95 = timed(lambda path=path: client.get(path), repeat)
            queries = count_queries(app, lambda path=path: client.get(path))
            print(f"  {label:38} {median:6.1f}ms {p95:6.1f}ms {queries:4d}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
