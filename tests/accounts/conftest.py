"""Helpers for the staff-account tests: links read from the mails, copied session
cookies, accounts with two-factor sign-in on."""

import re
from datetime import UTC, datetime

import pyotp
import pytest

from meeting_app.extensions import db


def link_in(inbox, address: str, path: str) -> str:
    """The last link to `path` (e.g. '/invitation/') mailed to `address`, as a path."""
    (*_, mail) = inbox.to(address)
    url = re.search(rf"https?://\S+?({re.escape(path)}[\w-]+)", inbox.body(mail))
    assert url, inbox.body(mail)
    return url.group(1)


@pytest.fixture
def replay(server_app):
    """`replay(cookie)`: a new browser holding a copy of a session cookie; answers
    the status of GET /account with it (200: still signed in, 302: refused)."""

    def open_with(cookie: str, path: str = "/account") -> int:
        other = server_app.test_client()
        other.set_cookie("session", cookie)
        return other.get(path).status_code

    return open_with


def session_cookie(client) -> str:
    return client.get_cookie("session").value


@pytest.fixture
def with_two_factor(app_context):
    """Turns two-factor sign-in on for `user`; returns the pyotp.TOTP of its secret."""

    def turn_on(user) -> pyotp.TOTP:
        user.totp_secret = pyotp.random_base32()
        user.totp_enabled_at = datetime.now(UTC)
        user.totp_last_step = None
        db.session.commit()
        return pyotp.TOTP(user.totp_secret)

    return turn_on
