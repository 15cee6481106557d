"""Writing to participants in Chromium: an organiser filters "approved, one
delegation", sees the count and the list, previews, saves a draft, sends (a
double click sends once); each person receives one mail with their own private
link. Every page visited is checked by axe-core (see conftest)."""

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _mails_to(inbox, addresses: set[str], timeout: float = 10) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = [m for m in inbox.messages if m["To"] in addresses]
        if len(mails) >= len(addresses):
            time.sleep(0.5)  # a second mail to someone would show by now
            return [m for m in inbox.messages if m["To"] in addresses]
        time.sleep(0.1)
    return [m for m in inbox.messages if m["To"] in addresses]


def test_an_organiser_writes_to_one_delegation_and_each_person_gets_one_mail(
    page, demo_loaded, inbox
):
    meeting = db.session.execute(sa.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()
    approved = [
        p
        for p in meeting.participants
        if p.status is RegistrationStatus.APPROVED and p.delegation and p.erased_at is None
    ]
    delegation = approved[0].delegation
    expected = [p for p in approved if p.delegation_id == delegation.id]
    sign_in(page, Role.ORGANISER)

    page.goto("/manage/meetings/dakar-demo/messages/")
    page.goto("/manage/meetings/dakar-demo/messages/new")
    # Nothing chosen yet: nobody, and the send button says so and stays off.
    expect(page.locator("#send-button")).to_be_disabled()
    page.get_by_role("group", name="Status").get_by_label("Approved").check()
    page.get_by_role("group", name="Delegation").get_by_label(
        delegation.country.name("en"), exact=True
    ).check()
    french = page.locator("fieldset[lang=fr]")
    french.get_by_label("Subject").fill("Navette de l'hôtel")
    french.get_by_label("Text").fill("Bonjour {{ first_name }},\n\nVotre lien : {{ private_link }}")
    page.get_by_role("button", name="Preview").click()
    people = "person" if len(expected) == 1 else "people"
    expect(page.locator("#send-button")).to_have_text(f"Send to {len(expected)} {people}")
    recipients = page.locator("ul.recipients li")
    expect(recipients).to_have_count(len(expected))
    expect(page.locator(".message-preview").first).to_contain_text("Bonjour")

    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Saved as a draft.")).to_be_visible()
    page.locator("#send-button").dblclick()
    expect(page).to_have_url(f"/manage/meetings/dakar-demo/messages/{_only_message_id()}/log")

    mails = _mails_to(inbox, {p.email for p in expected})
    assert sorted(m["To"] for m in mails) == sorted(p.email for p in expected)  # once each
    db.session.expire_all()
    for person in expected:
        (mail,) = [m for m in mails if m["To"] == person.email]
        body = inbox.body(mail)
        assert f"Bonjour {person.given_name}," in body
        assert f"/r/{person.token}" in body
    others = db.session.execute(
        sa.select(Participant.email).where(
            Participant.meeting_id == meeting.id, Participant.delegation_id != delegation.id
        )
    ).scalars()
    assert not [m for m in inbox.messages if m["To"] in set(others)]


def _only_message_id() -> int:
    from meeting_app.messages.models import Message

    db.session.expire_all()
    return db.session.execute(sa.select(Message.id)).scalar_one()
