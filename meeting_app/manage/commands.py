"""`flask meetings ...`: the same services as the back office's meeting pages."""

from datetime import date

import click
from flask.cli import AppGroup

from meeting_app.cli import require_migrated_database
from meeting_app.core.i18n import LANGUAGES, counted, language_name
from meeting_app.core.tasks import commit
from meeting_app.extensions import db
from meeting_app.manage import services
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import DEFAULT_LANGUAGES, Meeting, MeetingSeries

meetings_group = AppGroup("meetings", help="Meetings: create, clone, publish, archive, list.")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.ClickException(f"{option}: {value!r} is not a date as YYYY-MM-DD.") from None


def _meeting(slug: str) -> Meeting:
    require_migrated_database()
    meeting = db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one_or_none()
    if meeting is None:
        raise click.ClickException(f"No meeting with the slug {slug!r}.")
    return meeting


def _fail(error: meetings.MeetingError) -> click.ClickException:
    db.session.rollback()
    problems = "; ".join(
        f"{field}: {message}" for field, message in sorted(error.messages().items())
    )
    return click.ClickException(problems)


def _title_options(command):
    """`--title-fr`, `--title-en`... : one option per language (core.i18n.LANGUAGES)."""
    for code in reversed(LANGUAGES):  # click lists options in the order applied, reversed
        command = click.option(
            f"--title-{code}", default="", help=f"The title in {language_name(code, 'en')}."
        )(command)
    return command


@meetings_group.command("create", help="Create a draft meeting.")
@click.option("--slug", required=True, help="Its address: lower-case letters, digits, hyphens.")
@click.option("--series", "series_slug", required=True, help="A series' slug (created if new).")
@_title_options
@click.option("--start", required=True, help="The first day, YYYY-MM-DD.")
@click.option("--end", required=True, help="The last day, YYYY-MM-DD.")
@click.option("--timezone", required=True, help="An IANA time zone, e.g. Asia/Kathmandu.")
@click.option("--city", required=True)
@click.option("--venue", default="")
@click.option("--host-country", default="", help="ISO 3166 code, e.g. NP.")
@click.option(
    "--languages",
    default=",".join(DEFAULT_LANGUAGES),
    show_default=True,
    help=f"Comma-separated, among {','.join(LANGUAGES)}.",
)
@click.option("--default-language", default="", help="One of --languages (default: en).")
def create_command(
    slug,
    series_slug,
    start,
    end,
    timezone,
    city,
    venue,
    host_country,
    languages,
    default_language,
    **titles,
):
    require_migrated_database()
    chosen = [code.strip() for code in languages.split(",") if code.strip()]
    default = default_language or ("en" if "en" in chosen else (chosen[0] if chosen else ""))
    series = db.session.execute(
        db.select(MeetingSeries).filter_by(slug=series_slug)
    ).scalar_one_or_none()
    data = meetings.MeetingInput(
        slug=slug,
        title={code: titles[f"title_{code}"] for code in LANGUAGES},
        start_date=_day(start, "--start"),
        end_date=_day(end, "--end"),
        timezone=timezone,
        city=city,
        venue=venue,
        host_country_code=host_country.upper() or None,
        series_id=series.id if series is not None else None,
        new_series_slug="" if series is not None else series_slug,
        new_series_title="" if series is not None else series_slug,
        languages=chosen,
        default_language=default,
    )
    try:
        meeting = meetings.create_meeting(data)
    except meetings.MeetingError as error:
        raise _fail(error) from None
    commit()
    dates = f"{meeting.start_date}–{meeting.end_date}"
    click.echo(f"Created the draft meeting {meeting.slug} ({dates}).")


@meetings_group.command("clone", help="Start a draft meeting from an earlier one.")
@click.argument("source_slug")
@click.option("--slug", required=True, help="The new meeting's address.")
@click.option("--start", required=True, help="Its first day, YYYY-MM-DD (same length).")
@click.option("--with-agenda", is_flag=True, help="Also copy the agenda, shifted.")
def clone_command(source_slug, slug, start, with_agenda):
    source = _meeting(source_slug)
    data = services.clone_input(source, slug=slug, start=_day(start, "--start"))
    try:
        meeting = services.clone_meeting(source, data, with_agenda=with_agenda)
    except meetings.MeetingError as error:
        raise _fail(error) from None
    commit()
    sessions = len(meeting.sessions)
    click.echo(
        f"Created the draft meeting {meeting.slug} from {source.slug} "
        f"({meeting.start_date}–{meeting.end_date}, "
        f"{counted(len(meeting.delegations), 'delegation', 'delegations')}, "
        f"{counted(len(meeting.rooms), 'room', 'rooms')}, "
        f"{counted(sessions, 'session', 'sessions')})."
    )


@meetings_group.command("publish", help="Publish a meeting (its readiness is shown).")
@click.argument("slug")
def publish_command(slug):
    meeting = _meeting(slug)
    missing = [item.code for item in meetings.readiness(meeting) if not item.ready]
    try:
        meetings.publish(meeting)
    except meetings.MeetingError as error:
        raise _fail(error) from None
    commit()
    click.echo(f"Published {slug}.")
    if missing:
        click.echo(f"Warning: missing {', '.join(missing)}.")


@meetings_group.command("archive", help="Archive a published meeting.")
@click.argument("slug")
def archive_command(slug):
    meeting = _meeting(slug)
    try:
        meetings.archive(meeting)
    except meetings.MeetingError as error:
        raise _fail(error) from None
    commit()
    click.echo(f"Archived {slug}.")


@meetings_group.command("list", help="Every meeting, newest first.")
def list_command():
    require_migrated_database()
    rows = db.session.execute(db.select(Meeting).order_by(Meeting.start_date.desc())).scalars()
    for meeting in rows:
        title = meetings.localized_title(meeting, meeting.default_language)
        click.echo(
            f"{meeting.slug}\t{meeting.status.value}\t{meeting.start_date}–{meeting.end_date}"
            f"\t{meeting.timezone}\t{title}"
        )
