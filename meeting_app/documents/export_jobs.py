"""Files too large for a web request, as render jobs (jobs.py): the same row,
states, heartbeat, polling page and sweep as a print, so that a 50,000 person
export is written by a task that gunicorn's timeout cannot kill. Two kinds:

- PARTICIPANTS, the organisers' export (CSV or XLSX): the task streams it
  (registration/exports.py: one statement read in chunks), reporting its progress
  every chunk of rows;
- PARTICIPANT_LIST, the official list of participants (participant_list.py: PDF,
  XLSX or DOCX): built whole, then drawn, reporting the people written (XLSX,
  DOCX) or the pages WeasyPrint lays out (PDF).

Either way the task writes the file into a temporary file, stores it in the job's
parts (RenderJobPart, PIECE_BYTES each) and marks the job done. The download
reads those pieces one at a time: the web server never holds the whole file, and
any server can answer.
"""

import logging
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import BinaryIO

import sqlalchemy as sa
from celery import shared_task

from meeting_app.core import tasks
from meeting_app.documents import jobs, participant_list
from meeting_app.documents.models import RenderJob, RenderJobPart
from meeting_app.documents.tasks import run_step
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration import exports
from meeting_app.registration.queries import Filters, participants_query

# RenderJob.kind
PARTICIPANTS = "participants"
PARTICIPANT_LIST = "participant_list"
PIECE_BYTES = 1024 * 1024
# Seconds: 50,000 rows take a few; the list of 50,000 people as a PDF, two minutes
# on a loaded worker; more, a slower one.
EXPORT_LIMIT = 600
# The list's progress is written once it has moved by this many people.
LIST_PROGRESS_PEOPLE = 500
# People on a page of the list's PDF, to tell the progress from the pages laid out:
# 185 pages for 5,000 people, 1,793 for 50,000 (bench/participant_list.py's).
PEOPLE_PER_PAGE = 27


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


def create_list(
    meeting, user, *, fmt: str, language: str, edition: participant_list.Edition, total: int
) -> RenderJob:
    """A new job drawing the list of participants (flushed; send
    `export_participant_list` after the commit). `total`: the people it lists now."""
    return jobs.create(
        meeting,
        user,
        kind=PARTICIPANT_LIST,
        parameters={"fmt": fmt, "language": language, "edition": edition.value},
        total=total,
        # As ParticipantList.filename names it.
        filename=participant_list.filename(meeting.slug, language, edition, fmt),
    )


@shared_task(
    name="documents.export_participants",
    soft_time_limit=EXPORT_LIMIT,
    time_limit=EXPORT_LIMIT + 30,
)
def export_participants(job_id: str) -> None:
    _run(job_id, _write_export)


@shared_task(
    name="documents.export_participant_list",
    soft_time_limit=EXPORT_LIMIT,
    time_limit=EXPORT_LIMIT + 30,
)
def export_participant_list(job_id: str) -> None:
    _run(job_id, _write_list)


Writer = Callable[[RenderJob, BinaryIO], int]


def _run(job_id: str, write: Writer) -> None:
    """A task's run of a job whose result is a file: `write(job, file)` writes it
    and says how many rows or people it holds; a failure ends the job as failed,
    with the reason for the page and the logs, as any render job's step does."""
    run_step(job_id, lambda job, _meeting: _write_and_store(job, write))


def _write_and_store(job: RenderJob, write: Writer) -> None:
    if not jobs.start(job.id, parts=0, done=0):
        db.session.rollback()  # started before: a task delivered again
        return
    tasks.commit()
    with tempfile.TemporaryFile() as file:
        written = write(job, file)
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


def _write_export(job: RenderJob, file: BinaryIO) -> int:
    parameters = job.parameters
    meeting = db.session.get(Meeting, job.meeting_id)
    header, rows = exports.participant_export(
        meeting,
        participants_query(meeting, Filters.from_args(parameters["filters"])),
        parameters["language"],
        sensitive=parameters["sensitive"],
    )
    return exports.write_spreadsheet(
        file,
        parameters["fmt"],
        header,
        _reporting(job.id, rows),
        meeting.slug,
        parameters["delimiter"],
    )


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


