"""`flask --app wsgi ...` commands."""

import click
from flask import Flask, current_app

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import AccountError, create_user
from meeting_app.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(countries)


@click.group(help="Staff accounts.")
def users():
    pass


@users.command("create", help="Create a staff account; asks for the password twice.")
@click.option("--email", required=True, help="The account's e-mail address (its login).")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
def create_user_command(email: str, role: str):
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
def demo():
    if not current_app.config["DEMO_ACCOUNTS_ALLOWED"]:
        raise click.ClickException(
            "The demo has published passwords: it is refused with the production configuration."
        )
    from meeting_app.demo.loader import load_demo

    report = load_demo()
    db.session.commit()
    for item in report.created:
        click.echo(f"created  {item}")
    for item in report.skipped:
        click.echo(f"present  {item}")


@click.group(help="The country table.")
def countries():
    pass


@countries.command("sync", help="Add or rename countries from Babel's locale data.")
def sync_countries_command():
    from meeting_app.meetings.services import sync_countries

    added = sync_countries()
    db.session.commit()
    click.echo(f"{added} countries added.")
