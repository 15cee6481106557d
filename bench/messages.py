"""Writing to participants (issue 17): sending a message to 50 and to 5,000 people.

    .venv/bin/python bench/messages.py      (or: make bench)

gunicorn (2 sync workers), 2 Celery workers of one process each (a message's
mails go to delivery tasks of 100, which both workers take; no beat needed), a
local SMTP server (aiosmtpd, in this process, noting every mail
it receives). An administrator composes a message to the approved participants
of a meeting, written in its three languages with placeholders, and presses
"send": to a meeting of 50 people (SMALL_SENDS times, after WARM_UP untimed
sends), then to one of 5,000 (LARGE_SENDS times). Prints the send request's time
(until the redirect: it must not depend on the number of recipients), the time
from "send" until the SMTP server holds every mail, what each worker did, and
the workers' memory (RSS of each worker's processes, sampled from /proc). Every
person must receive each message once, in their preferred language. On
PostgreSQL: BENCH_DATABASE_URL, or a scratch database on the local server; Redis
database BENCH_MESSAGES_REDIS_DB (default 10); web port BENCH_MESSAGES_PORT
(default 8131); SMTP port BENCH_MESSAGES_SMTP_PORT (default 8132);
BENCH_MESSAGES_BEAT=1 runs beat beside the workers, as deployed.
"""

import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from common import (  # noqa: E402
    app_environment,
    celery_worker,
    open_conference,
    rss_mib,
    scratch_database,
    serve,
    session_cookie,
)
from flask_migrate import upgrade  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.accounts.services import create_user  # noqa: E402
from meeting_app.core.tokens import new_token, selector_of  # noqa: E402
from meeting_app.extensions import db  # noqa: E402
from meeting_app.models import utcnow  # noqa: E402
from meeting_app.registration.models import (  # noqa: E402
    Category,
    Participant,
    ParticipantRole,
    RegistrationStatus,
    new_badge_code,
)

SMALL, LARGE = 50, 5000
SMALL_SENDS, LARGE_SENDS = 3, 2
# Untimed sends to the 50 first: each gunicorn worker's first send opens its broker
# connection and compiles the code paths and templates of sending.
WARM_UP = 4
WORKERS = 2
# BENCH_MESSAGES_BEAT=1: beat's sweep each minute beside the workers.
BEAT = os.environ.get("BENCH_MESSAGES_BEAT", "0") == "1"
LANGUAGES = ("fr", "en", "es")  # the people's preferred languages, in turn
ADMIN = "admin@example.org"
PASSWORD = "bench password 1"  # noqa: S105 (a scratch database's account)
FAMILY_NAMES = ("Núñez", "Diallo", "Smith", "Ødegaard", "Nguyen", "Kowalski", "Ben Salah")
# Seconds without a new mail after which a send is given up (beat starts a sweep
# every minute, and a sweep sends for 50 s at most).
STALL_LIMIT = 150
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
# The message, in each language; "{tag}" tells the sends apart at the SMTP server.
TEXTS = {
    "en": (
        "[{tag}] Practical information",
        "Dear {{ first_name }},\n\nHere is what you need to know before {{ meeting }} "
        "({{ dates }}, {{ venue }}).\n" + "The registration desk opens at 8:00. " * 20 + "\n\n"
        "Your registration: {{ private_link }}\nYour programme: {{ programme_link }}\n",
    ),
    "fr": (
        "[{tag}] Informations pratiques",
        "Madame, Monsieur {{ full_name }},\n\nVoici ce qu'il faut savoir avant "
        "{{ meeting }} ({{ dates }}, {{ venue }}).\n" + "L'accueil ouvre à 8 h. " * 20 + "\n\n"
        "Votre inscription : {{ private_link }}\nVotre programme : {{ programme_link }}\n",
    ),
    "es": (
        "[{tag}] Información práctica",
        "Estimado/a {{ first_name }}:\n\nEsto es lo que debe saber antes de {{ meeting }} "
        "({{ dates }}, {{ venue }}).\n" + "La acreditación abre a las 8:00. " * 20 + "\n\n"
        "Su inscripción: {{ private_link }}\nSu programa: {{ programme_link }}\n",
    ),
}


