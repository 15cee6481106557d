"""Backups and restores: `flask --app wsgi backup --out FILE` copies the whole
database consistently (SQLite's online backup API, PostgreSQL's pg_dump), and a
restore into a fresh database has every row of every table, and works."""

import subprocess
import threading
from datetime import date

import sqlalchemy as sa
from flask_migrate import upgrade

from meeting_app.demo.loader import load_demo
from meeting_app.extensions import db
from meeting_app.registration.models import Participant
from tests.conftest import make_app


def _loaded_app(database_url: str):
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        load_demo(today=date(2026, 11, 29))
        db.session.commit()
        db.session.remove()
    return app


def _row_counts(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        counts = {
            table: connection.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar()
            for table in tables
        }
    engine.dispose()
    return counts


def _assert_works(database_url: str) -> None:
    client = make_app(database_url).test_client()
    assert client.get("/healthz").get_json()["migrations"] == "current"
    assert client.get("/meetings/rabat-2022/delegations").status_code == 200


def test_sqlite_backup_while_the_app_writes_restores_every_row(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'meetings.sqlite3'}"
    app = _loaded_app(database_url)
    before = _row_counts(database_url)
    assert before["participants"] > 60 and before["agenda_sessions"] > 10

    # A write in progress during the backup: the copy is the state before it or
    # after it, never half of it.
    writing = threading.Event()

    def write():
        with app.app_context():
            person = db.session.execute(db.select(Participant).limit(1)).scalar_one()
            person.organisation = "Changed during the backup"
            db.session.flush()
            writing.set()
            db.session.commit()

    writer = threading.Thread(target=write)
    writer.start()
    writing.wait(5)
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "copy.db")])
    writer.join()
    assert result.exit_code == 0, result.output
    assert "Database backed up to" in result.output

    # Restoring SQLite: with the app stopped, the backup file takes the database's place.
    restored_url = f"sqlite:///{tmp_path / 'copy.db'}"
    assert _row_counts(restored_url) == before
    engine = sa.create_engine(restored_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
    _assert_works(restored_url)


def test_postgresql_backup_restores_into_a_fresh_database(postgres_database, tmp_path):
    database_url = postgres_database(migrated=False)
    app = _loaded_app(database_url)
    before = _row_counts(database_url)
    assert before["participants"] > 60 and before["countries"] == 249
    dump = tmp_path / "meetings.dump"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(dump)])
    assert result.exit_code == 0, result.output

    # The restore the README gives: pg_restore into a new, empty database.
    restored_url = postgres_database(migrated=False)
    libpq_url = sa.make_url(restored_url).set(drivername="postgresql").render_as_string(False)
    subprocess.run(  # noqa: S603
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq_url}", str(dump)],
        check=True,
        capture_output=True,
    )
    assert _row_counts(restored_url) == before
    _assert_works(restored_url)


def test_a_backup_that_cannot_be_written_says_so(runner, tmp_path):
    result = runner.invoke(args=["backup", "--out", str(tmp_path / "missing" / "copy.db")])
    assert result.exit_code == 1
    assert "Could not write" in result.output and "No such file or directory" in result.output
