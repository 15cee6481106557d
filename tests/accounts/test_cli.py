"""`flask users ...`: create (asks for the password twice, never takes it as an
argument), grant, revoke, invite, reset-password, disable, enable; each exits
non-zero with a one-line message on bad input."""

import pytest
from werkzeug.security import check_password_hash

from meeting_app.accounts.models import AccountToken, Role, StaffSession, TokenPurpose, User
from meeting_app.extensions import db
from meeting_app.privacy.models import AuditEntry
from tests.accounts.conftest import link_in
from tests.conftest import make_app

PASSWORDS = "a long enough password\na long enough password\n"


def _users():
    db.session.expire_all()
    return db.session.execute(db.select(User)).scalars().all()


def _user(email):
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


def test_create_an_administrator(runner, app_context):
    result = runner.invoke(
        args=["users", "create", "--email", "Chef@Example.org", "--admin"], input=PASSWORDS
    )
    assert result.exit_code == 0, result.output
    assert "Created the account chef@example.org (administrator)." in result.output
    (user,) = _users()
    assert user.is_admin
    assert check_password_hash(user.password_hash, "a long enough password")


def test_create_a_host_of_one_meeting(runner, make_meeting):
    rabat = make_meeting(slug="rabat")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "h@example.org",
            "--role",
            "host",
            "--meeting",
            "rabat",
        ],
        input=PASSWORDS,
    )
    assert result.exit_code == 0, result.output
    (user,) = _users()
    assert not user.is_admin and user.role_in(rabat.id) is Role.HOST


def test_the_two_passwords_must_match(runner, app_context):
    result = runner.invoke(
        args=["users", "create", "--email", "h@example.org", "--admin"],
        input="a long enough password\nanother long password\n" + PASSWORDS,
    )
    assert result.exit_code == 0
    assert "do not match" in result.output
    assert len(_users()) == 1


def test_there_is_no_password_option(runner, app_context):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "h@example.org",
            "--admin",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 2
    assert _users() == []


def test_short_password_unknown_role_and_duplicate_are_refused(runner, app_context, make_user):
    short = runner.invoke(
        args=["users", "create", "--email", "h@example.org", "--admin"], input="short\nshort\n"
    )
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    role = runner.invoke(args=["users", "create", "--email", "h@example.org", "--role", "admin"])
    assert role.exit_code == 2
    make_user(Role.HOST, "taken@example.org")
    taken = runner.invoke(
        args=["users", "create", "--email", "taken@example.org", "--admin"], input=PASSWORDS
    )
    assert taken.exit_code == 1
    assert "already exists" in taken.output
    assert len(_users()) == 1


