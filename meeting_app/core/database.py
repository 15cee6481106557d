"""Database plumbing: SQLite pragmas, the migration check, and table clean-up."""

import functools
import sqlite3

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

import config as app_config
from meeting_app.core.collation import register_sqlite_collations

_pragmas_installed = False

# Ids are `integer` columns: a larger number names no row, and the database refuses
# to compare one (PostgreSQL: out of range; SQLite past 64 bits) instead of finding
# nothing. Numbers from addresses and forms are checked against it first.
MAX_ID = 2**31 - 1
# Far past any list's end; a larger ?page= would make an offset the database refuses.
MAX_PAGE = 100_000


def as_id(value) -> int | None:
    """A row id someone typed or sent: ASCII digits within the id range, else None."""
    text = str(value) if value is not None else ""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def requested_page() -> int:
    """The list page asked for by ?page=, from 1 to MAX_PAGE."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def install_sqlite_pragmas() -> None:
    """WAL (readers don't block the writer), a busy timeout instead of
    'database is locked', foreign keys enforced, and the languages' collations
    (core/collation.py), on every SQLite connection."""
    global _pragmas_installed
    if _pragmas_installed:
        return
    _pragmas_installed = True

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        register_sqlite_collations(dbapi_connection)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The newest migrations shipped with the code (read once per process)."""
    script = ScriptDirectory(str(app_config.BASE_DIR / "migrations"))
    return frozenset(script.get_heads())


def current_revisions(connection: sa.Connection) -> set[str]:
    """The migrations the database is at (Alembic's own table; none when never migrated)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def migration_state(connection: sa.Connection) -> str:
    """'current', 'behind' (run flask db upgrade) or 'empty' (never migrated)."""
    current = current_revisions(connection)
    if not current:
        return "empty"
    return "current" if current == head_revisions() else "behind"


def is_missing_schema_error(error: Exception) -> bool:
    """True for the errors a database without our tables raises (SQLite and PostgreSQL)."""
    text = str(getattr(error, "orig", error)).lower()
    return any(
        marker in text
        for marker in ("no such table", "no such column", "does not exist", "undefinedtable")
    )


def log_missing_schema() -> None:
    current_app.logger.error("The database is not migrated: run `flask --app wsgi db upgrade`.")
