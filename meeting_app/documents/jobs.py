"""Print and render jobs: long renders (hundreds of badges, every letter) done by
tasks (documents/tasks.py) while the browser follows their progress.

A job is a row (RenderJob): its state, progress, heartbeat and, once done, its
PDF, so that any server answers the polls and the download, and no folder needs
to be shared between servers. (A participant export keeps its file in its parts
instead: export_jobs.py.) Jobs belong to the user who started them; the PDF
stays downloadable for KEEP, and the sweep deletes older jobs.

Every change of state is one conditional UPDATE, so that two processes deciding
about the same job at once (a task finishing it, a poll finding its heartbeat
lapsed) cannot both win: a job marked failed is never finished afterwards, and
what finishing records (the badges printed) is never recorded by a dead job.
These functions flush; the caller commits.
"""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from meeting_app.documents.models import RenderJob, RenderJobPart
from meeting_app.extensions import db
from meeting_app.models import utcnow

KEEP = timedelta(hours=24)
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ACTIVE = (QUEUED, RUNNING)
# Why a job failed (RenderJob.failure).
RENDER, STOPPED, ERROR = "render", "stopped", "error"


def heartbeat_window() -> timedelta:
    return timedelta(seconds=current_app.config["RENDER_HEARTBEAT_SECONDS"])


