"""Mail throughput: 5,000 queued mails delivered by 2 Celery worker processes.

    .venv/bin/python bench/mail.py      (or: make bench)

5,000 pending mails (as an import of 5,000 people leaves them) are sent by two
workers of one process each, claiming batches of 100 (mail/delivery.py), to a
local SMTP server (aiosmtpd, in this process, counting what it receives). Prints
mails per second and the workers' peak memory (RSS of each worker's processes,
sampled from /proc). On PostgreSQL: BENCH_DATABASE_URL, or a scratch database
on the local server; Redis database BENCH_MAIL_REDIS_DB (default 9); SMTP port
BENCH_MAIL_SMTP_PORT (default 8125).
"""

import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from common import celery_worker, rss_mib, scratch_database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.core import tasks as core_tasks  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.mail import tasks as mail_tasks  # noqa: E402
from meeting_app.mail.models import MailStatus, OutgoingMail, new_message_id  # noqa: E402
from meeting_app.models import utcnow  # noqa: E402

MAILS = 5000
WORKERS = 2
BODY = "Dear participant,\n\n" + "Your registration is recorded. " * 40 + "\n"


class Counting:
    """An SMTP server that takes every message and counts the Message-IDs."""

    def __init__(self):
        self.ids = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.ids[line.split(b":", 1)[1].strip().decode()] += 1
                break
        return "250 OK"


def queue_mails(app) -> None:
    with app.app_context():
        upgrade()
        now = utcnow()
        db.session.execute(
            sa.insert(OutgoingMail),
            [
                {
                    "kind": "bench",
                    "recipient": f"person{n}@example.org",
                    "subject": f"Your registration {n}",
                    "body_text": BODY,
                    "status": MailStatus.PENDING,
                    "message_id": new_message_id(),
                    "next_attempt_at": now,
                }
                for n in range(MAILS)
            ],
        )
        db.session.commit()


def main() -> None:
    url, drop = scratch_database("mail")
    broker = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_MAIL_REDIS_DB', '9')}"
    redis.Redis.from_url(broker).flushdb()
    port = int(os.environ.get("BENCH_MAIL_SMTP_PORT", "8125"))
    server = Counting()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    workers = []
    logs = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    try:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "CELERY_BROKER_URL": broker})
        queue_mails(app)
        settings = {"CELERY_BROKER_URL": broker, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
        workers = [
            celery_worker(url, logs / f"worker{n}.log", name=f"bench-mail-{n}", **settings)
            for n in range(WORKERS)
        ]
        peaks = [0.0] * WORKERS
        start = time.perf_counter()
        with app.app_context():
            for _ in range(WORKERS):  # what beat sends: each worker takes one sweep
                core_tasks.send(mail_tasks.sweep)
        while sum(server.ids.values()) < MAILS:
            peaks = [max(peak, rss_mib(w.pid)) for peak, w in zip(peaks, workers, strict=True)]
            if time.perf_counter() - start > 600:
                raise RuntimeError(f"only {sum(server.ids.values())} mails after 600 s")
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        with app.app_context():
            sent = db.session.scalar(
                sa.select(sa.func.count()).where(OutgoingMail.status == MailStatus.SENT)
            )
            db.session.remove()
            db.engine.dispose()
        twice = sum(1 for n in server.ids.values() if n > 1)
        print(
            f"mail: {MAILS:,} queued mails, {WORKERS} workers of 1 process each, to a local "
            f"SMTP server: {elapsed:.1f} s = {MAILS / elapsed:.0f} mails/s "
            f"({sent:,} marked sent, {twice} received twice)"
        )
        print(
            "  peak RSS per worker (main process + its pool process): "
            + ", ".join(f"{peak:.0f} MiB" for peak in peaks)
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
        controller.stop()
        drop()


if __name__ == "__main__":
    main()
