"""`flask users create`: asks for the password twice, never takes it as an argument."""

from werkzeug.security import check_password_hash

from meeting_app.accounts.models import Role, User
from meeting_app.extensions import db


def _users():
    return db.session.execute(db.select(User)).scalars().all()


def test_create_an_organiser(runner, app_context):
    result = runner.invoke(
        args=["users", "create", "--email", "Chef@Example.org", "--role", "organiser"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created organiser account chef@example.org." in result.output
    (user,) = _users()
    assert user.role is Role.ORGANISER
    assert check_password_hash(user.password_hash, "a long enough password")


def test_the_two_passwords_must_match(runner, app_context):
    result = runner.invoke(
        args=["users", "create", "--email", "h@example.org", "--role", "host"],
        input="a long enough password\nanother long password\n"
        "a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0
    assert "do not match" in result.output
    assert [u.role for u in _users()] == [Role.HOST]


def test_there_is_no_password_option(runner, app_context):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "h@example.org",
            "--role",
            "host",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 2
    assert _users() == []


def test_short_password_unknown_role_and_duplicate_are_refused(runner, app_context, make_user):
    short = runner.invoke(
        args=["users", "create", "--email", "h@example.org", "--role", "host"],
        input="short\nshort\n",
    )
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    role = runner.invoke(args=["users", "create", "--email", "h@example.org", "--role", "admin"])
    assert role.exit_code == 2
    make_user(Role.HOST, "taken@example.org")
    taken = runner.invoke(
        args=["users", "create", "--email", "taken@example.org", "--role", "host"],
        input="a long enough password\na long enough password\n",
    )
    assert taken.exit_code == 1
    assert "already exists" in taken.output
    assert len(_users()) == 1
