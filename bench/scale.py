"""The organisers' list, its search and the desk's search at 5,000 and 50,000
participants, side by side (issue 21), on PostgreSQL.

    .venv/bin/python bench/scale.py

Two meetings in one scratch database (BENCH_DATABASE_URL, else created and dropped
here), of BENCH_SCALE_SIZES people (default "5000,50000"), added by bulk INSERTs;
then, for each meeting in turn and through the app in this process (Flask's test
client, signed in as an administrator): the list's page 1, a filtered page (status
and delegation), a deep page (the middle one), a search without and with accents,
a deeper page of it, a search that matches one person in five (counted up to
queries.SEARCH_COUNT_LIMIT, "more than" beyond), a rare search (part of an e-mail
address), and the desk's search (the page its script asks for, and the service
alone). Prints the median and 95th percentile in ms, the SQL statements of each
request, the ratio of the largest meeting to the smallest, how much the desk's
search raised this process's peak memory (VmHWM, reset before each meeting
through /proc/self/clear_refs), and what each search page says of its matches.
BENCH_SCALE_REPEAT: requests per figure (default 30); BENCH_SCALE_QUERIES=HEAD:
the list's queries of the last commit (git HEAD), to compare in the same
conditions.
"""

import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import count_queries, open_conference, scratch_database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402


