"""1,000 badges not drawn before, on A4 sheets of four (layout a4-4), printed as the
desk prints them: a job whose chunks Celery workers draw, timed from the job's
start to its finished PDF, with 2 worker processes and then 4 (a second machine's
workers, simulated on this one). Side by side, in the same run: the small
single-process ReportLab routine of bench/reportlab_badges.py drawing the same
badges, and bare WeasyPrint rendering the same pages in one process. Then the same
with a photo on every badge (Meeting.photo_on_badges; each person's own passport
photo, as files.photo makes them): bare WeasyPrint, and the job with 4 workers.

    .venv/bin/python bench/badges.py      (or: make bench)

A scratch PostgreSQL database (BENCH_DATABASE_URL to use another) and Redis
database BENCH_REDIS_DB (default 14) of redis://127.0.0.1:6379.
"""

import io
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis  # noqa: E402
import reportlab_badges  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from common import celery_worker, scratch_database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.models import Role  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.core import tasks  # noqa: E402
from meeting_app.delegations.models import Delegation  # noqa: E402
from meeting_app.documents import badges  # noqa: E402
from meeting_app.documents.models import BadgeRender, RenderJob  # noqa: E402
from meeting_app.documents.pdf import render_pdf  # noqa: E402
from meeting_app.documents.tasks import badge_print, start_job  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.files import services as files  # noqa: E402
from meeting_app.meetings.models import Meeting, MeetingStatus  # noqa: E402
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType  # noqa: E402
from meeting_app.registration.models import Category, Participant, RegistrationStatus  # noqa: E402

COUNT = int(os.environ.get("BENCH_BADGES", "1000"))
BASE_URL = "http://127.0.0.1:5000"
LANGUAGE = "fr"
BROKER = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DB', '14')}"
QUEUE = "bench_badges"


def _seed() -> tuple[Meeting, object]:
    meeting = Meeting(
        slug="bench-badges",
        title={"fr": "Réunion du comité", "en": "Board meeting"},
        city="Rabat",
        timezone="Africa/Casablanca",
        start_date=date(2027, 6, 13),
        end_date=date(2027, 6, 14),
        default_language=LANGUAGE,
        status=MeetingStatus.PUBLISHED,
    )
    senegal = Delegation(meeting=meeting, country_code="SN")
    db.session.add_all([meeting, senegal])
    db.session.add_all(
        Participant(
            meeting=meeting,
            given_name="Hélène",
            family_name=f"Marchetti {n:04d}",
            badge_name=f"Hélène Marchetti {n:04d}",
            email=f"p{n}@example.org",
            organisation="Ministère de l'Intérieur",
            category=Category.NATIONAL_GOVERNMENT,
            status=RegistrationStatus.APPROVED,
            delegation=senegal,
        )
        for n in range(COUNT)
    )
    host = create_user("desk@example.org", "a long enough password", roles={meeting: Role.HOST})
    db.session.commit()
    return meeting, host


