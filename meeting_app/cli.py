"""`flask --app wsgi ...` commands."""

import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from collections.abc import Callable
from typing import BinaryIO

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from meeting_app.core import database
from meeting_app.core.i18n import LANGUAGES, counted
from meeting_app.core.tasks import commit
from meeting_app.extensions import db

# `--language` of every command: the languages of core.i18n.
LANGUAGE_CHOICE = click.Choice(LANGUAGES)


def require_migrated_database() -> None:
    """A clear word instead of a stack trace when `db upgrade` has not been run."""
    with db.engine.connect() as connection:
        state = database.migration_state(connection)
    if state != "current":
        raise click.ClickException(
            "The database is not migrated: run `flask --app wsgi db upgrade` first."
        )


def write_output(out: str, content: bytes | Callable[[BinaryIO], object]) -> None:
    """Writes an export to `out` whole or not at all: on a full disk (or any write
    error) a clear message instead of a traceback, and no partial file left behind.
    `content` is the bytes, or a function that writes them to the file it is given
    (a streamed export, never whole in memory).

    A regular file is written beside its place and renamed over it, so that an
    earlier export at that path stays intact until the new one is complete. A
    device or pipe (/dev/stdout) is written directly: it cannot be renamed over.
    """
    try:
        if os.path.exists(out) and not stat.S_ISREG(os.stat(out).st_mode):
            with open(out, "wb") as handle:
                _write(handle, content)
            return
        directory = os.path.dirname(os.path.abspath(out))
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".export-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                _write(handle, content)
            os.replace(temporary, out)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        reason = error.strerror or str(error)
        message = f"Could not write {out}: {reason}. Nothing was written."
        raise click.ClickException(message) from None


def _write(handle: BinaryIO, content: bytes | Callable[[BinaryIO], object]) -> None:
    if isinstance(content, bytes):
        handle.write(content)
    else:
        content(handle)


def register(app: Flask) -> None:
    # The command modules import this one (require_migrated_database): imported here.
    from meeting_app.accounts.commands import users
    from meeting_app.manage.commands import meetings_group

    for group in (users, meetings_group, demo, countries, export, mail_group, privacy, backup):
        app.cli.add_command(group)


@click.command(help="Load the demo meetings and accounts (running it again changes nothing).")
@with_appcontext
def demo():
    if not current_app.config["DEMO_ACCOUNTS_ALLOWED"]:
        raise click.ClickException(
            "The demo has published passwords: it is refused with the production configuration."
        )
    require_migrated_database()
    from meeting_app.demo.loader import load_demo

    report = load_demo()
    commit()
    for item in report.created:
        click.echo(f"created  {item}")
    for item in report.skipped:
        click.echo(f"present  {item}")


countries = AppGroup("countries", help="The country table.")


@countries.command("sync", help="Add or rename countries from Babel's locale data.")
def sync_countries_command():
    require_migrated_database()
    from meeting_app.meetings.services import sync_countries

    added = sync_countries()
    commit()
    click.echo(f"{counted(added, 'country', 'countries')} added.")


export = AppGroup("export", help="Exports, as from the back office.")


def _meeting_or_fail(slug: str):
    from meeting_app.meetings.models import Meeting

    require_migrated_database()
    meeting = db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one_or_none()
    if meeting is None:
        raise click.ClickException(f"No meeting with the slug {slug!r}.")
    return meeting


def _spreadsheet_format(out: str) -> str:
    fmt = out.rsplit(".", 1)[-1].lower()
    if fmt not in ("csv", "xlsx"):
        raise click.ClickException("The output file must end in .csv or .xlsx.")
    return fmt


# For CSV: ';' suits spreadsheet programs set to a language whose decimal mark is a
# comma (French, Spanish, Russian); scripts expect ','.
_separator = click.option(
    "--separator",
    type=click.Choice(["comma", "semicolon"]),
    default="comma",
    help="CSV column separator: semicolon for spreadsheets in French, Spanish or Russian.",
)


