"""Forgotten passwords (a one-time link valid one hour, the same answer for every
address, one mail per address per few minutes), the password rules, and /account."""

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.security import check_password_hash

from meeting_app.accounts import staff
from meeting_app.accounts.models import AccountToken, Role, TokenPurpose, User
from meeting_app.extensions import db
from tests.accounts.conftest import link_in
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def _account(email="boss@example.org"):
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


def _visible_text(response) -> str:
    return response.get_data(as_text=True).split('<main id="main"', 1)[1]


def test_login_page_links_to_forgot_password(client):
    assert 'href="/login/forgot"' in client.get("/login").get_data(as_text=True)


def test_the_answer_is_the_same_whether_the_address_has_an_account(client, make_user, inbox):
    make_user(Role.ORGANISER, "boss@example.org")
    known = client.post("/login/forgot", data={"email": "boss@example.org"})
    unknown = client.post("/login/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _visible_text(known).replace("boss", "X") == _visible_text(unknown).replace(
        "nobody", "X"
    )
    assert len(inbox.to("boss@example.org")) == 1
    assert inbox.to("nobody@example.org") == []


def test_at_most_one_mail_per_address_every_few_minutes(app, client, make_user, inbox):
    make_user(Role.ORGANISER, "boss@example.org")
    for _ in range(3):
        assert client.post("/login/forgot", data={"email": "boss@example.org"}).status_code == 200
    assert len(inbox.to("boss@example.org")) == 1
    later = datetime.now(UTC) + timedelta(minutes=6)
    with app.test_request_context():
        assert staff.request_password_reset("boss@example.org", language="en", now=later)


def test_forgot_password_is_rate_limited_per_client(client, make_user):
    statuses = [
        client.post("/login/forgot", data={"email": f"n{i}@example.org"}).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_reset_link_sets_a_new_password_once(client, make_user, login, inbox):
    make_user(Role.ORGANISER, "boss@example.org")
    client.post("/login/forgot", data={"email": "boss@example.org"})
    link = link_in(inbox, "boss@example.org", "/reset/")
    assert "60 minutes" in inbox.body(inbox.to("boss@example.org")[0])
    assert client.get(link).status_code == 200
    response = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert check_password_hash(_account().password_hash, NEW_PASSWORD)
    assert login("boss@example.org", PASSWORD).status_code == 422
    assert login("boss@example.org", NEW_PASSWORD).status_code == 302
    client.post("/logout")
    assert client.get(link).status_code == 404


def _neutral(client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This link does not work" in page
    assert response.headers["Cache-Control"] == "no-store"
    return _visible_text(response)


def test_expired_used_and_forged_links_get_the_same_neutral_page(app, client, make_user, inbox):
    make_user(Role.ORGANISER, "boss@example.org")
    client.post("/login/forgot", data={"email": "boss@example.org"})
    expired = link_in(inbox, "boss@example.org", "/reset/")
    token = db.session.execute(db.select(AccountToken)).scalar_one()
    assert token.expires_at - token.created_at == timedelta(hours=1)
    token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    with app.test_request_context():
        used = staff.request_password_reset("boss@example.org", language="en", force=True)
    db.session.commit()
    used = "/reset/" + used.rsplit("/", 1)[1]
    other = client.application.test_client()
    assert (
        other.post(used, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )
    pages = {
        _neutral(client, expired),
        _neutral(client, used),
        _neutral(client, "/reset/" + "x" * 43),
        _neutral(client, "/reset/short"),
        _neutral(client, "/invitation/" + "y" * 43),
    }
    assert len(pages) == 1
    # The same neutral page for a post to a dead link, not a 500.
    assert client.post(expired, data={"new_password": "", "confirm": ""}).status_code == 404


def test_a_reset_for_a_disabled_account_sends_nothing(client, make_user, inbox):
    user = make_user(Role.HOST, "door@example.org")
    user.active = False
    db.session.commit()
    assert client.post("/login/forgot", data={"email": "door@example.org"}).status_code == 200
    assert inbox.to("door@example.org") == []
    assert (
        db.session.execute(
            db.select(AccountToken).filter_by(purpose=TokenPurpose.PASSWORD_RESET)
        ).first()
        is None
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short one", "at least 12 characters"),
        ("boss@example.org", "must not be the e-mail address"),
        ("Boss@Example.org", "must not be the e-mail address"),
        ("1QAZ2wsx3edc", "list of common passwords"),
    ],
)
def test_password_rules_apply_to_resets(client, make_user, inbox, password, message):
    make_user(Role.ORGANISER, "boss@example.org")
    client.post("/login/forgot", data={"email": "boss@example.org"})
    link = link_in(inbox, "boss@example.org", "/reset/")
    response = client.post(link, data={"new_password": password, "confirm": password})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-describedby="new_password-hint new_password-error"' in page
    assert check_password_hash(_account().password_hash, PASSWORD)
    assert client.get(link).status_code == 200  # the link still works


def test_the_two_passwords_must_be_the_same(client, make_user, inbox):
    make_user(Role.ORGANISER, "boss@example.org")
    client.post("/login/forgot", data={"email": "boss@example.org"})
    link = link_in(inbox, "boss@example.org", "/reset/")
    response = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": "something else"})
    assert response.status_code == 422
    assert "The two passwords are not the same." in response.get_data(as_text=True)


def test_changing_the_password_needs_the_current_one(client, make_user, login):
    make_user(Role.HOST, "door@example.org")
    login("door@example.org")
    data = {
        "current_password": "not my password",
        "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    response = client.post("/account/password", data=data)
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    weak = client.post(
        "/account/password",
        data={**data, "current_password": PASSWORD, "new_password": "short", "confirm": "short"},
    )
    assert weak.status_code == 422
    assert check_password_hash(_account("door@example.org").password_hash, PASSWORD)
    ok = client.post("/account/password", data={**data, "current_password": PASSWORD})
    assert ok.status_code == 302
    assert check_password_hash(_account("door@example.org").password_hash, NEW_PASSWORD)


def test_the_account_page_stores_the_interface_language(client, make_user, login):
    make_user(Role.HOST, "door@example.org")
    login("door@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert page.count('id="csrf_token"') == 0
    assert client.post("/account/language", data={"language": "es"}).status_code == 302
    assert _account("door@example.org").language == "es"
    with client.session_transaction() as session:
        assert session["lang"] == "es"
    assert 'lang="es"' in client.get("/account").get_data(as_text=True)
    assert client.post("/account/language", data={"language": "xx"}).status_code == 422
    client.post("/account/language", data={"language": ""})
    assert _account("door@example.org").language is None


def test_the_account_page_needs_a_signed_in_account(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
