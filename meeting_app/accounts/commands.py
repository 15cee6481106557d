"""`flask users ...`: staff accounts from the command line, through the same
services as /manage/staff. Each command exits non-zero with a one-line message
on bad input."""

import click
from flask import current_app
from flask.cli import AppGroup

from meeting_app.accounts import staff
from meeting_app.accounts.models import Role
from meeting_app.accounts.services import AccountError, create_user
from meeting_app.cli import LANGUAGE_CHOICE, require_migrated_database
from meeting_app.core.tasks import commit
from meeting_app.extensions import db

users = AppGroup("users", help="Staff accounts.")

_ROLE = click.Choice([r.value for r in Role])
_LANGUAGE = LANGUAGE_CHOICE


def _meeting_or_fail(slug: str):
    meeting = staff.find_meeting(slug)
    if meeting is None:
        raise click.ClickException(f"No meeting with the slug {slug!r}.")
    return meeting


def _user_or_fail(email: str):
    try:
        return staff.require_user(email)
    except AccountError as error:
        raise click.ClickException(str(error)) from None


def _roles_option(admin: bool, role: str | None, slug: str | None) -> dict | None:
    """--admin, or --role with --meeting: exactly one of them."""
    if admin == bool(role or slug):
        raise click.ClickException("Give either --admin or --role with --meeting.")
    if admin:
        return None
    if not (role and slug):
        raise click.ClickException("--role and --meeting go together.")
    return {_meeting_or_fail(slug): Role(role)}


def _fail(error: Exception):
    db.session.rollback()
    raise click.ClickException(str(error)) from None


def _links_context(base_url: str | None):
    """A request context whose address the links in mails are built from: the
    configured PUBLIC_URL, else --base-url."""
    base = current_app.config.get("PUBLIC_URL") or base_url or "http://localhost:5000"
    return current_app.test_request_context(base_url=base.rstrip("/"))


def _mail_done(link: str, what: str, email: str) -> None:
    """After the commit: on its way (the outbox shows when it has gone), or (no
    mail server configured) the link printed for the administrator to pass on."""
    commit()
    if not current_app.config["MAIL_SERVER"]:
        click.echo(f"No mail server is configured: give {email} this link yourself.")
        click.echo(link)
    else:
        click.echo(f"{what} to {email} is on its way (see the outbox).")


_base_url_option = click.option(
    "--base-url", help="The site's address for the link, when PUBLIC_URL is not configured."
)


@users.command("create", help="Create a staff account; asks for the password twice.")
@click.option("--email", required=True, help="The account's e-mail address (its login).")
@click.option("--admin", is_flag=True, help="An administrator (every meeting, staff accounts).")
@click.option("--role", type=_ROLE, help="A role in --meeting.")
@click.option("--meeting", "slug", help="The meeting where --role is held.")
def create_user_command(email: str, admin: bool, role: str | None, slug: str | None):
    require_migrated_database()
    roles = _roles_option(admin, role, slug)
    # Never an option: a password on the command line ends up in shell history and `ps`.
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, is_admin=admin, roles=roles)
    except AccountError as error:
        _fail(error)
    commit()
    what = "administrator" if admin else f"{role} of {slug}"
    click.echo(f"Created the account {user.email} ({what}).")


@users.command("grant", help="Give an account a role in a meeting (or --admin).")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Administrators' rights instead of a role.")
@click.option("--role", type=_ROLE, help="organiser or host.")
@click.option("--meeting", "slug", help="The meeting's slug.")
def grant_command(email: str, admin: bool, role: str | None, slug: str | None):
    require_migrated_database()
    user = _user_or_fail(email)
    roles = _roles_option(admin, role, slug)
    if admin:
        staff.set_admin(user, True)
    for meeting, held in (roles or {}).items():
        staff.grant_role(user, meeting, held)
    commit()
    what = "administrator" if admin else f"{role} of {slug}"
    click.echo(f"{user.email} is {what}; its sessions are signed out.")


@users.command("revoke", help="Take a role in a meeting (or --admin) away from an account.")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Administrators' rights instead of a role.")
@click.option("--role", type=_ROLE, help="organiser or host.")
@click.option("--meeting", "slug", help="The meeting's slug.")
def revoke_command(email: str, admin: bool, role: str | None, slug: str | None):
    require_migrated_database()
    user = _user_or_fail(email)
    roles = _roles_option(admin, role, slug)
    try:
        if admin:
            staff.set_admin(user, False)
        for meeting, held in (roles or {}).items():
            staff.revoke_role(user, meeting, held)
    except AccountError as error:
        _fail(error)
    commit()
    what = "administrator" if admin else f"{role} of {slug}"
    click.echo(f"{user.email} is no longer {what}; its sessions are signed out.")


@users.command("invite", help="Invite someone: a link valid 72 hours to choose a password.")
@click.argument("email")
@click.option("--admin", is_flag=True, help="An administrator (every meeting, staff accounts).")
@click.option("--role", type=_ROLE, help="A role in --meeting.")
@click.option("--meeting", "slug", help="The meeting where --role is held.")
@click.option("--language", type=_LANGUAGE, default="en", show_default=True)
@_base_url_option
def invite_command(email, admin, role, slug, language, base_url):
    require_migrated_database()
    roles = _roles_option(admin, role, slug)
    if "@" not in email:
        raise click.ClickException(f"{email!r} is not an e-mail address.")
    with _links_context(base_url):
        try:
            user, link = staff.invite(email, is_admin=admin, roles=roles, language=language)
        except staff.AccountExists as error:
            db.session.rollback()
            raise click.ClickException(
                f"{error.user.email} has an account already: use `flask users grant`."
            ) from None
        except AccountError as error:
            _fail(error)
        _mail_done(link, "The invitation", user.email)


@users.command("reset-password", help="Mail an account a link valid 1 hour to choose a password.")
@click.argument("email")
@click.option("--language", type=_LANGUAGE, default="en", show_default=True)
@_base_url_option
def reset_password_command(email, language, base_url):
    require_migrated_database()
    user = _user_or_fail(email)
    if not user.active:
        raise click.ClickException(f"{user.email} is disabled: enable it first.")
    with _links_context(base_url):
        if not user.has_password:
            link = staff.resend_invitation(user)
            _mail_done(link, "A new invitation (no password was chosen yet)", user.email)
            return
        link = staff.request_password_reset(user.email, language=language, force=True)
        _mail_done(link, "The password-reset link", user.email)


@users.command("disable", help="Disable an account and sign it out everywhere.")
@click.argument("email")
def disable_command(email):
    require_migrated_database()
    user = _user_or_fail(email)
    try:
        staff.disable(user)
    except AccountError as error:
        _fail(error)
    commit()
    click.echo(f"{user.email} is disabled and signed out everywhere.")


@users.command("enable", help="Enable a disabled account again.")
@click.argument("email")
def enable_command(email):
    require_migrated_database()
    user = _user_or_fail(email)
    staff.enable(user)
    commit()
    click.echo(f"{user.email} is enabled.")


@users.command("list", help="Staff accounts and their roles.")
def list_command():
    require_migrated_database()
    meetings = {m.id: m.slug for m in staff.all_meetings()}
    for user in staff.all_accounts():
        roles = ["administrator"] if user.is_admin else []
        roles += [f"{r.role.value} of {meetings.get(r.meeting_id)}" for r in user.meeting_roles]
        state = "" if user.active else " [disabled]"
        if not user.has_password:
            state += " [invited]"
        click.echo(f"{user.email}{state}: {', '.join(roles) or 'no role'}")