@export.command("participants", help="Participant list (CSV or XLSX by the file's extension).")
@click.option("--meeting", "slug", required=True, help="The meeting's slug.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--status", default="", help="submitted, approved, waitlisted, declined, cancelled")
@click.option("--delegation", default="", help="A delegation's ISO country code, or 'other'.")
@click.option("--category", default="", help="e.g. national_government, un_agency")
@click.option("--search", default="", help="Text in the name, e-mail or organisation.")
@click.option("--language", default="en", type=LANGUAGE_CHOICE)
@click.option(
    "--sensitive",
    is_flag=True,
    help="Include the answers to the form's sensitive questions (written in the audit log).",
)
@_separator
def export_participants(
    slug, out, status, delegation, category, search, language, sensitive, separator
):
    from meeting_app.registration import exports
    from meeting_app.registration.queries import Filters, participants_query

    meeting = _meeting_or_fail(slug)
    fmt = _spreadsheet_format(out)
    if delegation and delegation != "other":
        match = [d for d in meeting.delegations if d.country_code == delegation.upper()]
        if not match:
            raise click.ClickException(f"No delegation {delegation!r} at this meeting.")
        delegation = str(match[0].id)
    filters = Filters.from_args(
        {"status": status, "delegation": delegation, "category": category, "q": search}
    )
    # Streamed: read in chunks and written to the file as they come.
    header, rows = exports.participant_export(
        meeting, participants_query(meeting, filters), language, sensitive=sensitive
    )
    delimiter = exports.csv_delimiter(separator, language)
    written = []
    write_output(
        out,
        lambda handle: written.append(
            exports.write_spreadsheet(handle, fmt, header, rows, meeting.slug, delimiter)
        ),
    )
    from meeting_app.privacy import audit

    audit.record(
        "participants.exported_sensitive" if sensitive else "participants.exported",
        meeting=meeting,
        details=f"{fmt}, {written[0]}",
    )
    commit()
    click.echo(f"{counted(written[0], 'participant', 'participants')} written to {out}.")


@export.command("delegations", help="Delegation list (CSV or XLSX by the file's extension).")
@click.option("--meeting", "slug", required=True, help="The meeting's slug.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--language", default="en", type=LANGUAGE_CHOICE)
@_separator
def export_delegations(slug, out, language, separator):
    from meeting_app.delegations import services as delegations
    from meeting_app.registration import exports

    meeting = _meeting_or_fail(slug)
    fmt = _spreadsheet_format(out)
    header, rows = delegations.delegation_table(delegations.overview(meeting, language), language)
    delimiter = exports.csv_delimiter(separator, language)
    write_output(out, exports.spreadsheet(fmt, header, rows, meeting.slug, delimiter))
    click.echo(f"{counted(len(rows), 'delegation', 'delegations')} written to {out}.")


@export.command("arrivals", help="Arrivals at the desk as CSV: each person's check-in per day.")
@click.option("--meeting", "slug", required=True, help="The meeting's slug.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--language", default="en", type=LANGUAGE_CHOICE)
@_separator
def export_arrivals(slug, out, language, separator):
    from flask_babel import force_locale

    from meeting_app.desk.arrivals import arrivals_csv
    from meeting_app.registration.exports import csv_delimiter

    meeting = _meeting_or_fail(slug)
    with force_locale(language):
        content = arrivals_csv(meeting, language, csv_delimiter(separator, language))
    write_output(out, content)
    click.echo(f"Arrivals written to {out}.")


mail_group = AppGroup("mail", help="Outgoing e-mail.")


@mail_group.command(
    "send-pending",
    help="Send the e-mails that are due (for servers without a task worker: run it from cron).",
)
def send_pending():
    from meeting_app.mail.delivery import deliver_pending
    from meeting_app.mail.models import MailStatus

    require_migrated_database()
    # The same claims as the workers': run on several servers at once, or while a
    # worker sends, it sends no mail twice.
    outcome = deliver_pending()
    failed = outcome[MailStatus.FAILED]
    still = outcome[MailStatus.PENDING]
    click.echo(
        f"{counted(outcome[MailStatus.SENT], 'e-mail', 'e-mails')} sent, "
        + (f"{failed} failed for good (see the outbox), " if failed else "")
        + f"{still} still pending."
    )
    if still:
        raise SystemExit(1)


