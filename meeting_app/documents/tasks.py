"""Print and render jobs, and drawing badges ahead, as tasks.

A job (jobs.py) is planned by `start_job`, which splits what must be drawn into
chunks and sends one `render_part` task per chunk, so that the chunks spread over
every worker process of every server; each chunk stores what it drew and adds its
progress in one UPDATE, and the chunk that completes the job sends `assemble`,
which stores the PDF (and, for badges, records the prints) in one transaction,
only if the job is still running. Every step checks first that the job has not
ended: a task delivered again after its worker died does nothing to a job marked
failed meanwhile.
"""

import logging
from datetime import timedelta

import sqlalchemy as sa
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from meeting_app.accounts.models import User
from meeting_app.core import tasks
from meeting_app.documents import ahead, badges, booklet, booklet_store, jobs, letters
from meeting_app.documents.models import BadgeDrawing, RenderJob
from meeting_app.documents.pdf import RenderError, join, render_pdf
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow

log = logging.getLogger(__name__)

BADGES, LETTERS, CERTIFICATES = "badges", "letters", "certificates"
LETTER_KINDS = {LETTERS: letters.LETTER, CERTIFICATES: letters.CERTIFICATE}
# Seconds: a chunk draws a few dozen badges or letters (a few seconds); placing a
# print's thousands of pages takes longer.
PART_LIMIT, ASSEMBLY_LIMIT = 120, 600


def badge_print(meeting, user, people, *, layout: str, language: str, base_url: str):
    """A new print job of `people`'s badges (flushed; `start_job` after the commit)."""
    return jobs.create(
        meeting,
        user,
        kind=BADGES,
        parameters={
            "ids": [p.id for p in people],
            "layout": layout,
            "language": language,
            "base_url": base_url,
        },
        total=len(people),
        filename=f"{meeting.slug}-badges-{layout}.pdf",
    )


def run_step(job_id: str, step) -> None:
    """Runs one step of a job, refreshing its heartbeat first; a step that fails
    ends the job as failed, with the reason for the page and the logs."""
    job = jobs.alive(job_id)
    tasks.commit()
    if job is None:
        return
    meeting = db.session.get(Meeting, job.meeting_id)
    try:
        step(job, meeting)
    except (RenderError, SoftTimeLimitExceeded) as error:
        db.session.rollback()
        log.warning("render job %s failed: %s", job_id, error)
        jobs.fail(job_id, jobs.RENDER, str(error))
        tasks.commit()
    except Exception as error:
        db.session.rollback()
        log.exception("render job %s failed", job_id)
        jobs.fail(job_id, jobs.ERROR, repr(error))
        tasks.commit()
        raise


@shared_task(name="documents.start_job", soft_time_limit=PART_LIMIT, time_limit=PART_LIMIT + 30)
def start_job(job_id: str) -> None:
    run_step(job_id, _plan)


def _plan(job: RenderJob, meeting: Meeting) -> None:
    ids = job.parameters["ids"]
    if job.kind == BADGES:
        # Only badges not drawn before (or changed since) need a chunk.
        layout = badges.LAYOUTS[job.parameters["layout"]]
        people = _people(meeting, ids)
        missing = badges.missing(
            meeting,
            people,
            layout.format,
            job.parameters["language"],
            job.parameters["base_url"],
        )
        ids = [p.id for p in missing]
        chunk = badges.CHUNK
    else:
        chunk = letters.CHUNK
    chunks = [ids[i : i + chunk] for i in range(0, len(ids), chunk)]
    if not jobs.start(job.id, parts=len(chunks), done=job.total - len(ids)):
        db.session.rollback()  # planned before: a task delivered again
        return
    for number, part in enumerate(chunks):
        tasks.enqueue(render_part, job.id, number, part)
    if not chunks:
        tasks.enqueue(assemble, job.id)
    tasks.commit()


@shared_task(name="documents.render_part", soft_time_limit=PART_LIMIT, time_limit=PART_LIMIT + 30)
def render_part(job_id: str, number: int, ids) -> None:
    run_step(job_id, lambda job, meeting: _render_part(job, meeting, number, list(ids)))


def _render_part(job: RenderJob, meeting: Meeting, number: int, ids: list[int]) -> None:
    if jobs.part_counted(job.id, number):
        return
    jobs.part_started(job.id)
    tasks.commit()
    parameters = job.parameters
    pdf = None
    if job.kind == BADGES:
        format = badges.LAYOUTS[parameters["layout"]].format
        people = badges.select(meeting, ids=ids)
        badges.draw(meeting, people, format, parameters["language"], parameters["base_url"])
    else:
        people = _letter_people(meeting, job.kind, ids)
        pdf = render_pdf(
            letters.documents_html(meeting, LETTER_KINDS[job.kind], people, parameters["language"])
        )
    last = jobs.part_done(job.id, number, len(ids), pdf)
    if last is None:  # the job ended meanwhile, or this chunk was counted before
        db.session.rollback()
        return
    if last:
        tasks.enqueue(assemble, job.id)
    tasks.commit()


@shared_task(
    name="documents.assemble", soft_time_limit=ASSEMBLY_LIMIT, time_limit=ASSEMBLY_LIMIT + 30
)
def assemble(job_id: str) -> None:
    run_step(job_id, _assemble)