def test_grant_and_revoke_a_role_in_a_meeting(runner, make_user, make_meeting):
    rabat = make_meeting(slug="rabat")
    user = make_user(Role.HOST, "door@example.org", meetings=[])
    db.session.add(StaffSession(user_id=user.id, token_hash="x" * 64))
    db.session.commit()
    granted = runner.invoke(
        args=["users", "grant", "door@example.org", "--role", "host", "--meeting", "rabat"]
    )
    assert granted.exit_code == 0, granted.output
    assert _user("door@example.org").role_in(rabat.id) is Role.HOST
    assert db.session.execute(db.select(StaffSession)).first() is None  # signed out
    wrong = runner.invoke(
        args=["users", "revoke", "door@example.org", "--role", "organiser", "--meeting", "rabat"]
    )
    assert wrong.exit_code == 1
    assert "is not organiser of rabat" in wrong.output
    revoked = runner.invoke(
        args=["users", "revoke", "door@example.org", "--role", "host", "--meeting", "rabat"]
    )
    assert revoked.exit_code == 0, revoked.output
    assert _user("door@example.org").role_in(rabat.id) is None
    actions = db.session.execute(db.select(AuditEntry.action, AuditEntry.actor)).all()
    assert sorted(actions) == [
        ("staff.role_granted", "command line"),
        ("staff.role_revoked", "command line"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grant", "nobody@example.org", "--role", "host", "--meeting", "rabat"], "No account"),
        (["grant", "door@example.org", "--role", "host", "--meeting", "nowhere"], "No meeting"),
        (["grant", "door@example.org", "--role", "host"], "--role and --meeting go together"),
        (["grant", "door@example.org"], "Give either --admin or --role"),
        (["revoke", "door@example.org", "--role", "host", "--meeting", "nowhere"], "No meeting"),
        (["disable", "nobody@example.org"], "No account"),
        (["enable", "nobody@example.org"], "No account"),
        (["reset-password", "nobody@example.org"], "No account"),
        (["invite", "door@example.org", "--role", "host", "--meeting", "rabat"], "has an account"),
        (["invite", "new@example.org", "--role", "host", "--meeting", "nowhere"], "No meeting"),
        (["invite", "not-an-address", "--admin"], "not an e-mail address"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(runner, make_user, make_meeting, args, message):
    make_meeting(slug="rabat")
    make_user(Role.HOST, "door@example.org")
    result = runner.invoke(args=["users", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_bad_role_is_a_usage_error(runner, app_context):
    result = runner.invoke(
        args=["users", "grant", "x@example.org", "--role", "king", "--meeting", "rabat"]
    )
    assert result.exit_code == 2


def test_invite_mails_the_link(runner, make_meeting, inbox, client):
    rabat = make_meeting(slug="rabat")
    result = runner.invoke(
        args=[
            "users",
            "invite",
            "new@example.org",
            "--role",
            "organiser",
            "--meeting",
            "rabat",
            "--language",
            "fr",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "The invitation to new@example.org is on its way (see the outbox)." in result.output
    link = link_in(inbox, "new@example.org", "/invitation/")
    user = _user("new@example.org")
    assert user.role_in(rabat.id) is Role.ORGANISER and user.language == "fr"
    assert client.get(link).status_code == 200


def test_without_a_mail_server_the_link_is_printed(database_url, make_meeting, client):
    make_meeting(slug="rabat")
    offline = make_app(database_url, MAIL_SERVER="", PUBLIC_URL="https://meetings.example.org")
    # Commands run in the app context already pushed: this one's, for the test.
    with offline.app_context():
        result = offline.test_cli_runner().invoke(
            args=["users", "invite", "new@example.org", "--admin"]
        )
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("https://meetings.example.org/invitation/")
    assert client.get(link.removeprefix("https://meetings.example.org")).status_code == 200


def test_reset_password_mails_a_link_or_prints_it(database_url, runner, make_user, inbox, client):
    make_user(Role.HOST, "door@example.org")
    result = runner.invoke(args=["users", "reset-password", "door@example.org"])
    assert result.exit_code == 0, result.output
    link = link_in(inbox, "door@example.org", "/reset/")
    assert client.get(link).status_code == 200
    offline = make_app(database_url, MAIL_SERVER="")
    with offline.app_context():
        printed = offline.test_cli_runner().invoke(
            args=["users", "reset-password", "door@example.org", "--base-url", "http://x.example"]
        )
    assert printed.exit_code == 0, printed.output
    assert printed.output.strip().splitlines()[-1].startswith("http://x.example/reset/")
    # The printed link replaced the mailed one.
    assert client.get(link).status_code == 404
    tokens = (
        db.session.execute(
            db.select(AccountToken).filter_by(purpose=TokenPurpose.PASSWORD_RESET, revoked_at=None)
        )
        .scalars()
        .all()
    )
    assert len(tokens) == 1


def test_disable_and_enable(runner, make_user, login, client):
    make_user(Role.ORGANISER, "boss@example.org")
    make_user(Role.HOST, "door@example.org")
    login("door@example.org")
    assert runner.invoke(args=["users", "disable", "door@example.org"]).exit_code == 0
    assert not _user("door@example.org").active
    assert client.get("/desk/").status_code == 302
    assert login("door@example.org").status_code == 422
    assert runner.invoke(args=["users", "enable", "door@example.org"]).exit_code == 0
    assert login("door@example.org").status_code == 302
    actions = db.session.execute(db.select(AuditEntry.action)).scalars().all()
    assert actions.count("staff.disabled") == 1 and actions.count("staff.enabled") == 1


def test_the_last_administrator_cannot_be_disabled(runner, make_user):
    make_user(Role.ORGANISER, "boss@example.org")
    result = runner.invoke(args=["users", "disable", "boss@example.org"])
    assert result.exit_code == 1
    assert "last active administrator" in result.output
    assert _user("boss@example.org").active