@mail_group.command(
    "send-reminders",
    help="Write the meetings' automatic reminders that are due, each once per person"
    " (for servers without the scheduler: run it from cron).",
)
def send_reminders():
    from meeting_app.messages import reminders

    require_migrated_database()
    # The same claims as the scheduler's: run anywhere at the same time, it writes
    # no reminder twice.
    count = reminders.send_due()
    commit()
    click.echo(f"{counted(count, 'reminder', 'reminders')} written.")


def _agenda_export_options(command):
    for option in reversed(
        (
            click.option("--meeting", "slug", required=True, help="The meeting's slug."),
            click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True)),
            click.option("--language", default="en", type=LANGUAGE_CHOICE),
            click.option(
                "--base-url",
                default="http://127.0.0.1:5000",
                help="The site's public address, for the links in the file.",
            ),
        )
    ):
        command = option(command)
    return command


def _write_published_agenda(slug: str, out: str, language: str, base_url: str, render) -> None:
    from meeting_app.agenda.published import published_agenda

    meeting = _meeting_or_fail(slug)
    agenda = published_agenda(meeting)
    write_output(out, render(meeting, agenda, language=language, base_url=base_url.rstrip("/")))
    click.echo(f"{counted(len(agenda.sessions), 'session', 'sessions')} written to {out}.")


@export.command("calendar", help="The published agenda as an iCalendar (.ics) file.")
@_agenda_export_options
def export_calendar(slug, out, language, base_url):
    from meeting_app.agenda.ical import agenda_calendar
    from meeting_app.core.i18n import localized

    def render(meeting, agenda, **options):
        name = localized(meeting.title, meeting.default_language, language).text
        return agenda_calendar(meeting, agenda, name=name, **options)

    _write_published_agenda(slug, out, language, base_url, render)


@export.command("schedule", help="The published agenda as a frab schedule.xml file.")
@_agenda_export_options
def export_schedule(slug, out, language, base_url):
    from meeting_app.agenda.frab import schedule_xml

    _write_published_agenda(slug, out, language, base_url, schedule_xml)


@export.command("badges", help="Badges of the approved participants as one PDF.")
@click.option("--meeting", "slug", required=True, help="The meeting's slug.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--layout", default="a4-4", type=click.Choice(["a6", "cr80", "a4-4", "a4-8"]))
@click.option("--language", default="en", type=LANGUAGE_CHOICE)
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    help="The site's public address, for the QR codes.",
)
@click.option("--not-printed", is_flag=True, help="Only badges not printed yet.")
def export_badges(slug, out, layout, language, base_url, not_printed):
    from meeting_app.documents import badges

    meeting = _meeting_or_fail(slug)
    selected = badges.select(meeting, not_printed=not_printed)
    pdf = badges.badges_pdf(
        meeting, selected, layout=layout, language=language, base_url=base_url.rstrip("/")
    )
    write_output(out, pdf)
    badges.record_prints(selected, layout)
    commit()
    click.echo(f"{counted(len(selected), 'badge', 'badges')} written to {out}.")


@export.command("programme", help="The programme booklet as a PDF.")
@click.option("--meeting", "slug", required=True, help="The meeting's slug.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--language", default="en", type=LANGUAGE_CHOICE)
@click.option("--paper", default="a4", type=click.Choice(["a4", "letter"]))
def export_programme(slug, out, language, paper):
    from meeting_app.documents.booklet import booklet_pdf

    meeting = _meeting_or_fail(slug)
    write_output(out, booklet_pdf(meeting, language=language, paper=paper))
    click.echo(f"Programme written to {out}.")


