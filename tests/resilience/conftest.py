"""Scratch PostgreSQL databases for the fault and backup tests.

They run against a real PostgreSQL server even when the suite runs on SQLite (the
server TEST_DATABASE_URL names, or the local one .ci/run starts), because
terminating a server's connections and pg_dump only exist there.
"""

import os
import re
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

import config
from meeting_app.extensions import db
from tests.conftest import make_app

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


# The app under gunicorn on the tests' database (several workers, as in production).
from tests.registration.test_concurrency import gunicorn  # noqa: E402, F401
