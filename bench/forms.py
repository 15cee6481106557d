"""Registration forms that organisers design (issue 18): does a form of 30 questions
keep the registration rate the fixed form had before issue 18? Side by side, in
one run, on PostgreSQL.

    .venv/bin/python bench/forms.py      (or: make bench)

Three variants, each served by 2 sync gunicorn workers on its own database of the
same PostgreSQL server:

  (a) before  the code before issue 18 (commit b634678^, checked out in a git
              worktree, BENCH_FORMS_BEFORE_TREE, default /tmp/forms-before: made
              if missing), its fixed form;
  (b) fixed   this checkout, a meeting that asks only the built-in fields;
  (c) 30 q.   this checkout, a meeting that asks 30 questions besides (sections,
              short and long texts, numbers, dates, yes/no, one and several
              choices, countries, e-mails, phones; three shown only on a
              condition; no files, which a browser sends as multipart).

Each variant's database is made by its own code (its migrations, in a subprocess
run from its checkout), which also times its form page in the app (median and
95th percentile). Then rounds of registration POSTs by the same clients go to
each variant in turn (the order rotates every round), so that the machine's
noise falls on all alike; the first round only warms up. Prints the POSTs per
second (median of the rounds) and the 95th percentile of a POST's time per
variant, and the ratios c/a and c/b (of the medians, and the median of each
round's ratio).

Environment: BENCH_DATABASE_SERVER (default the local PostgreSQL),
BENCH_FORMS_DATABASE and BENCH_FORMS_BEFORE_DATABASE (default
meeting_bench_forms[_before]_<pid>, made and dropped here), BENCH_FORMS_PORT and
BENCH_FORMS_BEFORE_PORT (default 5091 and 5092), BENCH_FORMS_ROUNDS (default 8),
BENCH_FORMS_POSTS (per variant and round, default 300), BENCH_FORMS_CLIENTS
(default 4: enough to keep 2 workers busy without a long queue).
"""

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from common import SERVER, children, registration_fields, serve  # noqa: E402

BEFORE_COMMIT = "b634678^"
BEFORE_TREE = Path(
    os.environ.get("BENCH_FORMS_BEFORE_TREE") or Path(tempfile.gettempdir()) / "forms-before"
)
DATABASE_SERVER = os.environ.get("BENCH_DATABASE_SERVER", SERVER)
PORT = int(os.environ.get("BENCH_FORMS_PORT", "5091"))
BEFORE_PORT = int(os.environ.get("BENCH_FORMS_BEFORE_PORT", "5092"))
ROUNDS = int(os.environ.get("BENCH_FORMS_ROUNDS", "8"))
POSTS = int(os.environ.get("BENCH_FORMS_POSTS", "300"))
CLIENTS = int(os.environ.get("BENCH_FORMS_CLIENTS", "4"))
PAGE_REQUESTS = 200


# --- In the variant's checkout (a subprocess): its database and its page ------------


def questions(meeting) -> list[tuple[object, object]]:
    """30 questions: the kinds below thrice (the third section's yes/no governs
    three questions after it), with the answer each POST gives (None: nothing sent)."""
    from meeting_app.questions.models import FormQuestion, QuestionType

    T = QuestionType
    options = [
        {"value": f"o{n}", "label": {"en": f"Option {n}", "fr": f"Option {n}"}} for n in range(1, 6)
    ]
    # (type, required, answer in the POST), in form order.
    kinds = [
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
    made, position, governing = [], 0, None
    for round_ in range(3):
        for kind, required, answer in kinds:
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
                options=options if kind in (T.CHOICE, T.CHOICES) else [],
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


def prepare(url: str, designed: bool) -> dict:
    """Run from a checkout (cwd): its migrations on `url`, the fixed form's meeting
    and (`designed`) the 30 questions' one, the pages' times. Returns what the
    parent needs (JSON): the module's path, the answers to post, the times."""
    from common import open_conference, timed
    from flask_migrate import upgrade

    import meeting_app
    from meeting_app import create_app
    from meeting_app.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    answers = {}
    with app.app_context():
        upgrade()
        open_conference("fixed", {"en": "Fixed form"}, requires_approval=True)
        if designed:
            meeting, _ = open_conference(
                "designed", {"en": "Designed form"}, requires_approval=True
            )
            asked = questions(meeting)
            db.session.add_all(q for q, _ in asked)
            answers = {f"q_{q.key}": a for q, a in asked if a is not None}
        db.session.commit()
    client = app.test_client()
    pages = {}
    for slug in ("fixed", "designed") if designed else ("fixed",):
        path = f"/meetings/{slug}/register"
        assert client.get(path).status_code == 200, path
        pages[slug] = timed(lambda path=path: client.get(path), PAGE_REQUESTS)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"module": meeting_app.__file__, "answers": answers, "pages": pages}


