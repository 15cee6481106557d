"""Participant exports too large for a web request, as render jobs (jobs.py): the
same row, states, heartbeat, polling page and sweep as a print, so that a 50,000
person CSV or XLSX is written by a task that gunicorn's timeout cannot kill.

The task streams the export (registration/exports.py: one statement read in
chunks) into a temporary file, reporting its progress as it goes, then stores the
file in the job's parts (RenderJobPart, PIECE_BYTES each) and marks the job done.
The download reads those pieces one at a time: neither the worker nor the web
server ever holds the whole file, and any server can answer.
"""

import logging
import tempfile
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from meeting_app.core import tasks
from meeting_app.documents import jobs
from meeting_app.documents.models import RenderJob, RenderJobPart
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration import exports
from meeting_app.registration.queries import Filters, participants_query

log = logging.getLogger(__name__)

PARTICIPANTS = "participants"  # RenderJob.kind
PIECE_BYTES = 1024 * 1024
# Seconds: 50,000 rows take a few; a loaded worker, more.
EXPORT_LIMIT = 600


def count(query: sa.Select) -> int:
    """How many rows the export of `query` will have (one COUNT, no rows read)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )


def create(
    meeting,
    user,
    *,
    fmt: str,
    filters: Filters,
    language: str,
    sensitive: bool,
    delimiter: str,
    total: int,
) -> RenderJob:
    """A new export job (flushed; send `export_participants` after the commit)."""
    return jobs.create(
        meeting,
        user,
        kind=PARTICIPANTS,
        parameters={
            "fmt": fmt,
            "filters": filters.as_args(),
            "language": language,
            "sensitive": sensitive,
            "delimiter": delimiter,
        },
        total=total,
        filename=f"{meeting.slug}-participants.{fmt}",
    )


@shared_task(
    name="documents.export_participants",
    soft_time_limit=EXPORT_LIMIT,
    time_limit=EXPORT_LIMIT + 30,
)
def export_participants(job_id: str) -> None:
    job = jobs.alive(job_id)
    tasks.commit()
    if job is None:  # ended meanwhile, or a task delivered again
        return
    try:
        _export(job)
    except SoftTimeLimitExceeded as error:
        db.session.rollback()
        log.warning("export job %s took too long", job_id)
        jobs.fail(job_id, jobs.RENDER, str(error))
        tasks.commit()
    except Exception as error:
        db.session.rollback()
        log.exception("export job %s failed", job_id)
        jobs.fail(job_id, jobs.ERROR, repr(error))
        tasks.commit()
        raise


def _export(job: RenderJob) -> None:
    if not jobs.start(job.id, parts=0, done=0):
        db.session.rollback()  # started before: a task delivered again
        return
    tasks.commit()
    parameters = job.parameters
    meeting = db.session.get(Meeting, job.meeting_id)
    header, rows = exports.participant_export(
        meeting,
        participants_query(meeting, Filters.from_args(parameters["filters"])),
        parameters["language"],
        sensitive=parameters["sensitive"],
    )
    with tempfile.TemporaryFile() as file:
        written = exports.write_spreadsheet(
            file,
            parameters["fmt"],
            header,
            _reporting(job.id, rows),
            meeting.slug,
            parameters["delimiter"],
        )
        file.seek(0)
        pieces = 0
        while piece := file.read(PIECE_BYTES):
            db.session.execute(
                sa.insert(RenderJobPart).values(job_id=job.id, number=pieces, pdf=piece)
            )
            pieces += 1
    if not jobs.finish_in_parts(job.id, parts=pieces, total=written):
        db.session.rollback()  # failed meanwhile (its heartbeat lapsed): stays failed
        return
    tasks.commit()


def _reporting(job_id: str, rows: Iterable[list]) -> Iterator[list]:
    """`rows`, the job's progress and heartbeat written every chunk."""
    done = 0
    for done, row in enumerate(rows, start=1):
        if done % exports.CHUNK_ROWS == 0:
            _progress(job_id, done)
        yield row


def _progress(job_id: str, done: int) -> None:
    """On a connection of its own, committed at once: the export's own transaction
    stays open while it reads (PostgreSQL's server-side cursor lives only as long
    as its transaction), and the job's page must see the progress now."""
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(RenderJob)
            .where(RenderJob.id == job_id, RenderJob.state == jobs.RUNNING)
            .values(
                # Never past the total counted when it started (people register meanwhile).
                done=sa.case((RenderJob.total < done, RenderJob.total), else_=done),
                heartbeat_at=utcnow(),
            )
        )


def pieces(job_id: str, parts: int) -> Iterator[bytes]:
    """A finished export's file, a piece at a time (a query each: at most one piece
    in memory). Ids, not the job: a streamed response reads in a session of its own."""
    for number in range(parts):
        yield db.session.scalar(
            sa.select(RenderJobPart.pdf).where(
                RenderJobPart.job_id == job_id, RenderJobPart.number == number
            )
        )
