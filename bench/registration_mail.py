"""Registration POST latency with a working mail server and with one that hangs.

    .venv/bin/python bench/registration_mail.py      (or: make bench)

Through gunicorn (2 sync workers) and a Celery worker, as deployed: the same
registrations measured side by side in one run, first with a local SMTP server
(aiosmtpd) that takes every mail, then with one that accepts the connection and
never answers (MAIL_TIMEOUT 10 s). The request never speaks SMTP, so the two
should be the same. On PostgreSQL: BENCH_DATABASE_URL, or a scratch database;
Redis database BENCH_REGISTRATION_MAIL_REDIS_DB (default 8); web port
BENCH_REGISTRATION_MAIL_PORT (default 5097).
"""

import http.client
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from common import (  # noqa: E402
    celery_worker,
    open_conference,
    registration_fields,
    scratch_database,
    serve,
    session_cookie,
)
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.mail.models import MailStatus, OutgoingMail  # noqa: E402
from tests.conftest import Inbox, free_port  # noqa: E402
from tests.mail.servers import HangingServer  # noqa: E402

CLIENTS = 4
POSTS = 200  # per mail server


def registrations(port: int, first: int) -> list[float]:
    """POSTS registrations from CLIENTS browsers (kept-alive connections, each with
    its session and form token); the latency of each POST in milliseconds."""

    def browser(client: int) -> list[float]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/meetings/conference/register")
        response = connection.getresponse()
        page = response.read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        headers = {
            "Cookie": session_cookie(response),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        took = []
        for n in range(first + client, first + POSTS, CLIENTS):
            data = urllib.parse.urlencode(registration_fields(token, n))
            start = time.perf_counter()
            connection.request("POST", "/meetings/conference/register", data, headers)
            response = connection.getresponse()
            response.read()
            took.append((time.perf_counter() - start) * 1000)
            assert response.status == 302, response.status
        connection.close()
        return took

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [t for took in pool.map(browser, range(CLIENTS)) for t in took]


def measure(url: str, broker: str, mail_port: int, label: str, first: int, logs: Path):
    settings = {
        "CELERY_BROKER_URL": broker,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mail_port,
        "MAIL_TIMEOUT": 10,
    }
    port = int(os.environ.get("BENCH_REGISTRATION_MAIL_PORT", "5097"))
    web = serve(url, port, workers=2, **settings)
    worker = celery_worker(url, logs / f"{label}.log", name=f"bench-{label}", **settings)
    try:
        registrations(port, first - 1000)  # warm-up, not counted
        took = sorted(registrations(port, first))
    finally:
        web.terminate()
        worker.terminate()
        web.wait(timeout=20)
        worker.wait(timeout=30)
    return statistics.median(took), took[int(len(took) * 0.95) - 1]


def main() -> None:
    url, drop = scratch_database("registration_mail")
    broker = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REGISTRATION_MAIL_REDIS_DB', '8')}"
    redis.Redis.from_url(broker).flushdb()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    hanging = HangingServer()
    logs = Path(tempfile.mkdtemp(prefix="bench-registration-mail-"))
    try:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            open_conference("conference", {"en": "Global conference"}, requires_approval=True)
            db.session.commit()
        working = measure(url, broker, controller.port, "working", 10_000, logs)
        received = len(inbox.messages)
        stuck = measure(url, broker, hanging.port, "hanging", 20_000, logs)
        with app.app_context():
            waiting = db.session.scalar(
                sa.select(sa.func.count()).where(OutgoingMail.status == MailStatus.PENDING)
            )
            db.session.remove()
            db.engine.dispose()
        print(
            f"registration POST latency, 2 gunicorn workers + 1 Celery worker, {CLIENTS} "
            f"clients, {POSTS} POSTs each:"
        )
        print(f"  {'mail server':28} {'p50':>8} {'p95':>8}")
        print(f"  {'working (aiosmtpd)':28} {working[0]:6.1f}ms {working[1]:6.1f}ms")
        print(f"  {'hanging (never answers)':28} {stuck[0]:6.1f}ms {stuck[1]:6.1f}ms")
        print(
            f"  mails received from the working run: {received}; "
            f"waiting after the hanging run: {waiting}"
        )
    finally:
        hanging.close()
        controller.stop()
        drop()


if __name__ == "__main__":
    main()