def prepare_in(tree: Path, url: str, designed: bool) -> dict:
    """`prepare` in a subprocess run from the checkout `tree` (its meeting_app, its
    config and migrations are imported before the installed ones)."""
    found = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--prepare", url, str(int(designed))],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise RuntimeError(f"preparing {tree} failed:\n{found.stderr[-4000:]}")
    prepared = json.loads(found.stdout.strip().splitlines()[-1])
    if not Path(prepared["module"]).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"{tree}: ran {prepared['module']}, not its own app")
    return prepared


# --- Here: the worktree, the databases, the servers, the clients ---------------------------


def before_tree() -> Path:
    if not (BEFORE_TREE / "meeting_app").is_dir():
        subprocess.run(
            [
                shutil.which("git") or "git",
                "worktree",
                "add",
                "--detach",
                str(BEFORE_TREE),
                BEFORE_COMMIT,
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return BEFORE_TREE


def databases(*names: str) -> tuple[list[str], callable]:
    """New databases `names` on the server, their URLs and how to drop them."""
    admin = sa.create_engine(f"{DATABASE_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    made = []

    def drop():
        with admin.connect() as connection:
            for name in made:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    try:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
                made.append(name)
    except BaseException:
        drop()
        raise
    return [f"{DATABASE_SERVER}/{name}" for name in names], drop


def posts(port: int, slug: str, answers: dict, label: str) -> tuple[float, list[float]]:
    """POSTS registrations by CLIENTS clients (each with its session and CSRF token):
    the rate (per second) and each POST's time (ms)."""
    ready = threading.Barrier(CLIENTS + 1)

    def client_session(worker: int) -> list[float]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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
        bodies = [
            urllib.parse.urlencode(
                {
                    **registration_fields(token, i),
                    "email": f"{label}-{i}@example.org",
                    **answers,
                },
                doseq=True,
            )
            for i in range(worker, POSTS, CLIENTS)
        ]
        times = []
        ready.wait()
        for data in bodies:
            start = time.perf_counter()
            connection.request("POST", f"/meetings/{slug}/register", data, headers)
            response = connection.getresponse()
            body = response.read()
            times.append((time.perf_counter() - start) * 1000)
            if response.status != 302:
                raise RuntimeError(f"{label}: {response.status}\n{body.decode()[:2000]}")
        connection.close()
        return times

    with ThreadPoolExecutor(CLIENTS) as pool:
        sessions = [pool.submit(client_session, n) for n in range(CLIENTS)]
        ready.wait()
        start = time.perf_counter()
        times = [t for session in sessions for t in session.result()]
    return len(times) / (time.perf_counter() - start), times


def cpu_times(pids) -> dict[int, float]:
    """{pid: seconds of CPU it used so far} (from /proc; gone ones left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def serving_pids(server, admin, database: str) -> list[int]:
    """The gunicorn workers of `server` and the PostgreSQL backends on `database`."""
    with admin.connect() as connection:
        backends = connection.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :name"),
            {"name": database},
        ).scalars()
        return [*children(server.pid), *backends]


def p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[max(0, int(len(samples) * 0.95) - 1)]


VARIANTS = (
    ("a", "before issue 18, fixed form"),
    ("b", "now, fixed form"),
    ("c", "now, 30 questions"),
)


def main() -> None:
    tree = before_tree()
    pid = os.getpid()
    names = (
        os.environ.get("BENCH_FORMS_BEFORE_DATABASE", f"meeting_bench_forms_before_{pid}"),
        os.environ.get("BENCH_FORMS_DATABASE", f"meeting_bench_forms_{pid}"),
    )
    (before_url, now_url), drop = databases(*names)
    watch = sa.create_engine(f"{DATABASE_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    servers = []
    try:
        before = prepare_in(tree, before_url, designed=False)
        now = prepare_in(ROOT, now_url, designed=True)
        print("registration form page, in the app (200 requests each)        median     p95")
        pages = {"a": before["pages"]["fixed"], "b": now["pages"]["fixed"]}
        pages["c"] = now["pages"]["designed"]
        for key, label in VARIANTS:
            median, high = pages[key]
            print(f"  ({key}) {label:54} {median:6.1f}ms {high:6.1f}ms")
        verdict = "under" if pages["c"][0] < 50 else "NOT under"
        print(f"  (c) is {verdict} 50 ms")

        servers.append(serve(before_url, BEFORE_PORT, workers=2, root=tree))
        servers.append(serve(now_url, PORT, workers=2))
        targets = {
            "a": (BEFORE_PORT, "fixed", {}, servers[0], names[0]),
            "b": (PORT, "fixed", {}, servers[1], names[1]),
            "c": (PORT, "designed", now["answers"], servers[1], names[1]),
        }
        rates = {key: [] for key in targets}
        times = {key: [] for key in targets}
        cpu = {key: [] for key in targets}
        order = list(targets)
        for round_ in range(ROUNDS + 1):  # round 0 warms up
            for key in order:
                port, slug, answers, server, database = targets[key]
                pids = serving_pids(server, watch, database)
                used = cpu_times(pids)
                rate, took = posts(port, slug, answers, f"{key}{round_}")
                after = cpu_times([*pids, *serving_pids(server, watch, database)])
                if round_:
                    rates[key].append(rate)
                    times[key].extend(took)
                    spent = sum(t - used.get(p, 0) for p, t in after.items())
                    cpu[key].append(spent / len(took) * 1000)
            order = order[1:] + order[:1]
        print(
            f"registration POSTs, 2 sync gunicorn workers each, {CLIENTS} clients,"
            f" {ROUNDS} rounds of {POSTS} (after one to warm up), the order rotated"
        )
        print(
            "  POSTs/s: median of the rounds (each round); p95: a POST's time; CPU: the"
            " app's workers and its PostgreSQL backends, per POST (median), which the"
            " load of other programs on the machine disturbs less"
        )
        for key, label in VARIANTS:
            each = " ".join(f"{r:.0f}" for r in rates[key])
            median = statistics.median(rates[key])
            print(
                f"  ({key}) {label:28} {median:5.0f}/s ({each})"
                f"  p95 {p95(times[key]):6.1f}ms  CPU {statistics.median(cpu[key]):5.2f}ms"
            )
        for top, bottom in (("c", "a"), ("c", "b")):
            of_medians = statistics.median(rates[top]) / statistics.median(rates[bottom])
            paired = statistics.median(
                t / b for t, b in zip(rates[top], rates[bottom], strict=True)
            )
            by_cpu = statistics.median(cpu[bottom]) / statistics.median(cpu[top])
            print(
                f"  ratio {top}/{bottom}: {of_medians:.2f} (median of the rounds' ratios"
                f" {paired:.2f}; by CPU per POST {by_cpu:.2f})"
            )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        watch.dispose()
        drop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        # The checkout's own app: its directory (cwd) before the installed one.
        sys.path.insert(0, os.getcwd())
        print(json.dumps(prepare(sys.argv[2], bool(int(sys.argv[3])))))
    else:
        main()
