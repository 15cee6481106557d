"""Badge PDFs: one badge in a warm process, and 1,000 and 5,000 badges on A4 sheets
of four, drawn now in this one process ("not drawn before"; spread over Celery
workers, see bench/badges.py) or assembled from badges drawn before or ahead
("drawn ahead"); visa letters (SQLite scratch database).

    .venv/bin/python bench/documents.py      (or: make bench)
"""

import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.delegations.models import Delegation  # noqa: E402
from meeting_app.documents import badges, letters  # noqa: E402
from meeting_app.documents.pdf import render_pdf  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

BASE_URL = "http://127.0.0.1:5000"  # what the QR codes hold
LANGUAGE = "fr"
NAMES = ["Ñuñez Đorđević", "Айгүл Сыдыкова", "سلمى بنعلي", "Hélène Marchetti-Bouregreg"]


def _cpu_seconds() -> float:
    """This process and its finished worker processes, user and system time."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak() -> float:
    """The largest resident size of this process or of any of its workers, MiB."""
    return (
        max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024
    )


def _one_badge(meeting, people, label: str) -> None:
    samples, cpu_samples = [], []
    for person in people:
        start, cpu = time.perf_counter(), time.process_time()
        badges.badges_pdf(meeting, [person], layout="a6", language=LANGUAGE, base_url=BASE_URL)
        samples.append((time.perf_counter() - start) * 1000)
        cpu_samples.append((time.process_time() - cpu) * 1000)
    print(
        f"one A6 badge, {label}: median {statistics.median(samples):.1f} ms "
        f"({statistics.median(cpu_samples):.1f} ms of CPU)"
    )


def _print(meeting, people, label: str) -> None:
    start, cpu = time.perf_counter(), _cpu_seconds()
    pdf = badges.badges_pdf(meeting, people, layout="a4-4", language=LANGUAGE, base_url=BASE_URL)
    elapsed = time.perf_counter() - start
    per_badge = (_cpu_seconds() - cpu) / len(people) * 1000
    print(
        f"{label}, A4 sheets of 4: {elapsed:.1f} s, {len(pdf) / 1e6:.1f} MB PDF, "
        f"peak process memory so far {_peak():.0f} MiB, {per_badge:.1f} ms of CPU per badge"
    )


def _weasyprint_alone(meeting, everyone) -> float:
    """One A6 badge from its HTML, WeasyPrint and nothing else (median of 21, ms): the
    figure the issue quotes as about 20 ms, to compare this machine with that one."""
    css = badges.badges_css("a6")
    views = badges.badge_views(meeting, everyone[:1], LANGUAGE, BASE_URL)
    html = badges.badges_html(meeting, views, "a6", LANGUAGE)
    render_pdf(html, css, bare=True)
    samples = []
    for _ in range(21):
        start = time.perf_counter()
        render_pdf(html, css, bare=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.sqlite3"})
        with app.app_context():
            upgrade()
            meeting = Meeting(
                slug="conference",
                title={"en": "Global conference"},
                start_date=date(2027, 5, 3),
                end_date=date(2027, 5, 7),
                city="Geneva",
                status=MeetingStatus.PUBLISHED,
            )
            delegations = [
                Delegation(meeting=meeting, country_code=c) for c in ("SN", "MA", "KG", "RS", "EC")
            ]
            db.session.add_all([meeting, *delegations])
            categories = list(Category)
            db.session.add_all(
                Participant(
                    meeting=meeting,
                    given_name="G",
                    family_name=f"F{i}",
                    badge_name=f"{NAMES[i % 4]} {i}",
                    email=f"p{i}@example.org",
                    organisation="Ministère des Affaires étrangères",
                    delegation=delegations[i % 5],
                    category=categories[i % 9],
                    status=RegistrationStatus.APPROVED,
                )
                for i in range(5000)
            )
            db.session.commit()
            everyone = badges.select(meeting)
            with app.test_request_context():
                alone = _weasyprint_alone(meeting, everyone)
                print(f"WeasyPrint alone, one A6 badge: {alone:.1f} ms")
                badges.badges_pdf(  # warm up
                    meeting, everyone[:1], layout="a6", language=LANGUAGE, base_url=BASE_URL
                )
                _one_badge(meeting, everyone[1:22], "not drawn before")
                for count in (1000, 5000):
                    _print(meeting, everyone[:count], f"{count} badges, not drawn before")
                start = time.perf_counter()
                drawn = badges.draw_ahead(meeting, BASE_URL, "a6", LANGUAGE)
                elapsed = time.perf_counter() - start
                print(
                    f"drawing {drawn} badges ahead, in the background, in one worker process: "
                    f"{elapsed:.0f} s ({elapsed / drawn * 1000:.0f} ms per badge)"
                )
                _one_badge(meeting, everyone[1:22], "drawn ahead (a reprint)")
                for count in (1000, 5000):
                    _print(meeting, everyone[:count], f"{count} badges, drawn ahead")
                for count in (1, 1000):
                    start = time.perf_counter()
                    letters.documents_pdf(meeting, letters.LETTER, everyone[:count], LANGUAGE)
                    print(f"{count} visa letter(s): {(time.perf_counter() - start) * 1000:.0f} ms")
            db.engine.dispose()


if __name__ == "__main__":
    main()