class Received:
    """An SMTP server that takes every message and notes, for each, its Message-ID,
    recipients, Content-Language and subject (the headers only are parsed)."""

    def __init__(self):
        self.mails = []  # (message_id, recipients, language, subject, perf_counter)
        self.lock = threading.Lock()
        self.parser = BytesHeaderParser(policy=default_policy)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        headers = self.parser.parsebytes(envelope.content)
        mail = (
            str(headers["Message-ID"]).strip(),
            tuple(envelope.rcpt_tos),
            str(headers["Content-Language"] or ""),
            str(headers["Subject"] or ""),
            time.perf_counter(),
        )
        with self.lock:
            self.mails.append(mail)
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.mails)

    def of(self, tag: str) -> list[tuple]:
        with self.lock:
            return [m for m in self.mails if m[3].startswith(f"[{tag}]")]


def populate(app) -> dict[str, Counter]:
    """Two published meetings, `people-50` and `people-5000`, of approved people
    whose preferred languages take turns (fr, en, es), and an administrator.
    Returns each meeting's count of people per language."""
    languages = {}
    with app.app_context():
        upgrade()
        for size in (SMALL, LARGE):
            slug = f"people-{size}"
            meeting, delegations = open_conference(
                slug,
                {
                    "en": f"Conference of {size:,}",
                    "fr": f"Conférence des {size}",
                    "es": f"Conferencia de {size}",
                },
                requires_approval=True,
            )
            meeting.venue = "Palais des Nations"
            db.session.flush()
            languages[slug] = Counter(LANGUAGES[i % 3] for i in range(size))
            insert_people(meeting.id, [d.id for d in delegations], size)
            meeting.seats_taken = size
            for delegation in delegations:
                delegation.seats_taken = db.session.scalar(
                    sa.select(sa.func.count(Participant.id)).filter_by(delegation_id=delegation.id)
                )
        create_user(ADMIN, PASSWORD, is_admin=True)
        db.session.commit()
        with db.engine.begin() as connection:  # the planner's statistics, as autovacuum keeps
            connection.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()
    return languages


def insert_people(meeting_id: int, delegation_ids: list[int], size: int) -> None:
    """`size` approved participants in one statement (tokens as the model makes them)."""
    now = utcnow()
    categories, roles = list(Category), list(ParticipantRole)
    rows = []
    for i in range(size):
        token = new_token()
        family = f"{FAMILY_NAMES[i % len(FAMILY_NAMES)]} {i}"
        rows.append(
            {
                "meeting_id": meeting_id,
                "delegation_id": delegation_ids[i % len(delegation_ids)] if i % 5 else None,
                "given_name": f"Given{i}",
                "family_name": family,
                "badge_name": f"Given{i} {family}",
                "email": f"m{size}-p{i}@example.org",
                "organisation": f"Organisation {i % 300}",
                "category": categories[i % len(categories)],
                "role": roles[i % len(roles)],
                "preferred_language": LANGUAGES[i % 3],
                "status": RegistrationStatus.APPROVED,
                "token": token,
                "token_selector": selector_of(token),
                "badge_code": new_badge_code(),
                "created_at": now,
                "updated_at": now,
                "status_changed_at": now,
            }
        )
    db.session.execute(sa.insert(Participant), rows)


def request(port: int, method: str, path: str, cookie: str, body=None, headers=None):
    """One request on a fresh connection (sync workers close theirs after each
    answer): (response, page)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body, {"Cookie": cookie, **(headers or {})})
        response = connection.getresponse()
        return response, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def sign_in(port: int) -> str:
    """The administrator's session cookie, through the login form."""
    response, page = request(port, "GET", "/login", "")
    cookie = session_cookie(response)
    body = urllib.parse.urlencode(
        {"email": ADMIN, "password": PASSWORD, "csrf_token": csrf_token(page)}
    )
    response, _page = request(port, "POST", "/login", cookie, body, FORM_HEADERS)
    assert response.status == 302, response.status
    return session_cookie(response)