def _write_list(job: RenderJob, file: BinaryIO) -> int:
    """The list built (read and ordered), then drawn: its progress is the people
    written into the XLSX or DOCX, or for the PDF the pages WeasyPrint has laid out
    (about half of its time), told as people (PEOPLE_PER_PAGE); its heartbeat, those
    and each of WeasyPrint's other steps."""
    fmt, language = job.parameters["fmt"], job.parameters["language"]
    edition = participant_list.Edition(job.parameters["edition"])
    meeting = db.session.get(Meeting, job.meeting_id)
    progress = _Progress(job.id)
    with _beating(job.id):
        document = participant_list.build(meeting, language=language, edition=edition)
        tasks.commit()  # read: no transaction held open while it is drawn
        progress.write()  # built
        if fmt == "pdf":
            with _following_weasyprint(progress.weasyprint_step):
                body = participant_list.to_pdf(document)
        else:
            body = participant_list.EXPORTERS[fmt](_counted(document, progress))
    progress.to(document.count)
    progress.write()  # drawn
    file.write(body)
    return document.count


@contextmanager
def _beating(job_id: str) -> Iterator[None]:
    """The job's heartbeat from a thread of its own while the list is built and
    drawn: some of WeasyPrint's steps say nothing for long (writing the PDF of
    50,000 people, 39 s on a loaded worker; the window is RENDER_HEARTBEAT_SECONDS).
    The thread dies with its worker, as a heartbeat should; a render that never
    ends meets the task's time limit."""
    engine = db.engine
    every = jobs.heartbeat_window().total_seconds() / 4
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            with engine.begin() as connection:
                connection.execute(
                    sa.update(RenderJob)
                    .where(RenderJob.id == job_id, RenderJob.state == jobs.RUNNING)
                    .values(heartbeat_at=utcnow())
                )

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class _Progress:
    """A job's progress in people, written (with its heartbeat) once it has moved
    by LIST_PROGRESS_PEOPLE since last written, or when asked."""

    def __init__(self, job_id: str):
        self.job_id = job_id
        self.done = self.written = 0
        self.step = ""  # WeasyPrint's last step

    def to(self, done: int) -> None:
        self.done = done
        if self.done - self.written >= LIST_PROGRESS_PEOPLE:
            self.write()

    def add(self, people: int) -> None:
        self.to(self.done + people)

    def write(self) -> None:
        _progress(self.job_id, self.done)
        self.written = self.done

    def weasyprint_step(self, message: str, args: tuple) -> None:
        if message == _LAYOUT_PAGE:
            # The people on the pages before this one (never past the total: _progress).
            self.to((args[0] - 1) * PEOPLE_PER_PAGE)
        elif message != self.step:
            # A step of its own (parsing, styling, writing the PDF): a heartbeat.
            self.step = message
            self.write()


class _Counted(tuple):
    """A group's entries, counted into the job's progress as an exporter reads them."""

    progress: _Progress

    def __iter__(self) -> Iterator[participant_list.Entry]:
        for entry in super().__iter__():
            yield entry
            self.progress.add(1)


def _counted(
    document: participant_list.ParticipantList, progress: _Progress
) -> participant_list.ParticipantList:
    groups = []
    for group in document.groups:
        entries = _Counted(group.entries)
        entries.progress = progress
        groups.append(replace(group, entries=entries))
    return replace(document, groups=tuple(groups))


# WeasyPrint tells its steps to this logger, and each page as it lays it out: the
# only way to follow a render from outside. Its messages go to the job drawing in
# the thread that logs them, and are dropped there: never logged (one a page), as
# before.
_WEASYPRINT_PROGRESS = logging.getLogger("weasyprint.progress")
_LAYOUT_PAGE = "Step 5 - Creating layout - Page %d"
_following = threading.local()


class _WeasyPrintSteps(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        follow = getattr(_following, "step", None)
        if follow is not None:
            follow(record.msg, record.args)
        return False


# Once, on import (not on first use, where two threads could both add it).
_WEASYPRINT_PROGRESS.addFilter(_WeasyPrintSteps())
_WEASYPRINT_PROGRESS.setLevel(logging.INFO)


@contextmanager
def _following_weasyprint(step: Callable[[str, tuple], None]) -> Iterator[None]:
    """`step(message, args)` for each of WeasyPrint's progress messages in this
    thread while it is open."""
    _following.step = step
    try:
        yield
    finally:
        _following.step = None


def pieces(job_id: str, parts: int) -> Iterator[bytes]:
    """A finished export's file, a piece at a time (a query each: at most one piece
    in memory). Ids, not the job: a streamed response reads in a session of its own."""
    for number in range(parts):
        yield db.session.scalar(
            sa.select(RenderJobPart.pdf).where(
                RenderJobPart.job_id == job_id, RenderJobPart.number == number
            )
        )
