"""What the benchmarks share: timing a request, a scratch PostgreSQL database, and
the session cookie of a sign-in."""

import os
import statistics
import time

import sqlalchemy as sa

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
COUNTRIES = ("BD", "EC", "JM", "KG", "MD", "MA", "NP", "PH", "SN", "RS", "TN")


def timed(function, repeat: int = 50) -> tuple[float, float]:
    """Median and 95th percentile of `repeat` calls, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def scratch_database(label: str) -> tuple[str, callable]:
    """A new PostgreSQL database (or BENCH_DATABASE_URL's) and how to drop it."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"], lambda: None
    name = f"meeting_bench_{label}_{os.getpid()}"
    admin = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")

    def drop():
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()

    return f"{SERVER}/{name}", drop


def session_cookie(response, default=None):
    """The `session=...` pair an http.client response sets, for the next request."""
    return next(
        (
            c.split(";", 1)[0]
            for c in response.headers.get_all("Set-Cookie") or []
            if c.startswith("session=")
        ),
        default,
    )