@export.command(
    "letters", help="Visa invitation letters, or certificates of attendance, as one PDF."
)
@click.option("--meeting", "slug", required=True, help="The meeting's slug.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--language", default="en", type=LANGUAGE_CHOICE)
@click.option("--certificates", is_flag=True, help="Certificates of attendance instead.")
def export_letters(slug, out, language, certificates):
    from meeting_app.documents import letters

    meeting = _meeting_or_fail(slug)
    if certificates:
        kind, people = letters.CERTIFICATE, letters.certificate_recipients(meeting)
    else:
        kind, people = letters.LETTER, letters.letter_recipients(meeting)
    if not people:
        raise click.ClickException("Nobody is entitled to this document yet.")
    write_output(out, letters.documents_pdf(meeting, kind, people, language))
    from meeting_app.privacy import audit

    audit.record("documents.downloaded", meeting=meeting, details=f"{kind}, {len(people)}")
    commit()
    click.echo(f"{counted(len(people), kind, kind + 's')} written to {out}.")


@export.command("documents", help="The meeting's documents: every file in force, one a language.")
@click.option("--meeting", "slug", required=True, help="The meeting's slug.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="A folder.")
def export_documents(slug, out):
    from meeting_app.materials import services as materials

    meeting = _meeting_or_fail(slug)
    os.makedirs(out, exist_ok=True)
    written = materials.current_files(meeting)
    for file in written:
        write_output(os.path.join(out, materials.export_name(file)), file.content)
    click.echo(f"{counted(len(written), 'file', 'files')} written to {out}.")


@export.command(
    "attendance-register",
    help="The attendance register (PDF or XLSX by the file's extension), with its sign-off.",
)
@click.option("--meeting", "slug", required=True, help="The meeting's slug.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--language",
    type=LANGUAGE_CHOICE,
    help="The language of the headings (default: the meeting's default language).",
)
def export_attendance_register(slug, out, language):
    from flask_babel import force_locale

    from meeting_app.outcomes import exports as outcomes_exports
    from meeting_app.outcomes import register
    from meeting_app.privacy import audit

    meeting = _meeting_or_fail(slug)
    language = language or meeting.default_language
    fmt = out.rsplit(".", 1)[-1].lower()
    if fmt not in ("pdf", "xlsx"):
        raise click.ClickException("Give an --out file ending in .pdf or .xlsx.")
    with force_locale(language):
        built = register.build(meeting, language)
    signed = register.latest_sign_off(meeting)
    if fmt == "pdf":
        content = outcomes_exports.register_pdf(built, signed, language)
    else:
        content = outcomes_exports.register_xlsx(built, signed, language)
    write_output(out, content)
    audit.record("attendance.exported", meeting=meeting, details=fmt)
    commit()
    click.echo(f"{counted(built.present, 'person', 'people')} present, written to {out}.")


@export.command("list-of-participants", help="The official list of participants.")
@click.option("--meeting", "slug", required=True, help="The meeting's slug.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--language",
    type=LANGUAGE_CHOICE,
    help="One of the meeting's languages (default: its default language).",
)
@click.option(
    "--edition",
    default="provisional",
    type=click.Choice(["provisional", "final"]),
    help="provisional: the approved participants; final: those checked in.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "xlsx", "docx"]),
    help="Default: the output file's extension.",
)
def export_list_of_participants(slug, out, language, edition, fmt):
    from meeting_app.documents import participant_list
    from meeting_app.privacy import audit

    meeting = _meeting_or_fail(slug)
    language = language or meeting.default_language
    if language not in meeting.languages:
        raise click.ClickException(f"The meeting is not held in {language!r}.")
    fmt = fmt or out.rsplit(".", 1)[-1].lower()
    if fmt not in participant_list.FORMATS:
        raise click.ClickException("Give --format pdf, xlsx or docx (or an --out file ending so).")
    edition = participant_list.Edition(edition)
    document = participant_list.build(meeting, language=language, edition=edition)
    write_output(out, participant_list.EXPORTERS[fmt](document))
    audit.record(
        "participants.exported",
        meeting=meeting,
        details=f"list of participants, {fmt}, {language}, {edition.value}, {document.count}",
    )
    commit()
    click.echo(f"{counted(document.count, 'participant', 'participants')} written to {out}.")


privacy = AppGroup("privacy", help="Personal data kept only as long as needed.")


def _purge_report(meeting, counts: dict[str, int]) -> str:
    done = ", ".join(f"{n} {field}" for field, n in counts.items())
    return f"{meeting.slug}: deleted {done}."


@privacy.command(
    "purge",
    help="Delete passport numbers, phone numbers, dietary and accessibility needs, and the "
    "answers to the registration form's sensitive questions (with their files), of meetings "
    "whose retention period is over (running it again deletes nothing more).",
)
def purge():
    from meeting_app.privacy import services

    require_migrated_database()
    purged, not_due = services.purge_all_due()
    for meeting, counts in purged:
        click.echo(_purge_report(meeting, counts))
    commit()
    click.echo(
        f"{counted(len(purged), 'meeting', 'meetings')} past their retention period, {not_due} not."
    )


@privacy.command(
    "purge-passports",
    help="Delete the passport numbers of participants of meetings that have ended, "
    "without waiting for the retention period.",
)
@click.option("--meeting", "slug", help="Only this meeting (it must have ended).")
def purge_passports(slug):
    from meeting_app.documents import letters
    from meeting_app.meetings.models import Meeting
    from meeting_app.privacy import services

    if slug:
        meeting = _meeting_or_fail(slug)
        if not letters.meeting_over(meeting):
            raise click.ClickException(
                f"{slug} has not ended yet: its participants may still need their letters."
            )
        ended = [meeting]
    else:
        require_migrated_database()
        ended = [
            m for m in db.session.execute(db.select(Meeting)).scalars() if letters.meeting_over(m)
        ]
    count = sum(
        services.purge(m, ("passport_number",), answers=False)["passport_number"] for m in ended
    )
    commit()
    numbers = counted(count, "passport number", "passport numbers")
    click.echo(f"Deleted {numbers} from {counted(len(ended), 'ended meeting', 'ended meetings')}.")


@click.command(help="A consistent copy of the whole database, safe while the app runs.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(out):
    """SQLite: the online backup API, a consistent snapshot even while others write.
    PostgreSQL: pg_dump's custom format (one transaction, so consistent too), for
    pg_restore. Either way the file appears only once complete."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql" and shutil.which("pg_dump") is None:
        raise click.ClickException(
            "pg_dump is not installed (Debian: apt-get install postgresql-client). "
            f"The command: pg_dump --format=custom --no-owner --file={out} "
            f"{url.set(drivername='postgresql', password=None).render_as_string()}"
        )
    directory = os.path.dirname(os.path.abspath(out))
    try:
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".backup-")
    except OSError as error:
        raise click.ClickException(f"Could not write {out}: {error.strerror}.") from None
    os.close(descriptor)
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_backup(url.database, temporary)
        elif url.get_backend_name() == "postgresql":
            _pg_dump(url, temporary)
        else:
            raise click.ClickException(f"No backup method for {url.get_backend_name()}.")
        os.replace(temporary, out)
    except OSError as error:
        raise click.ClickException(f"Could not write {out}: {error.strerror}.") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    click.echo(f"Database backed up to {out} ({os.path.getsize(out)} bytes).")


def _sqlite_backup(source: str, target: str) -> None:
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        try:
            origin.backup(copy)
        except sqlite3.OperationalError as error:  # e.g. "database or disk is full"
            raise click.ClickException(f"The backup failed: {error}.") from None
    # Closed by hand: the context managers above only end transactions.
    origin.close()
    copy.close()


def _pg_dump(url, target: str) -> None:
    # The password goes through the environment: a command line shows in `ps`.
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    command = [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        f"--file={target}",
        url.set(drivername="postgresql", password=None).render_as_string(),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise click.ClickException(f"pg_dump failed: {result.stderr.strip()}")
