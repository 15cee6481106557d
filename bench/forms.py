"""Registration forms that organisers design (issue 18): a form of 30 questions
against the fixed form, side by side, on PostgreSQL.

    .venv/bin/python bench/forms.py      (or: make bench)

Two published meetings open for registration: one asks only the built-in
fields, the other 30 questions besides (sections, short and long texts, numbers,
dates, yes/no, one and several choices, countries, e-mails, phones; three shown
only on a condition; no files, which a browser sends as multipart). Prints the
public form page's time in the app (median and 95th percentile, in process) and
the registration POSTs per second through 2 sync gunicorn workers with 16
clients, for each form, and their ratios. BENCH_DATABASE_URL selects the server
(default: a scratch database on the local PostgreSQL, created and dropped here);
BENCH_FORMS_PORT the web port (default 5097).
"""

import http.client
import os
import re
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import open_conference, registration_fields, scratch_database, serve, timed  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.questions.models import FormQuestion, QuestionType  # noqa: E402

POSTS = 1000
CLIENTS = 16
PORT = int(os.environ.get("BENCH_FORMS_PORT", "5097"))
T = QuestionType
OPTIONS = [
    {"value": f"o{n}", "label": {"en": f"Option {n}", "fr": f"Option {n}"}} for n in range(1, 6)
]
# (type, required, answer in the POST) ×, in form order; None: nothing sent.
KINDS = [
    (T.SECTION, False, None),
    (T.TEXT, True, "An answer"),
    (T.PARAGRAPH, False, "A longer answer\nover two lines"),
    (T.NUMBER, True, "3"),
    (T.DATE, False, "2027-03-01"),
    (T.YES_NO, True, "yes"),
    (T.CHOICE, True, "o2"),
    (T.CHOICES, False, ["o1", "o3"]),
    (T.COUNTRY, False, "NP"),
    (T.EMAIL, False, "assistant@example.org"),
    (T.PHONE, False, "+977 1 4200 000"),
]


def questions(meeting) -> list[tuple[FormQuestion, object]]:
    """30 questions: the kinds above thrice (the third section's yes/no governs
    three questions after it), with the answer each POST gives."""
    made, position, governing = [], 0, None
    for round_ in range(3):
        for kind, required, answer in KINDS:
            if len(made) == 30:
                break
            position += 1
            question = FormQuestion(
                meeting=meeting,
                position=position,
                type=kind,
                key=f"q{position}",
                label={"en": f"Question {position}", "fr": f"Question {position}"},
                help={"en": "Some help text for this question."},
                required=required,
                options=OPTIONS if kind in (T.CHOICE, T.CHOICES) else [],
                min_value=0 if kind is T.NUMBER else None,
                max_value=100 if kind is T.NUMBER else None,
            )
            if round_ == 2 and kind is T.YES_NO:
                governing = question
            elif governing is not None and kind in (T.CHOICE, T.CHOICES, T.COUNTRY):
                question.condition_question = governing
                question.condition_values = ["yes"]
            made.append((question, answer))
    return made


def populate(app) -> dict:
    with app.app_context():
        upgrade()
        open_conference("fixed", {"en": "Fixed form"}, requires_approval=True)
        designed, _ = open_conference("designed", {"en": "Designed form"}, requires_approval=True)
        asked = questions(designed)
        db.session.add_all(q for q, _ in asked)
        db.session.commit()
        return {f"q_{q.key}": answer for q, answer in asked if answer is not None}


def page_times(app) -> dict[str, tuple[float, float]]:
    client = app.test_client()
    found = {}
    for slug in ("fixed", "designed"):
        path = f"/meetings/{slug}/register"
        assert client.get(path).status_code == 200, path
        found[slug] = timed(lambda path=path: client.get(path), 200)
    return found


def throughput(slug: str, answers: dict, round_: int) -> float:
    ready = threading.Barrier(CLIENTS + 1)

    def client_session(worker: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        connection.request("GET", f"/meetings/{slug}/register")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = next(
            c.split(";", 1)[0]
            for c in response.headers.get_all("Set-Cookie")
            if c.startswith("session=")
        )
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        ready.wait()
        done = 0
        for i in range(worker, POSTS, CLIENTS):
            fields = {**registration_fields(token, i), "email": f"{slug}{round_}-{i}@example.org"}
            data = urllib.parse.urlencode({**fields, **answers}, doseq=True)
            connection.request("POST", f"/meetings/{slug}/register", data, headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 302:
                raise RuntimeError(f"{slug}: {response.status}\n{body.decode()[:2000]}")
            done += 1
        connection.close()
        return done

    with ThreadPoolExecutor(CLIENTS) as pool:
        sessions = [pool.submit(client_session, n) for n in range(CLIENTS)]
        ready.wait()
        start = time.perf_counter()
        done = sum(session.result() for session in sessions)
    return done / (time.perf_counter() - start)


def main() -> None:
    url, drop = scratch_database("forms")
    server = None
    try:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        answers = populate(app)
        pages = page_times(app)
        print("registration form page, in the app (200 requests each)  median     p95")
        for slug, label in (("fixed", "fixed form"), ("designed", "30 questions")):
            median, p95 = pages[slug]
            print(f"  {label:52} {median:6.1f}ms {p95:6.1f}ms")
        print(f"  ratio 30 questions / fixed: {pages['designed'][0] / pages['fixed'][0]:.2f}")
        server = serve(url, PORT, workers=2)
        rates = {}
        # Alternated, twice: the first round warms both up; the second is kept.
        for round_ in (1, 2):
            for slug in ("fixed", "designed"):
                rates[slug] = throughput(slug, answers if slug == "designed" else {}, round_)
        print(f"registration POSTs, 2 sync gunicorn workers, {CLIENTS} clients, {POSTS} each")
        print(f"  fixed form:   {rates['fixed']:.0f} registrations/s")
        print(f"  30 questions: {rates['designed']:.0f} registrations/s")
        print(f"  ratio 30 questions / fixed: {rates['designed'] / rates['fixed']:.2f}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        drop()


if __name__ == "__main__":
    main()