def _queries_of_head() -> None:
    """The list's queries (registration/queries.py) of the last commit in place of
    this tree's, before the app imports them: BENCH_SCALE_QUERIES=HEAD measures
    the list as it was, in the same conditions."""
    import subprocess
    import types

    import meeting_app.registration

    name = "meeting_app.registration.queries"
    source = subprocess.run(
        ["git", "show", "HEAD:meeting_app/registration/queries.py"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(name)
    module.__file__ = "queries_head.py"
    sys.modules[name] = module
    meeting_app.registration.queries = module
    exec(compile(source, "queries_head.py", "exec"), module.__dict__)  # noqa: S102


if os.environ.get("BENCH_SCALE_QUERIES") == "HEAD":
    _queries_of_head()

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.core.tokens import new_token, selector_of  # noqa: E402
from meeting_app.desk import services as desk  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting  # noqa: E402
from meeting_app.registration.models import (  # noqa: E402
    Category,
    Participant,
    RegistrationStatus,
)

SIZES = tuple(int(s) for s in os.environ.get("BENCH_SCALE_SIZES", "5000,50000").split(","))
REPEAT = int(os.environ.get("BENCH_SCALE_REPEAT", "30"))
ADMIN, PASSWORD = "bench-scale@example.org", "a long bench password 21"
CHUNK = 5000
GIVEN = ("María", "Ndèye", "Jean-François", "Айгүл", "Јован", "Lucía", "Kwame", "Sita", "محمد")
FAMILY = (
    *("Núñez", "Diop", "Lefèvre", "Асанова", "Петровић", "Benítez", "Mensah", "Gurung"),
    *("العلوي", "Okafor", "Nguyễn", "Çelik", "Søndergaard", "Müller", "O'Brien", "Ramírez"),
    *(f"Family{n}" for n in range(34)),  # fifty family names: Núñez is one person in 50
)
ORGANISATIONS = ("Ministère de l'Intérieur", "UNDP", "IOM", "Ville de Dakar", "Cancillería")
STATUSES = (*[RegistrationStatus.APPROVED] * 6, RegistrationStatus.SUBMITTED)
STATUSES += (RegistrationStatus.WAITLISTED, RegistrationStatus.DECLINED)


def insert_people(meeting_id: int, delegation_ids: list[int], size: int) -> None:
    """`size` people in bulk INSERTs of CHUNK rows (the model's defaults fold each
    row's search text on the way in, as for any insert)."""
    categories = list(Category)
    since = datetime.now(UTC) - timedelta(days=60)
    for start in range(0, size, CHUNK):
        rows = []
        for n in range(start, min(size, start + CHUNK)):
            given, family = GIVEN[n % len(GIVEN)], FAMILY[(n // 7) % len(FAMILY)]
            token = new_token()
            rows.append(
                {
                    "meeting_id": meeting_id,
                    "delegation_id": delegation_ids[n % len(delegation_ids)] if n % 5 else None,
                    "given_name": given,
                    "family_name": family,
                    "badge_name": f"{given} {family}",
                    "email": f"p{n}@example.org",
                    "organisation": ORGANISATIONS[n % len(ORGANISATIONS)],
                    "category": categories[n % len(categories)],
                    "status": STATUSES[n % len(STATUSES)],
                    "token": token,
                    "token_selector": selector_of(token),
                    "created_at": since + timedelta(seconds=n),
                }
            )
        db.session.execute(sa.insert(Participant), rows)


def populate(app) -> None:
    with app.app_context():
        upgrade()
        for size in SIZES:
            meeting, delegations = open_conference(
                f"scale-{size}", {"en": f"Conference of {size:,}"}, requires_approval=True
            )
            db.session.flush()
            insert_people(meeting.id, [d.id for d in delegations], size)
        create_user(ADMIN, PASSWORD, is_admin=True)
        db.session.commit()
        # What autovacuum does on a live server: statistics for the planner, and the
        # visibility map that lets an index be read without the table.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        db.session.remove()


def peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def memory(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def requests(app, client, size: int) -> dict[str, Callable[[], None]]:
    """{what: a call that does it once} for the meeting of `size`."""
    slug = f"scale-{size}"
    with app.app_context():
        meeting = db.session.execute(sa.select(Meeting).filter_by(slug=slug)).scalar_one()
        delegation_id = meeting.delegations[0].id
        db.session.remove()
    pages = -(-db_count(app, slug) // 50)
    base = f"/manage/meetings/{slug}/registrations/"
    asked = {
        "list, page 1": base,
        "list, approved in a delegation": f"{base}?status=approved&delegation={delegation_id}",
        "list, the middle page": f"{base}?page={pages // 2}",
        "list, page 50 by date": f"{base}?sort=date&page=50",
        "search 'nunez'": f"{base}?q=nunez",
        "search 'Núñez'": f"{base}?q=N%C3%BA%C3%B1ez",
        "search 'Núñez', page 2": f"{base}?q=N%C3%BA%C3%B1ez&page=2",
        "search 'ministere' (1 in 5)": f"{base}?q=ministere",
        "search 'ministere', page 10 by date": f"{base}?q=ministere&sort=date&page=10",
        "search part of one e-mail address": f"{base}?q=p{size // 2}%40",
        "desk search 'ndeye diop'": f"/desk/meetings/{slug}/search?q=ndeye+diop",
    }
    calls = {}
    for label, url in asked.items():

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        calls[label] = get
        if label.startswith("search"):
            # What the page says of its matches: counted, or "more than" the limit.
            caption = re.search(r"<caption>(.*?)</caption>", get().get_data(as_text=True))
            SAID[size, label] = caption.group(1) if caption else ""

    def search():
        with app.app_context():
            meeting = db.session.execute(sa.select(Meeting).filter_by(slug=slug)).scalar_one()
            assert desk.search(meeting, "ndeye diop")
            db.session.remove()

    calls["desk search, the service alone"] = search
    return calls


SAID: dict[tuple[int, str], str] = {}


def measure(app, calls: dict[int, dict[str, Callable[[], None]]]) -> dict[int, dict]:
    """{size: {what: (median ms, p95 ms, SQL statements)}}. The sizes take turns,
    request by request, so that a change in the machine's load falls on both."""
    samples: dict[int, dict[str, list[float]]] = {size: {} for size in calls}
    for each in calls.values():
        for call in each.values():
            call()  # warm: templates compiled, connection open
    for _ in range(REPEAT):
        for label in calls[max(calls)]:
            for size, each in calls.items():
                start = time.perf_counter()
                each[label]()
                samples[size].setdefault(label, []).append((time.perf_counter() - start) * 1000)
    found = {}
    for size, each in calls.items():
        found[size] = {}
        for label, call in each.items():
            ordered = sorted(samples[size][label])
            p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
            found[size][label] = (statistics.median(ordered), p95, count_queries(app, call))
        # The desk's search alone, this process's peak memory reset first.
        search = each["desk search, the service alone"]
        peak_reset()
        before = memory("VmRSS")
        for _ in range(REPEAT):
            search()
        found[size]["desk search: peak memory above the resident set, MiB"] = (
            memory("VmHWM") - before,
            0.0,
            0,
        )
    return found


def db_count(app, slug: str) -> int:
    with app.app_context():
        total = db.session.scalar(
            sa.select(sa.func.count(Participant.id))
            .join(Meeting, Participant.meeting_id == Meeting.id)
            .where(Meeting.slug == slug)
        )
        db.session.remove()
        return total


def main() -> None:
    url, drop = scratch_database("scale")
    try:
        app = create_app(
            "testing",
            {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "TESTING": False},
        )
        print(f"populating {', '.join(f'{s:,}' for s in SIZES)} participants ...", flush=True)
        populate(app)
        client = app.test_client()
        response = client.post("/login", data={"email": ADMIN, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        results = measure(app, {size: requests(app, client, size) for size in SIZES})
        with app.app_context():
            db.engine.dispose()
    finally:
        drop()
    report(results)


def report(results: dict[int, dict]) -> None:
    small, large = min(results), max(results)
    which = "HEAD's" if os.environ.get("BENCH_SCALE_QUERIES") == "HEAD" else "this tree's"
    print(f"\nthe list's queries: {which}")
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}; {REPEAT} requests each")
    print(
        f"{'median / p95 ms, SQL statements':52}"
        + "".join(f"{s:>22,}" for s in results)
        + "   ratio"
    )
    for label in results[large]:
        cells = "".join(
            f"{m:8.1f} / {p:6.1f}, {n:3d}".rjust(22)
            for m, p, n in (results[s][label] for s in results)
        )
        ratio = results[large][label][0] / max(results[small][label][0], 0.01)
        print(f"{label:52}{cells}{ratio:7.2f}x")
    print("(the middle page: of 50-row pages, page 50 at 5,000 and page 500 at 50,000)")
    print("what the search pages say of their matches:")
    for label in results[large]:
        if (large, label) in SAID:
            print(f"  {label:50}" + "".join(f"  {SAID.get((s, label), ''):>36}" for s in results))


if __name__ == "__main__":
    main()
