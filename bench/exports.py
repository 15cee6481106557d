"""The participant export at conference scale (issue 21), on PostgreSQL:
5,000 and 50,000 people side by side.

    .venv/bin/python bench/exports.py

Two hybrid meetings (5,000 and 50,000 registrations, in 11 delegations, with four
questions of the registration form answered by nine in ten) and a small one to
warm up. For each size, in a fresh process each (so that one's peak does not hide
another's): the CSV and the XLSX as the command line and the web write them
(read in chunks, written as they come, to a file), and the CSV export job as a
worker runs it (the file stored in the job's pieces); then the CSV and the XLSX
with the exports module of the last commit (git HEAD), side by side, in the same
conditions. Each is run BENCH_EXPORTS_REPEAT times (default 3): prints the median
time, the SQL statements, the size, the resident set before and its highest peak
(VmHWM), the 50,000 / 5,000 ratios, and this tree's time against HEAD's.
BENCH_DATABASE_URL selects the server (default: a scratch database on the local
PostgreSQL, created and dropped here); BENCH_EXPORTS_SIZES the sizes
("5000,50000").
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import COUNTRIES, count_queries, scratch_database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.core.tokens import new_token, selector_of  # noqa: E402
from meeting_app.delegations.models import Delegation  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

SIZES = tuple(int(n) for n in os.environ.get("BENCH_EXPORTS_SIZES", "5000,50000").split(","))
WARM = 50
KINDS = ("csv", "xlsx", "job-csv", "csv-HEAD", "xlsx-HEAD")
REPEAT = int(os.environ.get("BENCH_EXPORTS_REPEAT", "3"))
LANGUAGE = "fr"
NAMES = (("Aïssatou", "Ndiaye"), ("Јован", "Петровић"), ("فاطمة", "بن علي"), ("Lucía", "Benítez"))
BATCH = 5000


def slug(size: int) -> str:
    return f"export-{size}"


def populate(app) -> None:
    with app.app_context():
        upgrade()
        for size in (WARM, *SIZES):
            _meeting(size)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()


def _meeting(size: int) -> None:
    meeting = Meeting(
        slug=slug(size),
        title={"fr": "Conférence mondiale", "en": "Global conference"},
        start_date=date.today() + timedelta(days=30),
        end_date=date.today() + timedelta(days=34),
        city="Genève",
        timezone="Europe/Zurich",
        default_language=LANGUAGE,
        status=MeetingStatus.PUBLISHED,
        participation_mode="hybrid",
    )
    delegations = [Delegation(meeting=meeting, country_code=code) for code in COUNTRIES]
    questions = [
        FormQuestion(
            meeting=meeting,
            position=position,
            key=kind.value,
            type=kind,
            label={"fr": f"Question {position}", "en": f"Question {position}"},
            options=[{"value": "veg", "label": {"fr": "Végétarien"}}]
            if kind is QuestionType.CHOICE
            else None,
        )
        for position, kind in enumerate(
            (QuestionType.TEXT, QuestionType.CHOICE, QuestionType.COUNTRY, QuestionType.NUMBER)
        )
    ]
    db.session.add(meeting)
    db.session.add_all([*delegations, *questions])
    db.session.flush()
    start = datetime.now(UTC) - timedelta(days=60)
    for first in range(0, size, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, size)):
            given, family = NAMES[n % len(NAMES)]
            token = new_token()
            rows.append(
                {
                    "meeting_id": meeting.id,
                    "given_name": given,
                    "family_name": f"{family} {n}",
                    "badge_name": f"{given} {family}",
                    "email": f"p{n}@example.org",
                    "phone": "+221 77 123 45 67",
                    "organisation": f"Ministère des affaires étrangères {n % 300}",
                    "position": "Directeur général adjoint",
                    "delegation_id": delegations[n % len(delegations)].id if n % 4 else None,
                    "category": Category.NATIONAL_GOVERNMENT,
                    "status": RegistrationStatus.APPROVED,
                    "attendance_mode": "online" if n % 3 == 0 else "in_person",
                    "token": token,
                    "token_selector": selector_of(token),
                    "created_at": start + timedelta(seconds=n),
                }
            )
        ids = db.session.scalars(sa.insert(Participant).returning(Participant.id), rows).all()
        answers = []
        for n, person in zip(range(first, first + len(ids)), ids, strict=True):
            if n % 10 == 9:
                continue
            values = (f"Vol AF {n % 900}", "veg", COUNTRIES[n % len(COUNTRIES)], n % 40)
            answers += [
                {"participant_id": person, "question_id": q.id, "value": v}
                for q, v in zip(questions, values, strict=True)
            ]
        db.session.execute(sa.insert(FormAnswer), answers)
        db.session.commit()


def memory() -> dict[str, float]:
    """This process's resident set now and at its peak, in MiB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(value.split()[0]) / 1024
    return values


def _export(meeting, fmt: str, out) -> int:
    from meeting_app.registration import exports
    from meeting_app.registration.queries import Filters, participants_query

    header, rows = exports.participant_export(
        meeting, participants_query(meeting, Filters()), LANGUAGE
    )
    return exports.write_spreadsheet(out, fmt, header, rows, meeting.slug, ";")


