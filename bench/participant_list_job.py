"""The list of participants as a job (issue 21), 5,000 and 50,000 people side by side.

    .venv/bin/python bench/participant_list_job.py [formats...]   (default: pdf xlsx docx)

LIST_JOB_SIZES sets the sizes (default "5000,50000").

For each size, a scratch PostgreSQL database populated as bench/participant_list.py
does; for each format, in a fresh process: the GET that starts the job (time, SQL
statements), then the job's task run in that process (time, its progress writes and
the longest gap between two heartbeats, the stored file, peak RSS).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import participant_list as bench_list  # noqa: E402
from common import count_queries, scratch_database  # noqa: E402

from meeting_app import create_app  # noqa: E402

SIZES = tuple(int(n) for n in os.environ.get("LIST_JOB_SIZES", "5000,50000").split(","))


def measure(url: str, fmt: str) -> dict:
    import sqlalchemy as sa

    from meeting_app.accounts.services import create_user
    from meeting_app.core import tasks as core_tasks
    from meeting_app.documents import export_jobs
    from meeting_app.documents.models import RenderJob, RenderJobPart
    from meeting_app.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    sent = []
    core_tasks.send = lambda task, *args: sent.append(args)  # the task is run below
    with app.app_context():
        create_user(f"org-{fmt}@example.org", "a long enough password", is_admin=True)
        db.session.commit()
    client = app.test_client()
    client.post(
        "/login", data={"email": f"org-{fmt}@example.org", "password": "a long enough password"}
    )
    path = f"/manage/meetings/{bench_list.SLUG}/list-of-participants.{fmt}?language=fr"
    client.get(path.replace(f".{fmt}", ""))  # warm the app
    answer = {}

    def get():
        start = time.perf_counter()
        answer["response"] = client.get(path)
        answer["ms"] = (time.perf_counter() - start) * 1000

    queries = count_queries(app, get)
    assert answer["response"].status_code == 303, answer["response"].status_code
    (job_id,) = sent[-1]

    beats = []
    real = export_jobs._progress

    def progress(job_id, done):
        real(job_id, done)
        beats.append((time.monotonic(), done))

    export_jobs._progress = progress
    import threading
    from datetime import UTC, datetime

    stale = [0.0]
    stop = threading.Event()

    def watch():  # what a poll every half second would see: how old the heartbeat is
        with app.app_context():
            engine = db.engine
        while not stop.wait(0.5):
            with engine.connect() as connection:
                row = connection.execute(
                    sa.select(RenderJob.state, RenderJob.heartbeat_at).where(RenderJob.id == job_id)
                ).one()
            if row.state == "running":
                stale[0] = max(
                    stale[0],
                    (
                        datetime.now(UTC) - row.heartbeat_at.replace(tzinfo=UTC)
                        if row.heartbeat_at.tzinfo is None
                        else datetime.now(UTC) - row.heartbeat_at
                    ).total_seconds(),
                )

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with app.app_context():
        start = time.monotonic()
        beats.append((start, 0))
        export_jobs.export_participant_list(job_id)
        end = time.monotonic()
    stop.set()
    watcher.join()
    with app.app_context():
        beats.append((end, None))
        job = db.session.get(RenderJob, job_id)
        size = db.session.scalar(
            sa.select(sa.func.sum(sa.func.length(RenderJobPart.pdf))).where(
                RenderJobPart.job_id == job_id
            )
        )
        state, total, parts = job.state, job.total, job.parts
    gaps = [b[0] - a[0] for a, b in zip(beats, beats[1:], strict=False)]
    rss = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key == "VmHWM":
            rss["peak"] = int(value.split()[0]) / 1024
    return {
        "get_ms": answer["ms"],
        "get_queries": queries,
        "state": state,
        "people": total,
        "parts": parts,
        "bytes": size,
        "task_s": end - start,
        "writes": len(beats) - 2,
        "longest_gap_s": max(gaps),
        "stalest_s": stale[0],
        "peak_mib": rss["peak"],
    }


def main(formats) -> None:
    print("list of participants as a job, in French (each format in a fresh process)")
    print(
        "  people  format  GET (start)  queries   task     writes  progress gap"
        "  stalest heartbeat  size     parts  peak RSS"
    )
    for people in SIZES:
        url, drop = scratch_database(f"lopjob_{people}")
        try:
            bench_list.PEOPLE = people
            bench_list.populate(create_app("testing", {"SQLALCHEMY_DATABASE_URI": url}))
            for fmt in formats:
                child = subprocess.run(
                    [sys.executable, __file__, "--measure", fmt, url],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                )
                if child.returncode:
                    print(child.stderr[-3000:])
                    raise SystemExit(1)
                m = json.loads(child.stdout.strip().splitlines()[-1])
                assert m["state"] == "done" and m["people"] == people, m
                print(
                    f"  {people:6d}  {fmt:6} {m['get_ms']:8.1f}ms {m['get_queries']:8d}"
                    f" {m['task_s']:7.1f}s {m['writes']:7d} {m['longest_gap_s']:9.1f}s"
                    f" {m['stalest_s']:12.1f}s"
                    f" {m['bytes'] / 1024:7.0f}KiB {m['parts']:4d} {m['peak_mib']:7.0f}MiB",
                    flush=True,
                )
        finally:
            drop()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[3], sys.argv[2])))
    else:
        main(sys.argv[1:] or ["pdf", "xlsx", "docx"])
