"""Communiqué timings on a throw-away SQLite database (or BENCH_DATABASE_URL).

    .venv/bin/python bench/communiques.py        (or: make bench)

Loads the demo, adds 1,000 published communiqués in French and English spread over
20 meetings, and prints the median and 95th percentile (with the SQL statements per
request) of the public list, its filters, one communiqué, the Atom feed, the PDF, the
home page, the organisers' list and editor, and the live preview.
"""

import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from common import timed  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.communiques.models import (  # noqa: E402
    Communique,
    CommuniqueStatus,
    CommuniqueText,
)
from meeting_app.demo.loader import load_demo  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402

REPEAT = 30
COMMUNIQUES = 1000
BODY = (
    "Rabat, 14 June – The Board met.\n\n> Development is built locally.\n\n"
    + "A paragraph of the communiqué with **emphasis** and a [link](https://example.org). " * 20
)


def add_communiques() -> None:
    meetings = [
        Meeting(
            slug=f"board-{n}",
            title={"en": f"Board {n}"},
            start_date=date(2000 + n, 6, 13),
            end_date=date(2000 + n, 6, 14),
            status=MeetingStatus.ARCHIVED,
        )
        for n in range(20)
    ]
    db.session.add_all(meetings)
    start = datetime(2001, 1, 1, tzinfo=UTC)
    for n in range(COMMUNIQUES):
        when = start + timedelta(days=7 * n)
        communique = Communique(
            meeting=meetings[n % 20],
            slug=f"communique-{n}",
            default_language="fr",
            status=CommuniqueStatus.PUBLISHED,
            published_at=when,
            first_published_at=when,
        )
        communique.sdgs = [1 + n % 17, 17]
        for language in ("fr", "en"):
            title = f"Communiqué {n} ({language})"
            communique.texts.append(
                CommuniqueText(
                    language=language,
                    title=title,
                    summary="The Board met.",
                    body=BODY,
                    published_title=title,
                    published_summary="The Board met.",
                    published_body=BODY,
                )
            )
        db.session.add(communique)


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
            load_demo()
            add_communiques()
            create_user("bench@example.org", "bench password 1", is_admin=True)
            db.session.commit()
            demo_id = db.session.scalar(
                db.select(Communique.id).filter_by(slug="rabat-2022-communique")
            )
            rabat_id = db.session.scalar(db.select(Meeting.id).filter_by(slug="rabat-2022"))
            db.session.remove()

            statements = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
            client = app.test_client()

            def run(label, request, repeat=REPEAT):
                response = request()
                assert response.status_code == 200, (label, response.status_code)
                statements.clear()
                request()
                queries = len(statements)
                median, p95 = timed(request, repeat)
                print(f"{label:34} {median:7.1f}ms {p95:7.1f}ms {queries:5d}")

            print(
                f"{COMMUNIQUES:,} communiqués in 2 languages; "
                f"{'median':>9} {'p95':>8} {'SQL':>5}   ({REPEAT} requests each)"
            )
            for label, path in {
                "public list, page 1": "/communiques/",
                "public list, page 50": "/communiques/?page=50",
                "public list, by meeting and goal": "/communiques/?meeting=board-3&sdg=4",
                "one communiqué (demo)": "/communiques/rabat-2022-communique?lang=en",
                "Atom feed (50 newest)": "/communiques/feed.atom",
                "home page": "/",
                "meeting page (demo)": "/meetings/rabat-2022/",
            }.items():
                run(label, lambda path=path: client.get(path, headers={"Accept-Language": "en"}))
            run(
                "PDF (demo, French)",
                lambda: client.get("/communiques/rabat-2022-communique.pdf?lang=fr"),
                repeat=10,
            )
            client.post(
                "/login", data={"email": "bench@example.org", "password": "bench password 1"}
            )
            run("organisers' list", lambda: client.get("/manage/communiques/"), repeat=10)
            run("editor (demo, French)", lambda: client.get(f"/manage/communiques/{demo_id}/fr"))
            csrf_off = {"meeting_id": rabat_id, "language": "fr", "title": "{{meeting}}"}
            app.config["WTF_CSRF_ENABLED"] = False
            run(
                "live preview (demo meeting)",
                lambda: client.post(
                    "/manage/communiques/preview",
                    data={**csrf_off, "summary": "", "body": BODY + " {{countries}}"},
                ),
            )
            db.engine.dispose()


if __name__ == "__main__":
    main()
