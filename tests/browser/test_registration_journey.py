"""A participant's whole journey in a real Chromium, with CSRF on and real SMTP:
register, follow the private link from the e-mail, change, cancel; and a form
with bad input answered field by field, with nothing run and nothing stored."""

import re
import time

import pytest
from playwright.sync_api import expect

from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus

pytestmark = pytest.mark.browser

SLUG = "dakar-demo"


def wait_for_mail(inbox, address: str, count: int, timeout: float = 5.0) -> list:
    """The messages to `address` once there are `count` of them (SMTP runs in a thread)."""
    deadline = time.monotonic() + timeout
    while True:
        messages = inbox.to(address)
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.05)


def _meeting() -> Meeting:
    db.session.expire_all()
    return db.session.execute(db.select(Meeting).filter_by(slug=SLUG)).scalar_one()


def _participants(**filters) -> list[Participant]:
    db.session.expire_all()
    return db.session.execute(db.select(Participant).filter_by(**filters)).scalars().all()


def test_participant_registers_follows_the_link_changes_and_cancels(
    page, live_server, demo_loaded, inbox
):
    address = "ndeye.dordevic@example.org"
    seats_before = _meeting().seats_taken

    page.goto(f"/meetings/{SLUG}/")
    page.get_by_role("link", name="Register", exact=True).click()
    expect(page).to_have_url(f"/meetings/{SLUG}/register")

    page.get_by_label("Given name", exact=True).fill("Ndèye")
    page.get_by_label("Family name", exact=True).fill("Đorđević")
    # badge-name.js fills the badge name from the names as they are typed.
    expect(page.get_by_label("Name as printed on your badge")).to_have_value("Ndèye Đorđević")
    page.get_by_label("E-mail", exact=True).fill(address)
    page.get_by_label("Delegation", exact=True).select_option(label="Senegal")
    page.get_by_label("Organisation", exact=True).fill("Ministère de l'Économie")
    page.get_by_label("Category", exact=True).select_option(label="National government")
    page.get_by_label("I have read how my data is used").check()
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page.get_by_text(address)).to_be_visible()

    (confirmation,) = wait_for_mail(inbox, address, 1)
    body = inbox.body(confirmation)
    assert "Ndèye Đorđević" in body
    link = re.search(rf"{re.escape(live_server)}/r/[A-Za-z0-9_\-]+", body)
    assert link, body
    (participant,) = _participants(email=address)
    assert participant.badge_name == "Ndèye Đorđević"
    assert participant.delegation.country_code == "SN"
    assert link.group(0).endswith(f"/r/{participant.token}")

    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="My registration", exact=True)).to_be_visible()
    expect(page.locator(".status")).to_contain_text("Submitted")
    expect(page.locator("dl.details")).to_contain_text("Ministère de l'Économie")

    page.get_by_role("link", name="Change my registration").click()
    organisation = page.get_by_label("Organisation", exact=True)
    expect(organisation).to_have_value("Ministère de l'Économie")
    organisation.fill("Université Cheikh Anta Diop — Лаборатория")
    page.get_by_role("button", name="Save my changes").click()
    expect(page).to_have_url(link.group(0).removeprefix(live_server))
    expect(page.get_by_text("Your changes are saved.")).to_be_visible()
    expect(page.locator("dl.details")).to_contain_text("Université Cheikh Anta Diop — Лаборатория")
    expect(page.locator(".status")).to_contain_text("Submitted")

    page.get_by_label("Yes, cancel my registration").check()
    page.get_by_role("button", name="Cancel my registration").click()
    expect(page.locator(".status")).to_contain_text("Cancelled")
    expect(page.get_by_text("Your registration is cancelled.")).to_be_visible()
    expect(page.get_by_role("link", name="Change my registration")).to_have_count(0)

    messages = wait_for_mail(inbox, address, 2)
    assert len(messages) == 2, [m["Subject"] for m in messages]
    cancellation = messages[1]
    assert "cancelled" in cancellation["Subject"]
    assert "is cancelled" in inbox.body(cancellation)
    assert link.group(0) in inbox.body(cancellation)

    (participant,) = _participants(email=address)
    assert participant.status is RegistrationStatus.CANCELLED
    assert participant.organisation == "Université Cheikh Anta Diop — Лаборатория"
    assert _meeting().seats_taken == seats_before  # the seat was given back


def test_bad_input_is_answered_next_to_each_field_and_kept_as_typed(page, demo_loaded, inbox):
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    script = "<script>alert(1)</script>"
    registrations_before = len(_participants())

    page.goto(f"/meetings/{SLUG}/register")
    page.get_by_label("Family name", exact=True).fill("Đorđević")
    page.get_by_label("E-mail", exact=True).fill("not-an-address")
    page.get_by_label("Delegation", exact=True).select_option(label="Senegal")
    page.get_by_label("Organisation", exact=True).fill(script)
    page.get_by_label("Category", exact=True).select_option(label="National government")
    page.get_by_label("I have read how my data is used").check()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Register").click()
    assert posted.value.status == 422

    expect(page.get_by_role("alert")).to_contain_text("Some fields need your attention")
    given = page.get_by_label("Given name", exact=True)
    expect(given).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#given_name-error")).to_have_text("Enter your given name.")
    expect(given).to_have_value("")
    email = page.get_by_label("E-mail", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_have_text("Enter a valid e-mail address.")
    expect(email).to_have_value("not-an-address")

    expect(page.get_by_label("Family name", exact=True)).to_have_value("Đorđević")
    delegation = page.get_by_label("Delegation", exact=True)
    senegal = delegation.locator("option", has_text="Senegal").get_attribute("value")
    expect(delegation).to_have_value(senegal)
    organisation = page.get_by_label("Organisation", exact=True)
    expect(organisation).to_have_value(script)  # as typed, not run nor mangled
    expect(organisation).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#organisation-error")).to_have_count(0)
    expect(page.get_by_label("I have read how my data is used")).to_be_checked()

    assert dialogs == []
    assert len(_participants()) == registrations_before
    assert _participants(organisation=script) == []
    assert inbox.messages == []