def send(port: int, cookie: str, slug: str, tag: str) -> tuple[float, str]:
    """Composes the message to the meeting's approved people and presses "send":
    the POST's milliseconds until its answer (a redirect to the message's log),
    and the session cookie afterwards."""
    path = f"/manage/meetings/{slug}/messages/new"
    response, page = request(port, "GET", path, cookie)
    assert response.status == 200, (response.status, page[:500])
    cookie = session_cookie(response) or cookie
    fields = {"csrf_token": csrf_token(page), "statuses": "approved", "action": "send"}
    for language, (subject, body) in TEXTS.items():
        fields[f"t_{language}-subject"] = subject.format(tag=tag)
        fields[f"t_{language}-body"] = body
    data = urllib.parse.urlencode(fields)
    start = time.perf_counter()
    response, page = request(port, "POST", path, cookie, data, FORM_HEADERS)
    took = (time.perf_counter() - start) * 1000
    location = response.headers.get("Location", "")
    assert response.status == 302 and "/log" in location, (response.status, location, page[:2000])
    return took, session_cookie(response) or cookie


def beat(database_url: str, log: Path, **settings) -> subprocess.Popen:
    """`make beat` on `database_url`: the periodic tasks (a mail sweep each minute),
    as deployed beside the workers. The caller terminates it."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "wsgi.celery_app", "beat"]
            + ["--loglevel=INFO", "--schedule", str(log.with_suffix(".schedule"))],
            cwd=ROOT,
            env=app_environment(database_url, **settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(server: Received, expected: int, started: float, workers, peaks) -> float:
    """Seconds from `started` until the SMTP server holds `expected` mails in all,
    sampling the workers' memory into `peaks` meanwhile."""
    count, progress = server.count(), time.perf_counter()
    while count < expected:
        for n, worker in enumerate(workers):
            peaks[n] = max(peaks[n], rss_mib(worker.pid))
        time.sleep(0.05)
        if server.count() > count:
            count, progress = server.count(), time.perf_counter()
        elif time.perf_counter() - progress > STALL_LIMIT:
            raise RuntimeError(
                f"only {count:,} of {expected:,} mails, none for {STALL_LIMIT} s "
                f"({time.perf_counter() - started:.0f} s after 'send')"
            )
    return time.perf_counter() - started


def check(server: Received, tag: str, size: int, languages: Counter) -> list[str]:
    """What is wrong with the mails of send `tag` (empty: each person received it
    once, in their preferred language)."""
    mails = server.of(tag)
    problems = []
    ids = Counter(m[0] for m in mails)
    addresses = Counter(a for m in mails for a in m[1])
    if len(mails) != size:
        problems.append(f"{len(mails):,} mails instead of {size:,}")
    if any(n > 1 for n in ids.values()):
        problems.append(f"{sum(1 for n in ids.values() if n > 1)} Message-IDs received twice")
    if len(addresses) != size or any(n > 1 for n in addresses.values()):
        problems.append(
            f"{len(addresses):,} people, {sum(1 for n in addresses.values() if n > 1)} twice"
        )
    received = Counter(m[2] for m in mails)
    if received != languages:
        problems.append(f"languages {dict(received)} instead of {dict(languages)}")
    return problems


def worker_shares(logs: list[Path]) -> list[str]:
    """What each worker's log says it did: messages written, mails sent."""
    shares = []
    for log in logs:
        text = log.read_text(errors="replace")
        written = [
            (float(s), int(n))
            for s, n in re.findall(r"messages\.send\[[^\]]+\] succeeded in ([\d.]+)s: (\d+)", text)
        ]
        sent = sum(
            int(n)
            for n in re.findall(
                r"mail\.\w+\[[^\]]+\] succeeded in [\d.]+s: \{[^}]*'sent': (\d+)", text
            )
        )
        sweeps = len(re.findall(r"mail\.sweep\[[^\]]+\] succeeded", text))
        shares.append(
            f"{len(written)} messages written"
            + (f" ({', '.join(f'{n:,} in {s:.1f} s' for s, n in written)})" if written else "")
            + f", {sweeps} sweeps, {sent:,} mails sent"
        )
    return shares


def arrivals(server: Received, tag: str, started: float) -> tuple[float, float]:
    """When the first mail of send `tag` came (seconds after `started`), and the
    longest time between two of its mails in a row."""
    times = sorted(m[4] for m in server.of(tag))
    pause = max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)
    return times[0] - started, pause


