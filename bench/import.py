"""The organisers' CSV import at its limit, on a throw-away SQLite database (or
BENCH_DATABASE_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/<a database>).

    .venv/bin/python bench/import.py        (or: make bench)

A meeting with 11 delegations and 2,000 registrations already; files of 1,000 and
5,000 new people (every column filled, a few rows wrong as in real files), for a
meeting whose organisers approve each registration and for one that does not. Prints
the time and SQL statements of the preview (the upload, every row checked) and of
the confirmation (the rows checked again, stored, their e-mails queued): each
request must stay well under gunicorn's 30 s timeout, the aim is under 10 s for
5,000 rows. CPU is this process's time (the app's work; on a busy machine the
elapsed time is longer); PostgreSQL's own time is only in the elapsed one.
"""

import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from common import COUNTRIES, open_conference  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting  # noqa: E402
from meeting_app.registration import seats  # noqa: E402
from meeting_app.registration.importer import COLUMNS  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

# (rows, whether the organisers approve each registration): where they do not, every
# confirmation is also a calendar invitation, the heaviest e-mail to write.
CASES = ((1000, True), (5000, True), (5000, False))
EXISTING = 2000
CATEGORIES = [c.value for c in Category]


def add_meeting(slug: str, requires_approval: bool) -> None:
    title = {"en": "Global conference", "fr": "Conférence mondiale"}
    meeting, delegations = open_conference(slug, title, requires_approval=requires_approval)
    db.session.add_all(
        Participant(
            meeting=meeting,
            given_name=f"Given{i}",
            family_name=f"Family{i}",
            badge_name=f"Given{i} Family{i}",
            email=f"existing{i}@example.org",
            organisation=f"Organisation {i % 300}",
            delegation=delegations[i % len(delegations)],
            category=CATEGORIES[i % len(CATEGORIES)],
            status=RegistrationStatus.APPROVED,
        )
        for i in range(EXISTING)
    )
    seats.recount(meeting)


def import_file(rows: int) -> bytes:
    """`rows` people; one in fifty is already registered, one in a hundred has a
    delegation the meeting does not have, one in two hundred a bad address."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for i in range(rows):
        email = f"new{i}@example.org"
        if i % 50 == 7:
            email = f"existing{i % EXISTING}@example.org"
        elif i % 200 == 3:
            email = f"new{i}-at-example.org"
        writer.writerow(
            {
                "given_name": f"Aminata {i}",
                "family_name": f"Ndiaye-Đorđević {i}",
                "email": email,
                "organisation": f"Ministère de l'Environnement {i % 40}",
                "category": CATEGORIES[i % len(CATEGORIES)],
                "delegation": "ZZ" if i % 100 == 5 else COUNTRIES[i % len(COUNTRIES)],
                "position": "Director",
                "phone": f"+221 77 {i % 1000:03d} 45 67",
                "honorific": ("ms", "mr", "dr", "")[i % 4],
                "badge_name": "",
                "preferred_language": ("fr", "en", "es")[i % 3],
                "role": "delegate",
                "dietary_needs": "Vegetarian" if i % 7 == 0 else "",
                "accessibility_needs": "",
                "needs_visa_letter": "yes" if i % 3 == 0 else "no",
                "nationality": COUNTRIES[(i + 1) % len(COUNTRIES)],
                "consent_public_list": "oui" if i % 2 else "",
            }
        )
    return out.getvalue().encode("utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "LOGIN_RATE_LIMIT": "1000 per minute",
                "MAIL_SERVER": "",  # the e-mails are kept in the outbox
            },
        )
        slugs = {case: f"import-bench-{case[0]}-{case[1]:d}-{os.getpid()}" for case in CASES}
        email = f"bench-{os.getpid()}@example.org"
        with app.app_context():
            upgrade()
            for (_size, approval), slug in slugs.items():
                add_meeting(slug, approval)
            create_user(email, "bench password 1", is_admin=True)
            db.session.commit()
            print(f"{db.engine.dialect.name}, {EXISTING:,} registrations in the meeting already")
            statements = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        client = app.test_client()
        client.post("/login", data={"email": email, "password": "bench password 1"})
        print(f"{'CSV import':28} {'elapsed':>8} {'CPU':>8} {'SQL':>6}  result")

        def run(label, send, expected):
            statements.clear()
            start, cpu = time.perf_counter(), time.process_time()
            response = send()
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            assert response.status_code == expected, (label, response.status_code)
            print(f"  {label:26} {elapsed:7.2f}s {cpu:7.2f}s {len(statements):6d}", end="  ")
            return response

        for (size, approval), slug in slugs.items():
            if not approval:
                print("  the meeting does not approve registrations: each e-mail an invitation")
            path = f"/manage/meetings/{slug}/registrations/import"
            content = import_file(size)
            response = run(
                f"preview of {size:,} rows",
                lambda path=path, content=content: client.post(
                    path,
                    data={"file": (io.BytesIO(content), "people.csv")},
                    content_type="multipart/form-data",
                ),
                200,
            )
            html = response.get_data(as_text=True)
            print(html.split("Rows that can be imported: ", 1)[1].split("<", 1)[0].strip())
            run(
                f"import of {size:,} rows",
                lambda path=path, content=content: client.post(
                    path, data={"content": content.decode("utf-8")}
                ),
                302,
            )
            with app.app_context():
                stored = db.session.scalar(
                    sa.select(sa.func.count(Participant.id))
                    .join(Meeting)
                    .filter(Meeting.slug == slug)
                )
            print(f"{stored - EXISTING:,} stored")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