def _job(app, meeting, fmt: str) -> tuple[int, int]:
    from meeting_app.accounts.models import User
    from meeting_app.accounts.services import create_user
    from meeting_app.core import tasks
    from meeting_app.documents import export_jobs, jobs
    from meeting_app.documents.models import RenderJob
    from meeting_app.registration.queries import Filters

    user = db.session.scalar(sa.select(User).limit(1)) or create_user(
        "bench@example.org", "a long bench password", is_admin=True
    )
    job = jobs.create(
        meeting,
        user,
        kind=export_jobs.PARTICIPANTS,
        parameters={
            "fmt": fmt,
            "filters": Filters().as_args(),
            "language": LANGUAGE,
            "sensitive": False,
            "delimiter": ";",
        },
        total=0,
        filename="bench",
    )
    tasks.commit()
    job_id = job.id
    app.extensions["celery"].tasks[export_jobs.export_participants.name].apply((job_id,)).get()
    db.session.expire_all()
    job = db.session.get(RenderJob, job_id)
    assert job.state == jobs.DONE, (job.state, job.error)
    size = sum(len(piece) for piece in export_jobs.pieces(job_id, job.parts))
    return job.total, size


def _exports_of_head() -> None:
    """The exports module of the last commit in place of this tree's (in this
    process, before anything imports it)."""
    import meeting_app.registration

    name = "meeting_app.registration.exports"
    source = subprocess.run(
        ["git", "show", "HEAD:meeting_app/registration/exports.py"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(name)
    module.__file__ = "exports_head.py"
    sys.modules[name] = module
    meeting_app.registration.exports = module
    exec(compile(source, "exports_head.py", "exec"), module.__dict__)  # noqa: S102


def measure(url: str, size: int, kind: str) -> dict:
    """One export, in this (fresh) process, after a warm-up export of WARM people
    (the first of a process loads catalogs and openpyxl)."""
    if kind.endswith("-HEAD"):
        _exports_of_head()
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    fmt = kind.removeprefix("job-").removesuffix("-HEAD")
    with app.app_context():
        warm = db.session.execute(sa.select(Meeting).filter_by(slug=slug(WARM))).scalar_one()
        with tempfile.TemporaryFile() as out:
            _export(warm, fmt, out)
        db.session.remove()
        meeting = db.session.execute(sa.select(Meeting).filter_by(slug=slug(size))).scalar_one()
        before = memory()["VmRSS"]
        result = {}

        def run():
            if kind.startswith("job-"):
                result["rows"], result["bytes"] = _job(app, meeting, fmt)
            else:
                with tempfile.TemporaryFile() as out:
                    result["rows"] = _export(meeting, fmt, out)
                    result["bytes"] = out.tell()

        start = time.perf_counter()
        queries = count_queries(app, run)
        elapsed = time.perf_counter() - start
        db.session.remove()
        db.engine.dispose()
    return {
        **result,
        "seconds": elapsed,
        "queries": queries,
        "rss_before_mib": before,
        "peak_mib": memory()["VmHWM"],
    }


def main() -> None:
    url, drop = scratch_database("exports")
    try:
        start = time.perf_counter()
        populate(create_app("testing", {"SQLALCHEMY_DATABASE_URI": url}))
        print(f"populated in {time.perf_counter() - start:.0f}s; load {_load()}")
        print(
            "participant export, hybrid meeting, 4 questions answered by 9 in 10, in French "
            "(each in a fresh process, after a warm-up export)"
        )
        print(f"  each {REPEAT} times: the median time, the highest peak")
        print("  kind       people     time  queries      size  RSS before   peak RSS  growth")
        # The kinds take turns, run by run, so that a change in the machine's load
        # falls on each.
        runs = {(kind, size): [] for kind in KINDS for size in SIZES}
        for _ in range(REPEAT):
            for size in SIZES:
                for kind in KINDS:
                    runs[kind, size].append(_child(url, kind, size))
        found = {}
        for kind in KINDS:
            for size in SIZES:
                each = runs[kind, size]
                m = found[kind, size] = {
                    **each[0],
                    "seconds": statistics.median(r["seconds"] for r in each),
                    "peak_mib": max(r["peak_mib"] for r in each),
                }
                print(
                    f"  {kind:9} {size:7d} {m['seconds']:7.2f}s {m['queries']:8d}"
                    f" {m['bytes'] / 1024:7.0f}KiB {m['rss_before_mib']:8.0f}MiB"
                    f" {m['peak_mib']:8.0f}MiB {m['peak_mib'] - m['rss_before_mib']:5.0f}MiB",
                    flush=True,
                )
        if len(SIZES) == 2:
            small, large = SIZES
            print(f"  ratios {large} / {small}:")
            for kind in KINDS:
                a, b = found[kind, small], found[kind, large]
                print(
                    f"  {kind:9} time {b['seconds'] / a['seconds']:5.1f}x"
                    f"  peak RSS {b['peak_mib'] / a['peak_mib']:5.2f}x"
                    f"  queries {b['queries']} vs {a['queries']}"
                )
        print("  this tree / HEAD, time:")
        for fmt in ("csv", "xlsx"):
            ratios = []
            for size in SIZES:
                now, before = found[fmt, size]["seconds"], found[f"{fmt}-HEAD", size]["seconds"]
                ratios.append(f"{size}: {now / before:.2f}x")
            print(f"  {fmt:9}  " + "  ".join(ratios))
        print(f"load average after: {_load()}")
    finally:
        drop()


def _child(url: str, kind: str, size: int) -> dict:
    child = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(size), url],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if child.returncode:
        sys.exit(child.stderr)
    found = json.loads(child.stdout.strip().splitlines()[-1])
    assert found["rows"] == size, found
    return found


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[4], int(sys.argv[3]), sys.argv[2])))
    else:
        main()
