"""The official list of participants (issue 19) at conference scale, on PostgreSQL.

    .venv/bin/python bench/participant_list.py      (or: make bench)

One meeting with 5,000 approved people who agreed to be listed, in 150 delegations
(a tenth with Cyrillic names, a tenth with Arabic ones; each with a position and
an organisation). Prints, for the PDF, the XLSX and the DOCX in French: the time
to read and order the list (and its SQL statements), the time to write the
document, its size and pages, and the memory of the process that made it (each
format in a fresh process, so that one's peak does not hide another's: the
resident set before, and its peak, VmHWM). BENCH_DATABASE_URL selects the server
(default: a scratch database on the local PostgreSQL, created and dropped here).
"""

import io
import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import count_queries, scratch_database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.delegations.models import Delegation  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Country, Meeting, MeetingStatus  # noqa: E402
from meeting_app.registration.models import (  # noqa: E402
    Category,
    Honorific,
    Participant,
    RegistrationStatus,
)

PEOPLE = 5000
DELEGATIONS = 150
SLUG = "conference"
LANGUAGE = "fr"
FORMATS = ("pdf", "xlsx", "docx")
CYRILLIC = ("Јован", "Петровић"), ("Айгүл", "Асанова")
ARABIC = ("محمد", "العلوي"), ("فاطمة", "بن علي")
LATIN = ("Lucía", "Benítez"), ("Ndèye", "Diop"), ("Jean-François", "Lefèvre")


def name(i: int) -> tuple[str, str]:
    pool = CYRILLIC if i % 10 == 0 else ARABIC if i % 10 == 5 else LATIN
    given, family = pool[i % len(pool)]
    return given, f"{family} {i}"


def populate(app) -> None:
    with app.app_context():
        upgrade()
        codes = db.session.execute(
            sa.select(Country.code).order_by(Country.code).limit(DELEGATIONS)
        ).scalars()
        meeting = Meeting(
            slug=SLUG,
            title={"fr": "Conférence mondiale", "en": "Global conference"},
            start_date=date.today() + timedelta(days=30),
            end_date=date.today() + timedelta(days=34),
            city="Genève",
            timezone="Europe/Zurich",
            default_language=LANGUAGE,
            host_country_code="MA",
            status=MeetingStatus.PUBLISHED,
        )
        delegations = [Delegation(meeting=meeting, country_code=code) for code in codes]
        db.session.add(meeting)
        db.session.add_all(delegations)
        honorifics = [*Honorific, None]
        people = []
        for i in range(PEOPLE):
            given, family = name(i)
            people.append(
                Participant(
                    meeting=meeting,
                    honorific=honorifics[i % len(honorifics)],
                    given_name=given,
                    family_name=family,
                    badge_name=f"{given} {family}",
                    email=f"p{i}@example.org",
                    position="Directeur général adjoint, chargé des migrations",
                    organisation=f"Ministère des affaires étrangères {i % 300}",
                    delegation=delegations[i % len(delegations)],
                    category=Category.NATIONAL_GOVERNMENT,
                    status=RegistrationStatus.APPROVED,
                    consent_public_list=True,
                )
            )
        db.session.add_all(people)
        db.session.flush()
        for delegation in delegations:
            delegation.head = next(p for p in people if p.delegation is delegation)
        db.session.commit()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()


def memory() -> dict[str, float]:
    """This process's resident set now and at its peak, in MiB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(value.split()[0]) / 1024
    return values


def measure(url: str, fmt: str) -> dict:
    """One format, in this (fresh) process."""
    from meeting_app.documents import participant_list

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        meeting = db.session.execute(sa.select(Meeting).filter_by(slug=SLUG)).scalar_one()
        # Warm: the first document of a process loads fonts, templates and catalogs.
        participant_list.EXPORTERS[fmt](
            participant_list.build(
                meeting, language=LANGUAGE, edition=participant_list.Edition.FINAL
            )
        )
        before = memory()["VmRSS"]
        result = {}

        def build():
            result["document"] = participant_list.build(
                meeting, language=LANGUAGE, edition=participant_list.Edition.PROVISIONAL
            )

        start = time.perf_counter()
        queries = count_queries(app, build)
        built = time.perf_counter() - start
        start = time.perf_counter()
        body = participant_list.EXPORTERS[fmt](result["document"])
        written = time.perf_counter() - start
        pages = None
        if fmt == "pdf":
            from pypdf import PdfReader

            pages = len(PdfReader(io.BytesIO(body)).pages)
        db.session.remove()
        db.engine.dispose()
    return {
        "people": result["document"].count,
        "groups": len(result["document"].groups),
        "queries": queries,
        "build_s": built,
        "write_s": written,
        "bytes": len(body),
        "pages": pages,
        "rss_before_mib": before,
        "peak_mib": memory()["VmHWM"],
    }


def main() -> None:
    url, drop = scratch_database("participant_list")
    try:
        populate(create_app("testing", {"SQLALCHEMY_DATABASE_URI": url}))
        print(
            f"list of participants, {PEOPLE} people in {DELEGATIONS} delegations, in French "
            "(each format in a fresh process, after one warm-up document)"
        )
        print("  format  order+read  queries   write    size     pages  RSS before  peak RSS")
        for fmt in FORMATS:
            child = subprocess.run(
                [sys.executable, __file__, "--measure", fmt, url],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            m = json.loads(child.stdout.strip().splitlines()[-1])
            assert m["people"] == PEOPLE, m
            pages = m["pages"] if m["pages"] is not None else "-"
            print(
                f"  {fmt:6} {m['build_s']:9.2f}s {m['queries']:8d} {m['write_s']:7.2f}s"
                f" {m['bytes'] / 1024:7.0f}KiB {pages!s:>5}"
                f" {m['rss_before_mib']:8.0f}MiB {m['peak_mib']:7.0f}MiB"
            )
    finally:
        drop()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[3], sys.argv[2])))
    else:
        main()
