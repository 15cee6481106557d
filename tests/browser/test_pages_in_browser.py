"""What people do in a real browser: choose a language, sign in, use the keyboard,
read on a phone."""

import pytest
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.demo.loader import DEMO_ACCOUNTS
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_language_choice_is_applied_and_remembered(page, demo_loaded):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Próximas reuniones")).to_be_visible()
    page.get_by_role("link", name="3.ª reunión de la Junta del Programa").click()
    expect(page).to_have_url("/meetings/dakar-demo/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Español")).to_have_attribute("aria-current", "true")


def test_organiser_signs_in_through_the_form_and_sees_the_meetings(page, demo_loaded):
    email, password, _role = DEMO_ACCOUNTS[0]
    page.goto("/manage/")
    expect(page).to_have_url("/login?next=%2Fmanage%2F")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").last.click()
    expect(page.get_by_text("Wrong e-mail or password.")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").last.click()
    expect(page).to_have_url("/manage/")
    expect(page.get_by_role("row", name="2nd Programme Board meeting")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.goto("/manage/")
    expect(page).to_have_url("/login?next=%2Fmanage%2F")


def test_host_is_shown_an_access_denied_page_in_the_back_office(page, demo_loaded):
    sign_in(page, Role.HOST)
    response = page.goto("/manage/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Access denied")).to_be_visible()


def test_keyboard_users_can_skip_to_the_content(page, demo_loaded):
    page.goto("/meetings/rabat-2022/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


@pytest.mark.parametrize("path", ["/", "/meetings/rabat-2022/", "/login"])
def test_pages_fit_a_phone_screen(browser, live_server, demo_loaded, path):
    context = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, locale="fr-FR"
    )
    page = context.new_page()
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
