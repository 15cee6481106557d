"""The public registration POST at conference rate (issue 21): 2 sync gunicorn
workers on PostgreSQL, before and after the caches of what every POST rebuilt,
side by side in one run.

    .venv/bin/python bench/registration_rate.py

Two variants, each served by 2 sync gunicorn workers on its own database of the
same PostgreSQL server, with one open meeting (that of bench/registration.py:
eleven delegations, no questions), each POST in one of its delegations in turn
and one in twelve in none:

  before  commit 455ac1b, the last one without those caches (or
          BENCH_RATE_BEFORE_COMMIT), checked out in a git worktree
          (BENCH_RATE_BEFORE_TREE, default /tmp/registration-rate-before: made if
          missing);
  now     this checkout.

For each, printed:

  in the app   (no server, no HTTP) the SQL statements of one POST and the CPU a
               POST takes (median of batches): the figure least disturbed by other
               programs on the machine;
  closed loop  CLIENTS clients each sending its next POST when the last one is
               answered (as bench/registration.py did): POSTs per second, a POST's
               median and 95th percentile;
  open loop    POSTs started on a fixed schedule, RATE per second for SECONDS,
               whatever the answers (up to OPEN_CLIENTS at a time): the rate
               achieved, the median and 95th percentile of the time from each
               POST's scheduled start to its answer (a POST that could not start
               on time counts its wait), how many started more than 10 ms late,
               and the errors (anything but the redirect to "check your e-mail");
  CPU per POST of the app's gunicorn workers, of its PostgreSQL backends (not
               the server's background writers) and of this client, during the
               closed and open loops (the closed loops' median).

The closed loops run in ROUNDS rounds, the variants' order rotating, so that the
machine's noise falls on both alike (the first round warms up); then one open
loop each. The machine's load average is printed with the figures: other
programs share its cores, and the ratios are the reliable part.

Environment: BENCH_DATABASE_SERVER (default the local PostgreSQL),
BENCH_RATE_DATABASE and BENCH_RATE_BEFORE_DATABASE (default
meeting_bench_rate[_before]_<pid>, made and dropped here), BENCH_RATE_PORT and
BENCH_RATE_BEFORE_PORT (default 5111 and 5112), BENCH_RATE_ROUNDS (default 3),
BENCH_RATE_POSTS (closed loop, per variant and round, default 600),
BENCH_RATE_CLIENTS (default 16), BENCH_RATE (default 200), BENCH_RATE_SECONDS
(default 10), BENCH_RATE_OPEN_CLIENTS (default 64), BENCH_RATE_ONLY=now (this
checkout alone, no worktree).
"""

import http.client
import itertools
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from common import SERVER, children, registration_fields, serve, session_cookie  # noqa: E402

# The last commit before the registration POST's caches (issue 21).
BEFORE_COMMIT = os.environ.get("BENCH_RATE_BEFORE_COMMIT", "455ac1b")
BEFORE_TREE = Path(
    os.environ.get("BENCH_RATE_BEFORE_TREE")
    or Path(tempfile.gettempdir()) / "registration-rate-before"
)
DATABASE_SERVER = os.environ.get("BENCH_DATABASE_SERVER", SERVER)
PORT = int(os.environ.get("BENCH_RATE_PORT", "5111"))
BEFORE_PORT = int(os.environ.get("BENCH_RATE_BEFORE_PORT", "5112"))
ROUNDS = int(os.environ.get("BENCH_RATE_ROUNDS", "3"))
POSTS = int(os.environ.get("BENCH_RATE_POSTS", "600"))
CLIENTS = int(os.environ.get("BENCH_RATE_CLIENTS", "16"))
RATE = float(os.environ.get("BENCH_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_RATE_SECONDS", "10"))
OPEN_CLIENTS = int(os.environ.get("BENCH_RATE_OPEN_CLIENTS", "64"))
ONLY = os.environ.get("BENCH_RATE_ONLY", "")
SLUG = "conference"
PATH = f"/meetings/{SLUG}/register"
IN_APP_POSTS = 400
LATE_MS = 10


# --- In the variant's checkout (a subprocess): its database, its figures in the app ---


