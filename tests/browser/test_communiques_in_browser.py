"""The whole organiser flow for a communiqué in a real browser, with CSRF on: write
it with the live preview (placeholders filled, a typo flagged, a pasted script
inert), add the French version, publish, read it as the public does in both
languages, look at the versions, unpublish."""

import re

import pytest
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_organiser_writes_translates_publishes_and_unpublishes_a_communique(page, demo_loaded):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, Role.ORGANISER)
    page.locator("main").get_by_role("link", name="Communiqués").click()
    expect(page.get_by_role("heading", name="Communiqués", level=1)).to_be_visible()
    # The demo's communiqué is there, published.
    expect(page.get_by_role("row", name=re.compile("Rabat 2022 : le Conseil"))).to_contain_text(
        "Published"
    )
    page.get_by_role("link", name="New communiqué").click()

    page.get_by_label("Meeting").select_option(label="2nd Programme Board meeting")
    page.get_by_label("Language of this first version").select_option("en")
    page.get_by_label("Title").fill("Rabat: {{participants}} experts agree on the next phase")
    page.get_by_label("Lead paragraph").fill("The Board met in {{venue}}.")
    page.get_by_label("Text (Markdown)").fill(
        "Delegations from {{countries_count}} countries met.\n\n"
        "> Development is built locally.\n\n"
        "We counted {{particpants}} people. <script>alert('pasted')</script>"
    )
    preview = page.locator("#preview")
    expect(preview.locator("#preview-title")).to_have_text(
        re.compile(r"^Rabat: \d+ experts agree on the next phase$")
    )
    expect(preview.locator("#preview-summary")).to_contain_text("Rabat")
    expect(preview.locator("#preview-body blockquote")).to_have_text(
        "Development is built locally."
    )
    expect(preview.locator("#preview-body")).to_contain_text("Delegations from 11 countries met.")
    expect(page.locator("#preview-unknown")).to_contain_text("{{particpants}}")
    expect(preview.locator("mark.unknown-placeholder")).to_have_text("{{particpants}}")
    expect(preview.locator("script")).to_have_count(0)

    # Correct the typo with the placeholder button, and tag two goals.
    body = page.get_by_label("Text (Markdown)")
    body.fill("Delegations from {{countries_count}} countries met.\n\nWe counted ")
    body.press("End")
    page.locator("summary", has_text="Facts you can insert").click()
    page.get_by_role("button", name="{{participants}}").click()
    expect(page.locator("#preview-unknown")).to_be_hidden()
    expect(preview.locator("#preview-body")).to_contain_text(re.compile(r"We counted \d+"))
    page.get_by_label("5. Gender equality").check()
    page.get_by_label("17. Partnerships for the goals").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Communiqué saved as a draft.")).to_be_visible()
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    edit_url = page.url

    # The French version, from its tab.
    page.get_by_role("link", name="Add a French version").click()
    page.get_by_label("Title").fill("Rabat : {{participants}} experts s'accordent")
    page.get_by_label("Text (Markdown)").fill("Réunis à {{venue}} du {{dates}}.")
    expect(preview.locator("#preview-body")).to_contain_text("13–14 juin 2022")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile(r"Saved \(version \d+\)\."))).to_be_visible()

    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("Published: the communiqué is public now.")).to_be_visible()
    page.get_by_role("link", name="Public page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Rabat: \d+ experts agree on the next phase$")
    )
    expect(page.locator(".sdg-badge")).to_have_count(2)
    public_url = page.url.split("?")[0]
    assert re.search(
        r"/communiques/rabat-participants-experts-agree-on-the-next-phase$", public_url
    )
    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Rabat : \d+ experts s'accordent$")
    )
    expect(page.locator("article.communique")).to_have_attribute("lang", "fr")
    expect(page.locator("article.communique")).to_contain_text("13–14 juin 2022")
    # The public list and the meeting's page show it.
    page.goto("/communiques/")
    expect(page.locator(".communique-item").first).to_contain_text("experts agree")
    page.goto("/meetings/rabat-2022/")
    expect(
        page.get_by_role("link", name=re.compile("Communiqué: Rabat: \\d+ experts"))
    ).to_be_visible()

    # The versions: created, saved (French), published; the French text appears in a diff.
    page.goto(edit_url)
    page.get_by_role("link", name="Versions and changes").click()
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.locator("tbody tr").first).to_contain_text("Published")
    page.get_by_role("link", name="See the changes in version 2").click()
    expect(page.locator(".diff ins").first).to_contain_text("Rabat : {{participants}} experts")

    page.goto(edit_url)
    page.get_by_role("button", name="Unpublish").click()
    expect(page.get_by_text("Unpublished: the communiqué is a draft again")).to_be_visible()
    assert page.goto(public_url).status == 404
    assert dialogs == []  # the pasted script never ran


def test_second_organiser_is_told_when_saving_over_someone_elses_changes(
    browser, live_server, demo_loaded
):
    """Two organisers open the same draft in two browsers; the second save is refused,
    its text stays in the form, and the differences are shown."""
    pages = []
    for _ in range(2):
        context = browser.new_context(base_url=live_server, locale="en-GB")
        pages.append(context.new_page())
        sign_in(pages[-1], Role.ORGANISER)
    first, second = pages
    first.goto("/manage/communiques/new")
    first.get_by_label("Meeting").select_option(label="2nd Programme Board meeting")
    first.get_by_label("Title").fill("Shared draft")
    first.get_by_label("Text (Markdown)").fill("Opening text.")
    first.get_by_role("button", name="Save draft").click()
    expect(first.get_by_text("Communiqué saved as a draft.")).to_be_visible()
    second.goto(first.url)

    first.get_by_label("Text (Markdown)").fill("The first organiser's words.")
    first.get_by_role("button", name="Save", exact=True).click()
    expect(first.get_by_text("Saved (version 2).")).to_be_visible()

    second.get_by_label("Text (Markdown)").fill("The second organiser's words.")
    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.get_by_text("Someone else saved this communiqué")).to_be_visible()
    expect(second.get_by_label("Text (Markdown)")).to_have_value("The second organiser's words.")
    expect(second.locator(".diff del")).to_contain_text("The first organiser's words.")
    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.get_by_text("Saved (version 3).")).to_be_visible()

    # The draft was never published: it can go, after a confirmation.
    asked = []
    second.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    second.get_by_role("button", name="Delete this draft").click()
    expect(second.get_by_text("Draft deleted.")).to_be_visible()
    assert asked == ["Delete this draft and all its versions?"]
    expect(second.get_by_role("link", name="Shared draft")).to_have_count(0)
    for p in pages:
        p.context.close()