def main() -> None:
    url, drop = scratch_database("messages")
    broker = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_MESSAGES_REDIS_DB', '10')}"
    redis.Redis.from_url(broker).flushdb()
    port = int(os.environ.get("BENCH_MESSAGES_PORT", "8131"))
    smtp_port = int(os.environ.get("BENCH_MESSAGES_SMTP_PORT", "8132"))
    server = Received()
    controller = Controller(server, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    processes = []
    logs = Path(tempfile.mkdtemp(prefix="bench-messages-"))
    try:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        languages = populate(app)
        settings = {
            "CELERY_BROKER_URL": broker,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_port,
            "MAIL_DEFAULT_SENDER": "meetings@example.org",
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        processes.append(serve(url, port, workers=2, **settings))
        workers = [
            celery_worker(url, logs / f"worker{n}.log", name=f"bench-messages-{n}", **settings)
            for n in range(WORKERS)
        ]
        processes += workers
        if BEAT:
            processes.append(beat(url, logs / "beat.log", **settings))
        idle = [rss_mib(w.pid) for w in workers]
        cookie = sign_in(port)
        expected, problems = 0, []
        results = {}  # size: [(request ms, seconds until all came, until the first, pause)]
        peaks = {size: [0.0] * WORKERS for size in (SMALL, LARGE)}
        sends = [SMALL] * (WARM_UP + SMALL_SENDS) + [LARGE] * LARGE_SENDS
        for number, size in enumerate(sends, 1):
            slug, tag = f"people-{size}", f"bench {number}"
            started = time.perf_counter()
            took, cookie = send(port, cookie, slug, tag)
            expected += size
            seconds = wait_for(server, expected, started, workers, peaks[size])
            if number > WARM_UP:
                results.setdefault(size, []).append(
                    (took, seconds, *arrivals(server, tag, started))
                )
            problems += [
                f"send {number} ({size:,} people): {problem}"
                for problem in check(server, tag, size, languages[slug])
            ]
        time.sleep(1)  # a mail sent twice would come now
        twice = sum(1 for n in Counter(m[0] for m in server.mails).values() if n > 1)
        report(results, server.count(), expected, twice, languages, idle, peaks, logs)
        if not (problems or twice):
            print("  every person received each message once, in their preferred language")
        if problems or twice:
            sys.exit("FAILED:\n  " + "\n  ".join(problems or [f"{twice} mails received twice"]))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        controller.stop()
        drop()


def report(results, received, expected, twice, languages, idle, peaks, logs) -> None:
    small = statistics.median(r[0] for r in results[SMALL])
    large = statistics.median(r[0] for r in results[LARGE])
    print(
        f"messages: 2 gunicorn workers, {WORKERS} Celery workers of 1 process each"
        + (" and beat" if BEAT else " (no beat)")
        + ", a local SMTP server; texts in fr, en and es"
    )
    print(
        f"  send request: {SMALL} recipients {small:.0f} ms, {LARGE:,} recipients {large:.0f} ms "
        f"(ratio {large / small:.2f}; each: "
        + ", ".join(f"{r[0]:.0f}" for size in (SMALL, LARGE) for r in results[size])
        + " ms)"
    )
    for size in (SMALL, LARGE):
        print(
            f"  {size:,} mails handed to SMTP, from 'send': "
            + ", ".join(
                f"{s:.1f} s ({size / s:.0f}/s; the first after {first:.1f} s, "
                f"longest pause {pause:.1f} s)"
                for _ms, s, first, pause in results[size]
            )
        )
    print(
        f"  received {received:,} mails of {expected:,}, {twice} twice; {LARGE:,} people's "
        "languages: "
        + ", ".join(f"{code} {n:,}" for code, n in sorted(languages[f"people-{LARGE}"].items()))
    )
    for n, share in enumerate(worker_shares([logs / f"worker{n}.log" for n in range(WORKERS)])):
        print(f"  worker {n}: {share}")
    print(
        "  RSS per worker (main process + its pool process): idle "
        + ", ".join(f"{m:.0f}" for m in idle)
        + f" MiB; peak sending to {SMALL} "
        + ", ".join(f"{m:.0f}" for m in peaks[SMALL])
        + f" MiB, to {LARGE:,} "
        + ", ".join(f"{m:.0f}" for m in peaks[LARGE])
        + " MiB"
    )


if __name__ == "__main__":
    main()
