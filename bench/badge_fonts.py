"""Badges drawn ahead vs the same badges drawn together (issue 21): a print's PDF
size, the ratio, its time and the peak memory of the process that prints it.

For each count (1,000 and 5,000; BENCH_BADGE_FONTS_COUNTS="1000,5000"), people
with names in Latin (accented), Cyrillic and Arabic script; their badges are drawn
ahead (kept one by one, each with its own font subsets, as documents.draw_ahead
keeps them) in one language, and not in another. Then each print (A4 sheets of
four, as the desk prints) runs in a fresh process, which reports its time, the
PDF's size, its resident set before the print (the app and the people loaded) and
its peak (VmHWM, this process's own: ru_maxrss would count the parent's too,
which a child inherits through fork and exec):

  - drawn ahead, the stored badges read KEPT_BATCH (500) at a time as they are
    placed, with shared fonts;
  - drawn ahead, every stored badge read before placing (as before batches: one
    batch of them all), side by side;
  - drawn together: nothing kept, every badge drawn by WeasyPrint in chunks.

    .venv/bin/python bench/badge_fonts.py

A scratch PostgreSQL database, or BENCH_DATABASE_URL's (seeded and its badges
drawn ahead unless it holds the meeting already: a second run only prints).
"""

import json
import os
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from common import scratch_database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.delegations.models import Delegation  # noqa: E402
from meeting_app.documents import badges  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

COUNTS = [int(n) for n in os.environ.get("BENCH_BADGE_FONTS_COUNTS", "1000,5000").split(",")]
BASE_URL = "http://127.0.0.1:5000"
AHEAD, TOGETHER = "fr", "en"  # drawn ahead in French; in English nothing is kept
LAYOUT = "a4-4"

GIVEN = ["Hélène", "Zoë", "Ñuño", "Đorđe", "Ångström", "Айгүл", "Сергей", "Łukasz", "سلمى"]
GIVEN += ["Amina", "François", "José", "Søren", "Ольга", "Çağrı", "Nguyễn", "Müller", "Ana"]
FAMILY = ["Marchetti", "Сыдыкова", "Đorđević", "Guamán", "Kowalczyk", "Ibáñez", "بنعلي"]
FAMILY += ["Özdemir", "Петров", "Nørgaard", "Ferreira", "Dvořák", "Oyelaran", "Tanaka"]


def _app(database_url: str):
    return create_app(
        "development", {"SQLALCHEMY_DATABASE_URI": database_url, "BADGES_AHEAD": False}
    )


def _seed(count: int) -> Meeting:
    rng = random.Random(21)
    meeting = Meeting(
        slug="bench-badge-fonts",
        title={"fr": "Conférence mondiale", "en": "Global conference"},
        city="Rabat",
        timezone="Africa/Casablanca",
        start_date=date(2027, 6, 13),
        end_date=date(2027, 6, 16),
        default_language=AHEAD,
        status=MeetingStatus.PUBLISHED,
    )
    delegations = [Delegation(meeting=meeting, country_code=c) for c in ("SN", "KG", "ES", "RS")]
    db.session.add_all([meeting, *delegations])
    people = []
    for n in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        people.append(
            Participant(
                meeting=meeting,
                given_name=given,
                family_name=f"{family} {n:05d}",
                badge_name=f"{given} {family} {n:05d}",
                email=f"p{n}@example.org",
                organisation=rng.choice(["Ministère de l'Intérieur", "Академия наук", "UNDP"]),
                category=rng.choice(list(Category)),
                status=RegistrationStatus.APPROVED,
                delegation=rng.choice(delegations),
            )
        )
    db.session.add_all(people)
    db.session.commit()
    return meeting


def _memory(field: str) -> float:
    """This process's VmRSS or VmHWM, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(database_url: str, count: int, mode: str) -> None:
    """One print in this fresh process; its figures as JSON on stdout."""
    if mode == "before":
        badges.KEPT_BATCH = 10**9  # every stored badge read at once, before placing
    app = _app(database_url)
    with app.app_context(), app.test_request_context():
        meeting = db.session.execute(sa.select(Meeting)).scalar_one()
        people = badges.select(meeting)[:count]
        before = _memory("VmRSS")
        start = time.perf_counter()
        pdf = badges.badges_pdf(
            meeting,
            people,
            layout=LAYOUT,
            language=TOGETHER if mode == "together" else AHEAD,
            base_url=BASE_URL,
        )
        seconds = time.perf_counter() - start
        peak = _memory("VmHWM")
    print(json.dumps({"size": len(pdf), "seconds": seconds, "app": before, "peak": peak}))


def _run(database_url: str, count: int, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", database_url, str(count), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    database_url, drop = scratch_database("badge_fonts")
    app = _app(database_url)
    try:
        with app.app_context(), app.test_request_context():
            upgrade()
            if db.session.execute(sa.select(Meeting)).first() is None:
                meeting = _seed(max(COUNTS))
                start = time.perf_counter()
                drawn = badges.draw_ahead(
                    meeting, BASE_URL, "a6", AHEAD, chunk_done=db.session.commit
                )
                db.session.commit()
                print(f"{drawn} badges drawn ahead in {time.perf_counter() - start:.0f} s")
            db.session.remove()
            db.engine.dispose()
        print(f"load average before the prints: {Path('/proc/loadavg').read_text().strip()}")
        for count in COUNTS:
            figures = {
                mode: _run(database_url, count, mode) for mode in ("after", "before", "together")
            }
            together = figures["together"]["size"]
            print(f"{count} badges, A4 sheets of 4, each print in a fresh process:")
            for mode, label in (
                ("after", f"drawn ahead, {badges.KEPT_BATCH} at a time"),
                ("before", "drawn ahead, all read first"),
                ("together", "drawn together"),
            ):
                f = figures[mode]
                print(
                    f"  {label:30s} {f['size'] / 1e6:7.2f} MB"
                    f" ({f['size'] / together:5.2f}x together)"
                    f"  {f['seconds']:6.2f} s  peak RSS {f['peak']:6.0f} MiB"
                    f" (before the print {f['app']:.0f} MiB)"
                )
        print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    finally:
        drop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
