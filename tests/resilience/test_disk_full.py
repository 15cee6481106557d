"""A full disk while writing an export: a clear message, no traceback, no partial
file, and an earlier export at that path kept intact."""

import errno
import os
import resource
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

import config
from meeting_app.accounts.models import Role
from meeting_app.documents.models import BadgePrint, RenderJob
from meeting_app.extensions import db
from meeting_app.registration.models import Category, Participant

EXPORTS = [
    ["participants", "csv"],
    ["participants", "xlsx"],
    ["delegations", "csv"],
    ["arrivals", "csv"],
    ["calendar", "ics"],
    ["badges", "pdf", "--layout", "a6"],
]


def full_disk_path(tmp_path, extension: str) -> str:
    """A path whose writes fail with ENOSPC, as on a full disk: /dev/full, under a
    name with the extension the export expects."""
    path = tmp_path / f"export.{extension}"
    path.symlink_to("/dev/full")
    return str(path)


@pytest.mark.parametrize("command", EXPORTS, ids=lambda command: "-".join(command[:2]))
def test_an_export_to_a_full_disk_fails_with_a_clear_message(
    runner, tmp_path, open_meeting, make_participant, command
):
    meeting = open_meeting(slug="board")
    make_participant(meeting)
    name, extension, *options = command
    out = full_disk_path(tmp_path, extension)
    result = runner.invoke(args=["export", name, *options, "--meeting", "board", "--out", out])
    assert result.exit_code == 1
    assert f"Could not write {out}: No space left on device" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_badges_that_could_not_be_written_are_not_marked_printed(
    runner, tmp_path, open_meeting, make_participant
):
    make_participant(open_meeting(slug="board"))
    out = full_disk_path(tmp_path, "pdf")
    runner.invoke(args=["export", "badges", "--meeting", "board", "--out", out])
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(BadgePrint.id))) == 0


def _limit_file_size():
    # The kernel refuses to grow any file past 64 KiB (EFBIG), as a full disk would
    # refuse (ENOSPC) after part of the file is written. Python ignores SIGXFSZ.
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))


def test_a_write_failing_midway_leaves_no_partial_file(
    database_url, tmp_path, open_meeting, make_participant
):
    meeting = open_meeting(slug="board", capacity=None)
    db.session.add_all(
        Participant(
            meeting=meeting,
            given_name="Given",
            family_name=f"Family {n}",
            badge_name="",
            email=f"p{n}@example.org",
            organisation="Ministère de l'Économie, des Finances et de la Réforme " * 3,
            category=Category.DONOR,
        )
        for n in range(600)
    )
    db.session.commit()
    out = tmp_path / "participants.csv"
    out.write_text("an earlier export\n")
    env = {
        **os.environ,
        "APP_CONFIG": "testing",
        "TEST_DATABASE_URL": database_url,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "flask", "--app", "wsgi", "export", "participants"]
        + ["--meeting", "board", "--out", str(out)],
        cwd=config.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,  # noqa: PLW1509 (no threads in the child yet)
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert f"Could not write {out}: File too large. Nothing was written." in result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text() == "an earlier export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["participants.csv"]


def test_a_background_badge_print_on_a_full_disk_fails_and_marks_nothing_printed(
    client, make_user, login, open_meeting, make_participant
):
    """The finished PDF is stored in the database (any server serves it): a full
    disk there refuses the write, as SQLite and PostgreSQL do (an error on the
    UPDATE that stores it). The job ends failed, with nothing stored and no badge
    marked printed."""
    meeting = open_meeting(slug="board")
    make_participant(meeting)
    make_participant(meeting)
    make_user(Role.HOST, "door@example.org")
    login("door@example.org")
    with client.application.app_context():
        engine = db.engine

    def full_disk(_conn, _cursor, statement, parameters, _context, _many):
        # The UPDATE that stores the PDF (the only one that sets the column).
        if statement.startswith("UPDATE render_jobs") and "pdf=" in statement.replace(" ", ""):
            raise sa.exc.OperationalError(statement, parameters, OSError(errno.ENOSPC, "full"))

    sa.event.listen(engine, "before_cursor_execute", full_disk)
    try:
        started = client.post(
            "/desk/meetings/board/badges/jobs",
            data={"layout": "a4-8", "language": "en"},
            headers={"Accept": "application/json"},
        ).get_json()
    finally:
        sa.event.remove(engine, "before_cursor_execute", full_disk)
    deadline = time.monotonic() + 30
    while (job := client.get(started["status_url"]).get_json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    assert job["state"] == "failed" and "nothing was marked printed" in job["message"]
    assert job["download_url"] is None
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(RenderJob.pdf))) == 0
    assert db.session.scalar(db.select(db.func.count(BadgePrint.id))) == 0
