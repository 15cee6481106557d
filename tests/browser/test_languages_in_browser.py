"""Arabic and Russian in a real Chromium. Arabic pages are laid out right to left
(`dir="rtl"`, the labels on the right of their fields, arrows turned round, names in
Latin letters kept left to right inside them) and the registration journey, chosen
with the language switcher, goes through to the private page; in Russian it goes
through left to right. Every page opened is checked by axe-core.

Fields and buttons are found by their names and ids, not their labels: the Arabic
and Russian catalogs are being written, and a label may change language under a test.
"""

import re

import pytest
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.core.i18n import LANGUAGE_NAMES
from meeting_app.demo.loader import DEMO_ACCOUNTS
from tests.browser.conftest import assert_accessible
from tests.browser.test_agenda_in_browser import (
    WORKING_GROUP,
    cell_box,
    drag,
    grab_point,
    other_room,
    session_element,
    stored,
)
from tests.browser.test_registration_journey import _participants, wait_for_mail
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SLUG = "dakar-demo"

# Where a label's text is, and its field (the text, not the label's box: a label is
# a block as wide as the form).
_LABEL_AND_FIELD = """id => {
    const label = document.querySelector(`label[for="${id}"]`);
    const range = document.createRange();
    range.selectNodeContents(label);
    const text = range.getBoundingClientRect();
    const field = document.getElementById(id).getBoundingClientRect();
    return {text: {left: text.left, right: text.right},
            field: {left: field.left, right: field.right}};
}"""
_PAGE_IS_LTR = "() => document.documentElement.matches(':dir(ltr)')"
# What the breadcrumb's "back" arrow shows (a ::before of its link).
_BACK_ARROW = """() => getComputedStyle(
    document.querySelector(".breadcrumb a"), "::before").content"""


def choose_language(page, code: str) -> None:
    """Through the switcher at the top of the page, as a person does."""
    switcher = page.locator(".language-switcher")
    button = switcher.locator(f'button[value="{code}"]')
    # Each language named in itself, marked as being in that language.
    expect(button).to_have_text(LANGUAGE_NAMES[code])
    expect(button).to_have_attribute("lang", code)
    button.click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(switcher.locator(f'button[value="{code}"]')).to_have_attribute("aria-current", "true")
    assert_accessible(page)


def register(page, given: str, family: str, address: str) -> None:
    """Fills the Dakar form's required fields and sends it."""
    page.locator("#given_name").fill(given)
    page.locator("#family_name").fill(family)
    page.locator("#email").fill(address)
    page.locator("#delegation_id").select_option(index=1)
    page.locator("#organisation").fill("Ministère de l'Économie")
    page.locator("#category").select_option(index=1)
    page.locator("#acknowledge_data_use").check()
    page.locator("form.registration-form button[type=submit]").click()
    expect(page).to_have_url(f"/meetings/{SLUG}/register/thanks")
    assert_accessible(page)


def sign_in_by_name(page, email: str, password: str) -> None:
    """Through the sign-in form, found by its fields' names: its labels are in the
    page's language (conftest's `sign_in` reads the English ones)."""
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_registering_in_arabic_is_laid_out_right_to_left(page, live_server, demo_loaded, inbox):
    address = "fatima.benali@example.org"
    page.goto(f"/meetings/{SLUG}/")
    assert page.evaluate(_PAGE_IS_LTR)
    choose_language(page, "ar")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    # The switcher names every language in its own script and direction.
    for code, name in LANGUAGE_NAMES.items():
        button = page.locator(f'.language-switcher button[value="{code}"]')
        expect(button).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
        expect(button).to_have_text(name)

    page.locator(f'main a[href="/meetings/{SLUG}/register"]').click()
    expect(page).to_have_url(f"/meetings/{SLUG}/register")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    assert_accessible(page)
    # The label is on the right, above its field, and its text ends at the field's
    # right edge; the check box is on the right of its label.
    boxes = page.evaluate(_LABEL_AND_FIELD, "given_name")
    assert abs(boxes["text"]["right"] - boxes["field"]["right"]) < 2, boxes
    assert boxes["text"]["left"] > (boxes["field"]["left"] + boxes["field"]["right"]) / 2, boxes
    check = page.locator("#acknowledge_data_use").bounding_box()
    label = page.locator('label[for="acknowledge_data_use"]').bounding_box()
    assert check["x"] >= label["x"] + label["width"] - 1, (check, label)
    # "Back to the meeting" points right, where an Arabic reader comes from.
    assert "\u2192" in page.evaluate(_BACK_ARROW)
    # An address is written left to right whatever the page's direction.
    expect(page.locator("#email")).to_have_attribute("dir", "ltr")

    register(page, "فاطمة الزهراء", "Benali", address)
    shown = page.locator("main bdi", has_text=address)
    expect(shown).to_have_attribute("dir", "ltr")
    assert shown.evaluate("el => el.matches(':dir(ltr)')")

    (confirmation,) = wait_for_mail(inbox, address, 1)
    (participant,) = _participants(email=address)
    assert participant.preferred_language == "ar"
    # The mail's HTML part reads right to left too, on <html> and on its content
    # (webmails keep only what is in <body>).
    assert re.search(r'<html lang="ar" dir="rtl">', html_part(confirmation))
    assert '<div dir="rtl"' in html_part(confirmation)

    page.goto(f"/r/{participant.token}")
    expect(html).to_have_attribute("dir", "rtl")  # the choice is remembered
    # The name isolated, in the direction of its first letter: Arabic, then the
    # Latin family name on its left.
    name = page.locator("dl.details dd").first.locator("bdi")
    expect(name).to_have_text("فاطمة الزهراء Benali")
    assert name.evaluate("el => el.matches(':dir(rtl)')")
    expect(page.locator("dl.details bdi", has_text=address)).to_have_attribute("dir", "ltr")