def _assemble(job: RenderJob, meeting: Meeting) -> None:
    parameters = job.parameters
    if job.kind == BADGES:
        people = _people(meeting, parameters["ids"])
        pdf = badges.badges_pdf(
            meeting,
            people,
            layout=parameters["layout"],
            language=parameters["language"],
            base_url=parameters["base_url"],
        )
    else:
        pdf = join(jobs.parts(job.id))
    # The PDF and the prints it holds in one transaction, for a job still running.
    if not jobs.finish(job.id, pdf):
        db.session.rollback()
        return
    if job.kind == BADGES:
        badges.record_prints(people, parameters["layout"], db.session.get(User, job.user_id))
        if job.parts:  # the print drew badges: the meeting's others, for the next one
            format = badges.LAYOUTS[parameters["layout"]].format
            ahead.request(meeting.id, parameters["base_url"], format, parameters["language"])
    tasks.commit()


def _people(meeting: Meeting, ids: list[int]):
    """The job's badges, in the print's order (those approved and not erased still)."""
    chosen = set(ids)
    return [p for p in badges.select(meeting) if p.id in chosen]


def _letter_people(meeting: Meeting, kind: str, ids: list[int]):
    chosen = set(ids)
    everyone = (
        letters.letter_recipients(meeting)
        if kind == LETTERS
        else letters.certificate_recipients(meeting)
    )
    return [p for p in everyone if p.id in chosen]


@shared_task(name="documents.sweep_jobs")
def sweep_jobs() -> int:
    """Every minute (beat): jobs whose worker died are marked failed, old ones go."""
    changed = jobs.sweep()
    tasks.commit()
    return changed


# Drawing ahead, one task at a time per meeting, format and language.

# A claim older than this is a dead worker's (a drawing round commits every chunk).
CLAIM_SECONDS = 300


@shared_task(name="documents.draw_ahead", soft_time_limit=3600, time_limit=3660)
def draw_ahead(
    meeting_id: int, base_url: str, format: str | None = None, language: str | None = None
) -> int:
    """Draws the meeting's missing badges, unless another task is at it: that one
    then goes round once more. Returns how many this task drew."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return 0
    format, language = badges.ahead_format(meeting, format, language)
    key = (meeting_id, format, language)
    if not _claim(key):
        return 0
    drawn = 0
    try:
        while True:
            drawn += badges.draw(
                meeting,
                badges.select(meeting),
                format,
                language,
                base_url,
                chunk_done=lambda: _commit_claim(key),
            )
            tasks.commit()
            if _release(key):
                return drawn
            db.session.expire_all()  # changed meanwhile: read again from scratch
    except Exception:
        db.session.rollback()
        _drawing(key, claimed_at=None, again=False)
        tasks.commit()
        raise


def _where(key):
    meeting_id, format, language = key
    return (
        BadgeDrawing.meeting_id == meeting_id,
        BadgeDrawing.format == format,
        BadgeDrawing.language == language,
    )


def _drawing(key, *conditions, **values) -> int:
    return db.session.execute(
        sa.update(BadgeDrawing)
        .where(*_where(key), *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount


def _claim(key) -> bool:
    """True if this task is to draw; otherwise the drawer has been told to go round
    once more. One conditional UPDATE each way: of several tasks at once, one wins."""
    meeting_id, format, language = key
    if db.session.scalar(sa.select(BadgeDrawing.id).where(*_where(key))) is None:
        db.session.add(BadgeDrawing(meeting_id=meeting_id, format=format, language=language))
        try:
            tasks.commit()
        except sa.exc.IntegrityError:  # another task made it meanwhile
            db.session.rollback()
    free = sa.or_(
        BadgeDrawing.claimed_at.is_(None),
        BadgeDrawing.claimed_at < _stale(),
    )
    while True:
        if _drawing(key, free, claimed_at=utcnow(), again=False):
            tasks.commit()
            return True
        # Busy: the drawer will go round again; unless it let go meanwhile, when
        # this task tries to claim again.
        if _drawing(key, ~free, again=True):
            tasks.commit()
            return False
        db.session.rollback()


def _stale():
    return utcnow() - timedelta(seconds=CLAIM_SECONDS)


def _commit_claim(key) -> None:
    _drawing(key, claimed_at=utcnow())
    tasks.commit()


def _release(key) -> bool:
    """Lets go, unless a change came meanwhile: then False, and another round."""
    if _drawing(key, BadgeDrawing.again.is_(False), claimed_at=None):
        tasks.commit()
        return True
    _drawing(key, claimed_at=utcnow(), again=False)
    tasks.commit()
    return False


# The programme booklet drawn ahead (booklet_store.py).


@shared_task(name="documents.draw_booklets", soft_time_limit=600, time_limit=660)
def draw_booklets(meeting_id: int) -> int:
    """Draws the booklets of the meeting's published agenda (each of its languages
    on each paper) that are not kept for its present state, committing each, then
    drops those of older versions. Returns how many it drew. Two such tasks at once
    (a publication, then a new logo) may draw the same booklet twice: the last one
    kept stays, and both are right for their digest."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or booklet_store.published_version(meeting_id) == booklet_store.NO_VERSION:
        return 0  # nothing published: the booklet says so, drawn on demand
    drawn = 0
    try:
        for language, paper in booklet.ahead(meeting):
            drawn += booklet.booklet_file(meeting, language=language, paper=paper).drawn
            tasks.commit()
        booklet_store.forget_older(meeting_id, booklet_store.published_version(meeting_id))
        tasks.commit()
    except RenderError as error:  # the download draws it, or says why it cannot
        db.session.rollback()
        log.warning("programme booklet of meeting %s not drawn ahead: %s", meeting_id, error)
    return drawn
