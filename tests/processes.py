"""The app as separate processes, as deployed: gunicorn web servers and Celery
workers on one PostgreSQL database and one Redis database. For the tests of
background work that must hold across processes and servers."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask_migrate import upgrade

import config
from meeting_app.extensions import db
from tests.conftest import make_app

# Redis database numbers of these tests' own (a developer's Redis keeps 0).
REDIS_DATABASES = (11, 12)


def redis_url(number: int = REDIS_DATABASES[0]) -> str:
    """A Redis database emptied for the test."""
    url = f"redis://127.0.0.1:6379/{number}"
    redis.Redis.from_url(url).flushdb()
    return url


class Process:
    """A child process whose output goes to a log file, stopped with its children."""

    def __init__(self, command: list[str], env: dict, log: Path):
        self.log = log
        with open(log, "wb") as out:
            self.popen = subprocess.Popen(
                command,
                cwd=config.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: kill() reaches its children
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """kill -9 of the process and its children (a machine losing power)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def environment(database_url: str, broker_url: str, instance: Path, **settings) -> dict:
    """A deployment's environment on the given database and broker, in its own
    instance folder: the testing configuration (plain HTTP, forms posted without
    CSRF tokens, a cheap password hash), the rest as in production."""
    instance.mkdir(parents=True, exist_ok=True)
    env = {**os.environ}
    for name in ("DATABASE_URL", "MAIL_SERVER", "PUBLIC_URL"):
        env.pop(name, None)
    env.update(
        {
            "APP_CONFIG": "testing",
            "TEST_DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "INSTANCE_PATH": str(instance),
            "RATELIMIT_ENABLED": "false",
            "BADGES_AHEAD": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({key: str(value) for key, value in settings.items()})
    return env


def start_worker(env: dict, log: Path, *, name: str, concurrency: int = 1) -> Process:
    """`make worker`: a Celery worker of `concurrency` processes; waits until ready."""
    worker = Process(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "wsgi.celery_app",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        env,
        log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not worker.alive():
            pytest.fail(f"the worker exited:\n{worker.output()}")
        if " ready." in worker.output():
            return worker
        time.sleep(0.2)
    worker.stop()
    pytest.fail(f"the worker was not ready within 60 s:\n{worker.output()}")


def start_web(env: dict, log: Path, port: int, *, workers: int = 2) -> Process:
    """A gunicorn server, as `make` deploys it; waits until /healthz answers."""
    web = Process(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "wsgi:app",
        ],
        env,
        log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not web.alive():
            pytest.fail(f"gunicorn exited:\n{web.output()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return web
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.2)
    web.stop()
    pytest.fail(f"gunicorn did not answer within 60 s:\n{web.output()}")


def wait_for(condition, timeout: float, what: str, every: float = 0.2):
    """Polls `condition()` until it returns something true; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"not within {timeout} s: {what}")


# Scratch PostgreSQL databases: on a real PostgreSQL server even when the suite runs
# on SQLite (the server TEST_DATABASE_URL names, or the local one .ci/run starts),
# for what only exists there (terminated connections, pg_dump, several processes
# on one database).

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _server_url() -> sa.URL:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return sa.make_url(url if url.startswith("postgresql") else LOCAL_SERVER)


def _scratch_prefix() -> str:
    """Scratch databases are named after the test database (or the checkout), so
    that checkouts sharing a server can tell theirs apart."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return sa.make_url(url).database
    return re.sub(r"[^a-z0-9]+", "_", config.BASE_DIR.name.lower())


@pytest.fixture
def postgres_database():
    """A factory: a new, empty PostgreSQL database (its URL), dropped after the test."""
    server = _server_url()
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    created = []

    def factory(migrated: bool = True) -> str:
        name = f"{_scratch_prefix()}_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        created.append(name)
        url = server.set(database=name).render_as_string(hide_password=False)
        if migrated:
            app = make_app(url)
            with app.app_context():
                upgrade()
                db.session.remove()
        return url

    yield factory
    with admin.connect() as connection:
        for name in created:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def terminate_connections(database_url: str) -> int:
    """What a database restart does to the app: every connection to it is cut."""
    url = sa.make_url(database_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        count = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        ).scalar()
    admin.dispose()
    return count