def prepare(url: str) -> dict:
    """Run from a checkout (cwd): its migrations on `url`, the open meeting, then
    POSTs in the app (test client): the statements of one, the CPU of each."""
    from common import open_conference
    from flask_migrate import upgrade

    import meeting_app
    from meeting_app import create_app
    from meeting_app.extensions import db

    settings = {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}
    app = create_app("testing", {**settings, "MAIL_SERVER": "", "BADGES_AHEAD": False})
    with app.app_context():
        upgrade()
        _meeting, delegations = open_conference(
            SLUG, {"en": "Global conference"}, requires_approval=True
        )
        db.session.commit()
        delegations = [d.id for d in delegations]
        engine = db.engine
    client = app.test_client()
    assert client.get(PATH).status_code == 200

    def post(n: int, label: str = "in-app") -> None:
        response = client.post(PATH, data=fields("", n, label, delegations))
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    for n in range(50):  # warm: caches, compiled statements, connections
        post(n)
    statements = []

    def count(*_args) -> None:
        statements[-1] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    for n in (0, len(delegations)):  # in a delegation, in none
        statements.append(0)
        post(n, "counted")
    sa.event.remove(engine, "before_cursor_execute", count)
    batches = []
    for batch in range(8):
        start = time.process_time()
        for n in range(IN_APP_POSTS // 8):
            post(1000 + batch * 1000 + n)
        batches.append((time.process_time() - start) / (IN_APP_POSTS // 8) * 1000)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {
        "module": meeting_app.__file__,
        "statements": statements,
        "cpu": statistics.median(batches),
    }


def prepare_in(tree: Path, url: str) -> dict:
    """`prepare` in a subprocess run from the checkout `tree` (its meeting_app, its
    config and migrations are imported before the installed ones)."""
    found = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--prepare", url],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise RuntimeError(f"preparing {tree} failed:\n{found.stderr[-4000:]}")
    prepared = json.loads(found.stdout.strip().splitlines()[-1])
    if not Path(prepared["module"]).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"{tree}: ran {prepared['module']}, not its own app")
    return prepared


# --- Here: the worktree, the databases, the servers, the clients ---------------------------


def before_tree() -> Path:
    if not (BEFORE_TREE / "meeting_app").is_dir():
        subprocess.run(
            [shutil.which("git") or "git", "worktree", "add", "--detach", str(BEFORE_TREE)]
            + [BEFORE_COMMIT],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return BEFORE_TREE


def databases(*names: str) -> tuple[list[str], callable]:
    """New databases `names` on the server, their URLs and how to drop them."""
    admin = sa.create_engine(f"{DATABASE_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    made = []

    def drop():
        with admin.connect() as connection:
            for name in made:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    try:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
                made.append(name)
    except BaseException:
        drop()
        raise
    return [f"{DATABASE_SERVER}/{name}" for name in names], drop


def port_free(port: int) -> bool:
    """Nothing listens on `port` (serve() would otherwise time another server)."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def form_session(port: int) -> tuple[str, str, list[str]]:
    """A browser's session cookie and CSRF token, and the delegations offered, from
    the form page."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", PATH)
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    select = re.search(r'<select[^>]*name="delegation_id".*?</select>', page, re.DOTALL)
    return session_cookie(response), token, re.findall(r'value="(\d+)"', select.group(0))


def fields(token: str, n: int, label: str, delegations: list) -> dict:
    """The n-th registration: in each delegation in turn, and then in none (most
    people at a conference come with their country's delegation)."""
    turn = n % (len(delegations) + 1)
    return {
        **registration_fields(token, n),
        "email": f"{label}-{n}@example.org",
        "delegation_id": str(delegations[turn]) if turn < len(delegations) else "other",
    }


def send(port: int, session: tuple, n: int, label: str) -> int | None:
    """One registration POST (a new connection: sync workers close each one); its
    status, None when the connection failed."""
    cookie, token, delegations = session
    data = urllib.parse.urlencode(fields(token, n, label, delegations))
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("POST", PATH, data, headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status
    except OSError:
        return None


def closed_loop(port: int, label: str, sessions: list) -> dict:
    """POSTS registrations by CLIENTS clients (`sessions`: theirs), each sending its
    next when the last one is answered: the rate, each POST's time (ms), the errors."""
    ready = threading.Barrier(CLIENTS + 1)

    def client(worker: int) -> list[tuple[float, bool]]:
        ready.wait()
        times = []
        for n in range(worker, POSTS, CLIENTS):
            start = time.perf_counter()
            status = send(port, sessions[worker], n, label)
            times.append(((time.perf_counter() - start) * 1000, status == 302))
        return times

    with ThreadPoolExecutor(CLIENTS) as pool:
        running = [pool.submit(client, n) for n in range(CLIENTS)]
        ready.wait()
        start = time.perf_counter()
        times = [t for each in running for t in each.result()]
    elapsed = time.perf_counter() - start
    ok = [t for t, good in times if good]
    return {"rate": len(ok) / elapsed, "times": ok, "errors": len(times) - len(ok)}


def open_loop(port: int, label: str, sessions: list) -> dict:
    """RATE POSTs a second for SECONDS, each started at its scheduled time (or as
    soon as one of OPEN_CLIENTS is free: `sessions`, theirs), timed from that
    scheduled time."""
    count = int(RATE * SECONDS)
    numbers = itertools.count()  # next() on it is atomic: each POST is sent once
    results: list[tuple[float, float, float, int | None]] = [None] * count
    start = time.perf_counter() + 0.5  # every client waiting before the first

    def client(worker: int) -> None:
        while (n := next(numbers)) < count:
            due = start + n / RATE
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            began = time.perf_counter()
            status = send(port, sessions[worker], n, label)
            results[n] = (due, began, time.perf_counter(), status)

    with ThreadPoolExecutor(OPEN_CLIENTS) as pool:
        for each in [pool.submit(client, n) for n in range(OPEN_CLIENTS)]:
            each.result()
    ok = [(done - due) * 1000 for due, _b, done, status in results if status == 302]
    return {
        "rate": len(ok) / (max(done for _d, _b, done, _s in results) - start),
        "times": ok,
        "errors": count - len(ok),
        "late": sum(began - due > LATE_MS / 1000 for due, began, _d, _s in results),
        "count": count,
    }


def cpu_times(pids) -> dict[int, float]:
    """{pid: seconds of CPU it used so far} (from /proc; gone ones left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def backends(admin, database: str) -> list[int]:
    """The PostgreSQL backends connected to `database`."""
    with admin.connect() as connection:
        return list(
            connection.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :name"),
                {"name": database},
            ).scalars()
        )


def measured(run, server, admin, database: str) -> tuple[dict, dict]:
    """`run()`'s result, and the CPU it took per POST (ms): the app's workers, its
    PostgreSQL backends, this client."""
    workers, postgres = children(server.pid), backends(admin, database)
    before = cpu_times(workers), cpu_times(postgres), time.process_time()
    result = run()
    postgres = sorted({*postgres, *backends(admin, database)})
    after = cpu_times(workers), cpu_times(postgres), time.process_time()
    done = max(1, len(result["times"]))

    def spent(index: int) -> float:
        return sum(t - before[index].get(pid, 0) for pid, t in after[index].items())

    return result, {
        "app": spent(0) / done * 1000,
        "postgres": spent(1) / done * 1000,
        "client": (after[2] - before[2]) / done * 1000,
    }


def p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[max(0, int(len(samples) * 0.95) - 1)] if samples else float("nan")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_line(cpu: dict) -> str:
    return (
        f"CPU per POST: app {cpu['app']:.1f} ms, PostgreSQL {cpu['postgres']:.1f} ms,"
        f" client {cpu['client']:.1f} ms"
    )


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each figure as soon as it is measured
    variants = [("now", ROOT, PORT)]
    if ONLY != "now":
        variants.insert(0, ("before", before_tree(), BEFORE_PORT))
    for _key, _tree, port in variants:
        if not port_free(port):
            raise SystemExit(f"port {port} is taken: set BENCH_RATE_PORT / BENCH_RATE_BEFORE_PORT")
    pid = os.getpid()
    names = {
        "before": os.environ.get("BENCH_RATE_BEFORE_DATABASE", f"meeting_bench_rate_before_{pid}"),
        "now": os.environ.get("BENCH_RATE_DATABASE", f"meeting_bench_rate_{pid}"),
    }
    urls, drop = databases(*(names[key] for key, _t, _p in variants))
    urls = {key: url for (key, _t, _p), url in zip(variants, urls, strict=True)}
    ports = {key: port for key, _t, port in variants}
    admin = sa.create_engine(f"{DATABASE_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    servers = {}
    labels = {"before": f"before ({BEFORE_COMMIT})", "now": "now (this checkout)"}
    try:
        print(f"registration POST, in the app (load average {load()})")
        for key, tree, _port in variants:
            prepared = prepare_in(tree, urls[key])
            print(
                f"  {labels[key]:24} SQL statements {prepared['statements'][0]}"
                f" (in a delegation), {prepared['statements'][1]} (in none);"
                f" CPU {prepared['cpu']:.2f} ms per POST"
            )
        for key, tree, port in variants:
            servers[key] = serve(urls[key], port, workers=2, root=tree)

        closed = {key: {"rates": [], "times": [], "errors": 0, "cpu": []} for key in servers}
        order = list(servers)
        for round_ in range(ROUNDS + 1):  # round 0 warms up
            for key in order:
                sessions = [form_session(ports[key]) for _ in range(CLIENTS)]
                result, cpu = measured(
                    lambda key=key, label=f"{key}-c{round_}", sessions=sessions: closed_loop(
                        ports[key], label, sessions
                    ),
                    servers[key],
                    admin,
                    names[key],
                )
                if round_:
                    closed[key]["rates"].append(result["rate"])
                    closed[key]["times"].extend(result["times"])
                    closed[key]["errors"] += result["errors"]
                    closed[key]["cpu"].append(cpu)
            order = order[1:] + order[:1]
        print(
            f"closed loop: 2 sync gunicorn workers, {CLIENTS} clients, {ROUNDS} rounds of"
            f" {POSTS} POSTs (after one to warm up), the order rotated"
            f" (load average {load()})"
        )
        for key in servers:
            each = closed[key]
            cpu = {
                part: statistics.median(c[part] for c in each["cpu"])
                for part in ("app", "postgres", "client")
            }
            rounds = " ".join(f"{r:.0f}" for r in each["rates"])
            print(
                f"  {labels[key]:24} {statistics.median(each['rates']):5.0f}/s ({rounds}),"
                f" median {statistics.median(each['times']):5.1f} ms,"
                f" p95 {p95(each['times']):6.1f} ms, errors {each['errors']}"
            )
            print(f"  {'':24} {cpu_line(cpu)}")
        if len(servers) == 2:
            ratio = statistics.median(closed["now"]["rates"]) / statistics.median(
                closed["before"]["rates"]
            )
            paired = statistics.median(
                n / b
                for n, b in zip(closed["now"]["rates"], closed["before"]["rates"], strict=True)
            )
            print(f"  now/before: {ratio:.2f} (median of the rounds' ratios {paired:.2f})")

        print(
            f"open loop: {RATE:.0f} POSTs/s scheduled for {SECONDS:.0f} s, up to"
            f" {OPEN_CLIENTS} at a time, times from each POST's scheduled start"
        )
        for key in servers:
            sessions = [form_session(ports[key]) for _ in range(OPEN_CLIENTS)]
            result, cpu = measured(
                lambda key=key, sessions=sessions: open_loop(ports[key], f"{key}-o", sessions),
                servers[key],
                admin,
                names[key],
            )
            times = result["times"]
            median = statistics.median(times) if times else float("nan")
            print(
                f"  {labels[key]:24} achieved {result['rate']:5.0f}/s, median {median:6.1f} ms,"
                f" p95 {p95(times):7.1f} ms, errors {result['errors']} of {result['count']},"
                f" started >{LATE_MS} ms late {result['late']} (load average {load()})"
            )
            print(f"  {'':24} {cpu_line(cpu)}")
    finally:
        stop(servers.values())
        admin.dispose()
        drop()


def stop(servers) -> None:
    """Every server asked to stop, then waited for (killed if it takes too long)."""
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        # The checkout's own app: its directory (cwd) before the installed one.
        sys.path.insert(0, os.getcwd())
        print(json.dumps(prepare(sys.argv[2])))
    else:
        main()
