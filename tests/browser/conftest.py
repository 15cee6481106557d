"""A real Chromium (Debian's, /usr/bin/chromium) driven by Playwright against the
app served on a local port, with CSRF protection on as in production."""

import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from meeting_app import create_app
from meeting_app.accounts.models import Role
from meeting_app.demo.loader import DEMO_ACCOUNTS
from tests.conftest import _dispose

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium tries to reach Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(app, database_url, mail_settings):
    server_app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True, **mail_settings},
    )
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    _dispose([server_app])


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, role: Role) -> None:
    """Signs in through the login form with the demo account of this role (the demo
    organiser is an administrator, listed without a meeting role)."""
    wanted = None if role is Role.ORGANISER else role
    email, password, _role = next(account for account in DEMO_ACCOUNTS if account[2] is wanted)
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").last.click()
    expect(page).to_have_url("/manage/" if role is Role.ORGANISER else "/desk/")
