"""`flask --app wsgi ...` commands."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import AccountError, create_user
from meeting_app.core import database
from meeting_app.extensions import db


def require_migrated_database() -> None:
    """A clear word instead of a stack trace when `db upgrade` has not been run."""
    with db.engine.connect() as connection:
        state = database.migration_state(connection)
    if state != "current":
        raise click.ClickException(
            "The database is not migrated: run `flask --app wsgi db upgrade` first."
        )


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(countries)


users = AppGroup("users", help="Staff accounts.")


@users.command("create", help="Create a staff account; asks for the password twice.")
@click.option("--email", required=True, help="The account's e-mail address (its login).")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
def create_user_command(email: str, role: str):
    require_migrated_database()
    # Never an option: a password on the command line ends up in shell history and `ps`.
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, Role(role))
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email}.")


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
    db.session.commit()
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
    db.session.commit()
    click.echo(f"{added} countries added.")