def create(meeting, user, *, kind: str, parameters: dict, total: int, filename: str) -> RenderJob:
    job = RenderJob(
        id=secrets.token_urlsafe(16),
        meeting_id=meeting.id,
        user_id=user.id,
        kind=kind,
        parameters=parameters,
        total=total,
        filename=filename,
        heartbeat_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def again(job: RenderJob, meeting, user) -> RenderJob:
    """A new job doing what `job` did (a retry: the same selection and options)."""
    return create(
        meeting,
        user,
        kind=job.kind,
        parameters=dict(job.parameters),
        total=job.total,
        filename=job.filename,
    )


def find(job_id: str, user, meeting, kinds: tuple[str, ...]) -> RenderJob | None:
    """The job if it is this user's, of this meeting and of one of these kinds, and
    still kept; anyone else gets nothing. A job whose heartbeat has lapsed is marked
    failed on the way (the caller commits)."""
    if len(job_id) > 32:
        return None
    job = db.session.execute(
        sa.select(RenderJob).where(
            RenderJob.id == job_id,
            RenderJob.user_id == user.id,
            RenderJob.meeting_id == meeting.id,
            RenderJob.kind.in_(kinds),
            RenderJob.created_at > utcnow() - KEEP,
        )
    ).scalar_one_or_none()
    if job is not None and job.state in ACTIVE and fail_lapsed(job.id):
        db.session.refresh(job)
    return job


def result(job: RenderJob) -> bytes | None:
    return job.pdf if job.state == DONE else None


def _update(job_id: str, *conditions, **values) -> int:
    """One conditional UPDATE of the job; how many rows it changed (0 or 1)."""
    return db.session.execute(
        sa.update(RenderJob)
        .where(RenderJob.id == job_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount


def lapsed(now: datetime | None = None):
    return RenderJob.heartbeat_at < (now or utcnow()) - heartbeat_window()


def fail_lapsed(job_id: str) -> bool:
    """Marks the job failed if it is still queued or running and its heartbeat has
    lapsed (its worker died, or none ever took it)."""
    return bool(
        _update(
            job_id,
            RenderJob.state.in_(ACTIVE),
            lapsed(),
            state=FAILED,
            failure=STOPPED,
            finished_at=utcnow(),
        )
    )


def fail(job_id: str, failure: str, error: str = "") -> bool:
    """Marks a job failed unless it has ended already."""
    return bool(
        _update(
            job_id,
            RenderJob.state.in_(ACTIVE),
            state=FAILED,
            failure=failure,
            error=error[:2000],
            finished_at=utcnow(),
        )
    )


def alive(job_id: str) -> RenderJob | None:
    """A task's first step: the job, its heartbeat refreshed, if it is still queued
    or running; None for a job that has ended (failed, done, deleted): a task
    delivered again after its worker died must not bring it back."""
    if not _update(job_id, RenderJob.state.in_(ACTIVE), heartbeat_at=utcnow()):
        return None
    return db.session.get(RenderJob, job_id)


def start(job_id: str, *, parts: int, done: int) -> bool:
    """The job is planned: `parts` chunks to do, `done` items needing none."""
    return bool(
        _update(
            job_id,
            RenderJob.state == QUEUED,
            state=RUNNING,
            parts=parts,
            done=done,
            heartbeat_at=utcnow(),
        )
    )


def part_started(job_id: str) -> bool:
    """A chunk starts. While chunks of a job wait in the queue behind other work,
    the workers' progress keeps the job's heartbeat fresh: a job waiting for a
    worker is not a job whose worker died."""
    now = utcnow()
    started = _update(
        job_id,
        RenderJob.state == RUNNING,
        parts_started=RenderJob.parts_started + 1,
        heartbeat_at=now,
    )
    db.session.execute(
        sa.update(RenderJob)
        .where(
            RenderJob.id != job_id,
            RenderJob.heartbeat_at < now - heartbeat_window() / 2,
            ~lapsed(now),
            sa.or_(
                RenderJob.state == QUEUED,
                sa.and_(RenderJob.state == RUNNING, RenderJob.parts_started < RenderJob.parts),
            ),
        )
        .values(heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(started)


def part_done(job_id: str, number: int, items: int, pdf: bytes | None = None) -> bool | None:
    """Records a finished chunk and its progress in one UPDATE; True when it was the
    last one (the caller then starts the assembly), None when the job has ended
    meanwhile or this chunk was counted before (a task delivered twice): the caller
    rolls back."""
    db.session.add(RenderJobPart(job_id=job_id, number=number, pdf=pdf))
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # counted already, by the same task delivered before
        return None
    row = db.session.execute(
        sa.update(RenderJob)
        .where(RenderJob.id == job_id, RenderJob.state == RUNNING)
        .values(
            done=RenderJob.done + items,
            parts_done=RenderJob.parts_done + 1,
            heartbeat_at=utcnow(),
        )
        .returning(RenderJob.parts_done, RenderJob.parts)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return None
    return row.parts_done >= row.parts


def part_counted(job_id: str, number: int) -> bool:
    return (
        db.session.scalar(
            sa.select(RenderJobPart.id).where(
                RenderJobPart.job_id == job_id, RenderJobPart.number == number
            )
        )
        is not None
    )


def parts(job_id: str) -> list[bytes]:
    """The chunks' PDFs, in order."""
    return list(
        db.session.execute(
            sa.select(RenderJobPart.pdf)
            .where(RenderJobPart.job_id == job_id)
            .order_by(RenderJobPart.number)
        ).scalars()
    )


def finish(job_id: str, pdf: bytes) -> bool:
    """Stores the PDF, if the job is still running: what the caller records with it
    (in the same transaction) then holds only for a job that really finished."""
    ok = _update(
        job_id,
        RenderJob.state == RUNNING,
        state=DONE,
        pdf=pdf,
        done=RenderJob.total,
        finished_at=utcnow(),
        heartbeat_at=utcnow(),
    )
    if ok:
        db.session.execute(sa.delete(RenderJobPart).where(RenderJobPart.job_id == job_id))
    return bool(ok)


def finish_in_parts(job_id: str, *, parts: int, total: int) -> bool:
    """Marks done, if it is still running, a job whose result is its parts' bytes in
    order (an export, stored in pieces and downloaded piece by piece); `total`: the
    rows it holds."""
    return bool(
        _update(
            job_id,
            RenderJob.state == RUNNING,
            state=DONE,
            parts=parts,
            parts_done=parts,
            done=total,
            total=total,
            finished_at=utcnow(),
            heartbeat_at=utcnow(),
        )
    )


def sweep() -> int:
    """Marks failed the jobs whose heartbeat has lapsed, and deletes those older than
    KEEP (their PDF with them). Returns how many jobs it changed."""
    now = utcnow()
    failed = db.session.execute(
        sa.update(RenderJob)
        .where(RenderJob.state.in_(ACTIVE), lapsed(now))
        .values(state=FAILED, failure=STOPPED, finished_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    old = sa.select(RenderJob.id).where(RenderJob.created_at < now - KEEP)
    db.session.execute(sa.delete(RenderJobPart).where(RenderJobPart.job_id.in_(old)))
    deleted = db.session.execute(
        sa.delete(RenderJob)
        .where(RenderJob.created_at < now - KEEP)
        .execution_options(synchronize_session=False)
    ).rowcount
    return failed + deleted
