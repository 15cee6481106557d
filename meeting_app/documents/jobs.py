"""Long renders (hundreds of badges) run in the background while the browser
shows their progress, instead of a page that spins for a minute.

A job is two files in the instance folder: its state (JSON, replaced atomically
as it moves) and, once done, its PDF. Files, not memory, so that any web worker
process on the machine can answer the browser's polls. Jobs belong to the user
who started them and are removed after a day.
"""

import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Flask, current_app

from meeting_app.extensions import db

KEEP_SECONDS = 24 * 3600
Progress = Callable[[int, int], None]
# Runs inside an app context in the job's thread: returns the PDF. What it changes
# in the database is committed only once the PDF is stored (badges are marked
# printed only if there is a file to print).
Work = Callable[[Progress], bytes]


@dataclass
class Job:
    id: str
    user_id: int
    filename: str
    state: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "renders"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(path: Path, content: bytes) -> None:
    """Whole or not at all: a full disk leaves no partial file behind."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def _save(folder: Path, job: Job) -> None:
    _write(folder / f"{job.id}.json", json.dumps(asdict(job)).encode())


def _remove_old(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def start(*, user_id: int, filename: str, total: int, work: Work) -> str:
    folder = _folder()
    _remove_old(folder)
    job = Job(id=secrets.token_urlsafe(16), user_id=user_id, filename=filename, total=total)
    _save(folder, job)
    app = current_app._get_current_object()
    threading.Thread(target=_run, args=(app, folder, job, work), daemon=True).start()
    return job.id


def _run(app: Flask, folder: Path, job: Job, work: Work) -> None:
    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        _save(folder, job)

    with app.app_context():
        try:
            pdf = work(progress)
            _write(folder / f"{job.id}.pdf", pdf)
            db.session.commit()
            job.state, job.done = "done", job.total
        except Exception:  # reported to the person as a failed job, logged here
            db.session.rollback()
            app.logger.exception("render job %s failed", job.id)
            job.state = "failed"
        try:
            _save(folder, job)
        except OSError:  # the disk is full: the state cannot be recorded either
            app.logger.exception("render job %s: state not saved", job.id)


def get(job_id: str, user_id: int) -> Job | None:
    """The job if it exists and is this user's (anyone else gets nothing)."""
    if not job_id.replace("-", "").replace("_", "").isalnum():
        return None
    try:
        job = Job(**json.loads((_folder() / f"{job_id}.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return job if job.user_id == user_id else None


def result(job: Job) -> bytes | None:
    try:
        return (_folder() / f"{job.id}.pdf").read_bytes()
    except OSError:
        return None
