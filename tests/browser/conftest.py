"""A real Chromium (Debian's, /usr/bin/chromium) driven by Playwright against the
app served on a local port, with CSRF protection on as in production."""

import functools
import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
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


# axe-core, vendored (see vendor/README.md), checks each page against WCAG 2.1 A and AA.
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG's rules, and heading-order (tagged best practice only: a skipped level misleads
# whoever moves by headings).
_RUN_AXE = """tags => axe.run(document, {
    runOnly: {type: "tag", values: tags}, rules: {"heading-order": {enabled: true}},
    resultTypes: ["violations"],
}).then(result => result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(node => node.target.join(" ")),
})))"""
# What axe-core 4 no longer checks, or never did: ids used twice, and required
# selects whose first option is not an empty placeholder (HTML's rule).
_OWN_CHECKS = """() => {
    const problems = [];
    const seen = new Map();
    for (const element of document.querySelectorAll("[id]")) {
        seen.set(element.id, (seen.get(element.id) || 0) + 1);
    }
    const repeated = [...seen].filter(([, count]) => count > 1).map(([id]) => "#" + id);
    if (repeated.length) problems.push({id: "duplicate-id", impact: "minor",
        help: "Each id is used once", targets: repeated});
    const selects = [...document.querySelectorAll("select[required]:not([multiple])")]
        .filter(s => s.size <= 1 && !(s.options.length && s.options[0].value === ""));
    if (selects.length) problems.push({id: "select-placeholder", impact: "moderate",
        help: "A required select starts with an empty option",
        targets: selects.map(s => "#" + s.id)});
    return problems;
}"""


def axe_violations(page: Page, label: str | None = None) -> list[dict]:
    """The page's WCAG 2.1 A/AA violations as axe-core finds them. Injected through
    the DevTools protocol, which the pages' Content-Security-Policy does not apply to."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(_RUN_AXE, WCAG_TAGS) + page.evaluate(_OWN_CHECKS)
    if os.environ.get("AXE_RESULTS"):  # a file to collect "page, violations" in
        with open(os.environ["AXE_RESULTS"], "a", encoding="utf-8") as results:
            label = label or "/" + page.url.split("/", 3)[-1]
            results.write(f"{label}\t{len(violations)}\t{' '.join(v['id'] for v in violations)}\n")
    return violations


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"  - {v['id']} ({v['impact']}): {v['help']}: " + ", ".join(v["targets"][:5])
        for v in violations
    )


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core finds on {page.url}:\n{describe(violations)}"


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


# For a test that collects the violations of many pages before failing.
unchecked_goto = Page.goto


@pytest.fixture(scope="session", autouse=True)
def every_page_is_checked_by_axe():
    """Every page a browser test opens with `goto` (in any context) is checked by
    axe-core once it has loaded; files (CSV, PDF, JSON) are not pages."""

    def goto_and_check(self, url, **kwargs):
        response = unchecked_goto(self, url, **kwargs)
        if response is not None and "text/html" in response.headers.get("content-type", ""):
            assert_accessible(self)
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Page, "goto", goto_and_check)
        yield


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
