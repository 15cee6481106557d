"""Headers on every response, links in e-mails built from the configured address
(not from a Host header someone sent), and no open redirect after sign-in."""

import pytest

from meeting_app.accounts.models import Role
from meeting_app.core.security import CSP
from tests.conftest import PASSWORD, make_app, registration_data


@pytest.mark.parametrize(
    "path", ["/", "/meetings/rabat/", "/meetings/rabat/agenda.json", "/no-such-page", "/login"]
)
def test_every_response_carries_the_security_headers(client, rabat, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    # HSTS only where the site is served over HTTPS (production).
    assert "Strict-Transport-Security" not in headers


def test_private_pages_send_no_referrer(client, open_meeting, make_participant):
    participant = make_participant(open_meeting(slug="ref"))
    headers = client.get(f"/r/{participant.token}").headers
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Security-Policy"] == CSP


def test_production_sends_hsts(database_url):
    app = make_app(
        database_url,
        HSTS_SECONDS=31536000,
        PUBLIC_URL="https://meetings.example.org",
    )
    response = app.test_client().get("/", base_url="https://meetings.example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_emailed_links_use_the_configured_address_not_the_host_header(
    database_url, mail_settings, inbox, open_meeting
):
    meeting = open_meeting(slug="hosts")
    app = make_app(database_url, PUBLIC_URL="https://meetings.example.org", **mail_settings)
    client = app.test_client()
    # A request naming another host is refused before anything happens...
    refused = client.post(
        "/meetings/hosts/register", data=registration_data(meeting), base_url="http://evil.example"
    )
    assert refused.status_code == 400
    assert not inbox.messages
    # ...and the link in the confirmation comes from PUBLIC_URL.
    client.post(
        "/meetings/hosts/register",
        data=registration_data(meeting),
        base_url="https://meetings.example.org",
    )
    (message,) = inbox.to("ndeye.diop@example.org")
    body = inbox.body(message)
    assert "https://meetings.example.org/r/" in body
    assert "evil.example" not in body


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "http:/evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(client, make_user, target):
    make_user(Role.ORGANISER, "org@example.org")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "org@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/"


def test_sign_in_keeps_a_path_on_this_site(client, make_user):
    make_user(Role.ORGANISER, "org@example.org")
    response = client.post(
        "/login",
        query_string={"next": "/manage/outbox"},
        data={"email": "org@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/manage/outbox"
