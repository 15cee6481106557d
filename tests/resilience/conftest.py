"""Scratch PostgreSQL databases for the fault and backup tests (tests/processes.py).

They run against a real PostgreSQL server even when the suite runs on SQLite (the
server TEST_DATABASE_URL names, or the local one .ci/run starts), because
terminating a server's connections and pg_dump only exist there.
"""

from tests.processes import postgres_database, terminate_connections  # noqa: F401

# The app under gunicorn on the tests' database (several workers, as in production).
from tests.registration.test_concurrency import gunicorn  # noqa: E402, F401