def test_registering_in_russian_goes_through_left_to_right(page, demo_loaded, inbox):
    address = "aigul.sadykova@example.org"
    page.goto(f"/meetings/{SLUG}/")
    choose_language(page, "ru")
    html = page.locator("html")
    assert page.evaluate(_PAGE_IS_LTR)  # left to right, the default: no dir said

    page.locator(f'main a[href="/meetings/{SLUG}/register"]').click()
    expect(html).to_have_attribute("lang", "ru")
    assert_accessible(page)
    boxes = page.evaluate(_LABEL_AND_FIELD, "given_name")
    assert abs(boxes["text"]["left"] - boxes["field"]["left"]) < 2, boxes
    assert "\u2190" in page.evaluate(_BACK_ARROW)

    register(page, "Айгуль", "Садыкова", address)
    (confirmation,) = wait_for_mail(inbox, address, 1)
    assert '<html lang="ru" dir="ltr">' in html_part(confirmation)
    (participant,) = _participants(email=address)
    assert participant.preferred_language == "ru"
    page.goto(f"/r/{participant.token}")
    expect(html).to_have_attribute("lang", "ru")
    expect(page.locator("dl.details")).to_contain_text("Айгуль Садыкова")


@pytest.fixture
def arabic_desk(browser, live_server, make_meeting, make_participant, make_user, app_context):
    """A host at the door of a meeting held today, their pages in Arabic, on a phone."""
    meeting = make_meeting(slug="bab")
    person = make_participant(
        meeting, given_name="Hélène", family_name="Marchetti", badge_name="Hélène Marchetti"
    )
    make_user(Role.HOST, "bab@example.org")
    context = browser.new_context(
        base_url=live_server, locale="ar", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")  # the browser's language
    sign_in_by_name(page, "bab@example.org", PASSWORD)
    expect(page).to_have_url("/desk/")
    yield page, meeting, person
    context.close()


def test_the_desk_scan_page_works_mirrored_in_arabic(arabic_desk):
    page, meeting, person = arabic_desk
    page.goto(f"/desk/meetings/{meeting.slug}/check-in")
    field = page.locator("#scan-input")
    find = page.locator("#scan-form button[type=submit]")
    # The field first, on the right; its button after it, on the left.
    assert find.bounding_box()["x"] < field.bounding_box()["x"]

    field.fill(f"https://desk.example/desk/badge/{person.badge_code}")
    field.press("Enter")
    result = page.locator("#scan-result")
    expect(result).to_have_class("scan-result tone-ok")
    # The Latin name stays left to right inside the Arabic page, isolated.
    name = page.locator("#scan-name")
    expect(name).to_have_text("Hélène Marchetti")
    assert name.evaluate("el => el.tagName === 'BDI' && el.matches(':dir(ltr)')")
    assert page.locator("#scan-detail bdi").first.evaluate("el => el.matches(':dir(ltr)')")
    expect(page.locator("#recent li bdi")).to_have_text("Hélène Marchetti")
    assert_accessible(page)

    field.fill("Marchetti")
    field.press("Enter")
    expect(page.locator(".desk-results bdi", has_text="Marchetti, Hélène")).to_be_visible()
    assert_accessible(page)


def test_the_timetable_runs_from_the_right_and_drags_to_a_room_on_the_left(
    browser, live_server, demo_loaded, app_context
):
    context = browser.new_context(
        base_url=live_server, locale="ar", viewport={"width": 1280, "height": 1400}
    )
    page = context.new_page()
    sign_in_by_name(page, *DEMO_ACCOUNTS[0][:2])
    expect(page).to_have_url("/manage/")
    page.goto("/manage/meetings/dakar-demo/agenda/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    rooms = page.locator(".tt-room")
    hours = page.locator(".tt-hour").first.bounding_box()
    first_room, second_room = rooms.nth(0).bounding_box(), rooms.nth(1).bounding_box()
    # The hours on the right, then the rooms in order towards the left.
    assert hours["x"] > first_room["x"] > second_room["x"]

    before = stored(WORKING_GROUP)
    target_room = other_room(page, before.room_id)
    x, y, offset = grab_point(page, before)
    target = cell_box(page, before.start, target_room)
    drag(page, (x, y), (target["x"] + target["width"] / 2, target["y"] + offset))
    expect(page.locator(".tt-status")).to_have_text(re.compile(r" ✓$"))
    element = session_element(page, before.id)
    expect(element).to_have_attribute("data-room-id", str(target_room))
    # The time, written into its <bdi dir="ltr">, still reads left to right.
    expect(element.locator(".tt-time bdi[dir=ltr]")).to_have_text(
        f"{before.start:%H:%M}–{before.end:%H:%M}"
    )
    after = stored(WORKING_GROUP)
    assert after.room_id == target_room != before.room_id
    assert after.start == before.start
    context.close()