def _camera_picture(n: int) -> bytes:
    """A phone's picture, 1200 × 1600: a gradient, blotches and grain, so that its
    passport photo weighs what a real one does (not one flat colour)."""
    rng = random.Random(n)
    base = Image.linear_gradient("L").resize((1200, 1600)).convert("RGB")
    tint = Image.new("RGB", base.size, tuple(rng.randrange(60, 200) for _ in range(3)))
    picture = Image.blend(base, tint, 0.5)
    noise = Image.effect_noise(base.size, 40).convert("RGB")
    picture = Image.blend(picture, noise, 0.3).filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def _photos(meeting, people) -> float:
    """Gives everyone a photo of their own and puts photos on the meeting's badges;
    returns the photos' average weight in kB."""
    question = FormQuestion(
        meeting_id=meeting.id, type=QuestionType.PHOTO, key="photo", label={"en": "Photo"}
    )
    db.session.add(question)
    db.session.flush()
    pictures = [_camera_picture(n) for n in range(8)]
    sizes = []
    for n, person in enumerate(people):
        # Eight pictures, each cropped a little differently: every photo its own.
        shift = (n // len(pictures)) / (len(people) * 4)
        photo = files.photo(pictures[n % len(pictures)], (shift, shift, 0.8, 0.8))
        sizes.append(len(photo))
        stored = files.store(meeting.id, person.id, "photo.jpg", photo, files.JPEG)
        db.session.add(FormAnswer(participant_id=person.id, question_id=question.id, file=stored))
    meeting.photo_on_badges = True
    db.session.commit()
    return sum(sizes) / len(sizes) / 1000


def _print(meeting, host, people, language: str) -> float:
    """Starts a print job as the desk does; seconds until its PDF is stored."""
    db.session.execute(sa.delete(BadgeRender))
    db.session.commit()
    start = time.perf_counter()
    job = badge_print(meeting, host, people, layout="a4-4", language=language, base_url=BASE_URL)
    tasks.enqueue(start_job, job.id)
    tasks.commit()
    while True:
        state, error = db.session.execute(
            sa.select(RenderJob.state, RenderJob.error).where(RenderJob.id == job.id)
        ).one()
        db.session.rollback()
        if state == "done":
            return time.perf_counter() - start
        if state == "failed":
            raise RuntimeError(f"the print job failed: {error}")
        time.sleep(0.05)


def _bare_weasyprint(meeting, people) -> float:
    """The same pages, by WeasyPrint alone in this process: chunks of badges as the
    tasks draw them, no database, no placing on sheets."""
    views = badges.badge_views(meeting, people, LANGUAGE, BASE_URL, "a6")
    css = badges.badges_css("a6")
    render_pdf(badges.badges_html(meeting, views[:4], "a6", LANGUAGE), css, bare=True)  # warm
    # (With photos, each chunk's are loaded from the database as a print does.)
    start = time.perf_counter()
    for i in range(0, len(views), badges.CHUNK):
        html = badges.badges_html(meeting, views[i : i + badges.CHUNK], "a6", LANGUAGE)
        render_pdf(html, css, bare=True)
    return time.perf_counter() - start


def main() -> None:
    database_url, drop = scratch_database("badges")
    redis.Redis.from_url(BROKER).flushdb()
    app = create_app(
        "development",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CELERY_BROKER_URL": BROKER,
            "CELERY_QUEUE": QUEUE,
            "BADGES_AHEAD": False,
        },
    )
    workers = []
    try:
        with app.app_context(), app.test_request_context():
            upgrade()
            meeting, host = _seed()
            people = badges.select(meeting)
            figures = {}
            start = time.perf_counter()
            reportlab_badges.badges_pdf(reportlab_badges.sample(COUNT), "Réunion du comité", "")
            figures["reportlab"] = time.perf_counter() - start
            figures["weasyprint"] = _bare_weasyprint(meeting, people)
            with tempfile.TemporaryDirectory() as logs:
                for count in (2, 4):
                    worker = celery_worker(
                        database_url,
                        Path(logs) / f"worker-{count}.log",
                        name=f"bench{count}",
                        concurrency=count,
                        CELERY_BROKER_URL=BROKER,
                        CELERY_QUEUE=QUEUE,
                    )
                    workers.append(worker)
                    _print(meeting, host, people[:16], "es")  # warm the worker processes
                    figures[count] = _print(meeting, host, people, LANGUAGE)
                    if count == 4:
                        photo_kb = _photos(meeting, people)
                        people = badges.select(meeting)
                        figures["weasyprint photos"] = _bare_weasyprint(meeting, people)
                        figures["4 photos"] = _print(meeting, host, people, LANGUAGE)
                    worker.terminate()
                    worker.wait()
            reference = figures["reportlab"]
            print(f"{COUNT} badges not drawn before, A4 sheets of 4, on {os.cpu_count()} cores:")
            print(f"  ReportLab routine, one process:        {reference:6.2f} s")
            print(f"  bare WeasyPrint, one process:          {figures['weasyprint']:6.2f} s")
            for count in (2, 4):
                print(
                    f"  print job, {count} Celery worker processes: {figures[count]:6.2f} s "
                    f"({figures[count] / reference:.1f}x ReportLab, "
                    f"{figures[count] / figures['weasyprint']:.2f}x bare WeasyPrint)"
                )
            print(f"With a photo on every badge (each its own, {photo_kb:.0f} kB on average):")
            bare, job = figures["weasyprint photos"], figures["4 photos"]
            print(
                f"  bare WeasyPrint, one process:          {bare:6.2f} s "
                f"({bare / figures['weasyprint']:.2f}x without photos)"
            )
            print(
                f"  print job, 4 Celery worker processes: {job:6.2f} s "
                f"({job / figures[4]:.2f}x without photos)"
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait()
        drop()


if __name__ == "__main__":
    main()
