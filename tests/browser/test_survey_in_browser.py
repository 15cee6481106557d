"""The feedback survey in Chromium: an organiser builds three questions (a rating,
a choice, a text) and opens the survey, which writes to those who attended; an
attendee answers through the link on their private page, once; the organiser
reads the results drawn as SVG on the server, with the counts in its text. Every
page visited is checked by axe-core (see conftest)."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant
from meeting_app.surveys.models import SurveyResponse
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

BASE = "/manage/meetings/rabat-2022/survey"


def _add(page, kind: str, french: str, english: str) -> None:
    page.goto(f"{BASE}/")
    page.get_by_label("Type of the new question").select_option(label=kind)
    page.get_by_role("button", name="Add a question").click()
    page.get_by_role("group", name="French (required)").get_by_label("Question", exact=True).fill(
        french
    )
    page.get_by_role("group", name="English", exact=True).get_by_label("Question", exact=True).fill(
        english
    )


def _attendee() -> Participant:
    meeting = db.session.execute(sa.select(Meeting).filter_by(slug="rabat-2022")).scalar_one()
    return db.session.execute(
        sa.select(Participant)
        .join(CheckIn, CheckIn.participant_id == Participant.id)
        .where(Participant.meeting_id == meeting.id, CheckIn.cancelled_at.is_(None))
        .order_by(Participant.id)
        .limit(1)
    ).scalar_one()


def test_an_organiser_runs_a_survey_and_reads_its_charts(page, browser, live_server, demo_loaded):
    sign_in(page, Role.ORGANISER)

    _add(page, "Rating from 1 to 5", "Utilité de la réunion", "Usefulness of the meeting")
    page.get_by_label("Required").check()
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash-success")).to_contain_text("is saved")

    _add(page, "One choice", "Meilleure session", "Best session")
    page.get_by_label("Option 1 in French").fill("Table ronde")
    page.get_by_label("Option 1 in English").fill("Panel")
    page.get_by_label("Option 2 in French").fill("Atelier")
    page.get_by_label("Option 2 in English").fill("Workshop")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash-success")).to_contain_text("is saved")

    # A question sent without its label is refused, what was typed kept.
    page.goto(f"{BASE}/questions/new?type=text")
    page.get_by_role("group", name="English", exact=True).get_by_label("Question", exact=True).fill(
        "Anything else?"
    )
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".field-error").first).to_contain_text("Write the question in French")
    page.get_by_role("group", name="French (required)").get_by_label("Question", exact=True).fill(
        "Autre chose ?"
    )
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash-success")).to_contain_text("is saved")
    expect(page.locator(".fb-item")).to_have_count(3)

    page.get_by_role("link", name=re.compile(r"^Edit\W+Anything else\?$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Anything else?")
    page.goto(f"{BASE}/")
    expect(page.get_by_label("Write now to everyone checked in at least once")).to_be_checked()
    page.get_by_role("button", name="Open the survey").click()
    expect(page.locator(".flash-success").first).to_contain_text("The survey is open.")
    expect(page.locator(".flash-success").last).to_contain_text("The invitation is written to")
    expect(page.get_by_text("This is fixed since the survey was opened")).to_be_visible()

    # The attendee, in a browser of their own, from their private page.
    person = _attendee()
    context = browser.new_context(base_url=live_server, locale="en-GB")
    attendee = context.new_page()
    attendee.goto(f"/r/{person.token}")
    expect(attendee.get_by_role("heading", name="Tell us what you thought")).to_be_visible()
    attendee.get_by_role("link", name="Answer the feedback survey").click()
    expect(attendee.get_by_role("heading", level=1)).to_have_text("Feedback survey")
    # Nothing chosen for the required rating: refused, said under it.
    attendee.get_by_role("button", name="Send my answers").click()
    expect(attendee.locator(".field-error")).to_have_text("Choose an answer.")
    rating = attendee.get_by_role("radiogroup", name=re.compile("Usefulness of the meeting"))
    rating.get_by_label("4 – Good").check()
    attendee.get_by_role("group", name="Best session").get_by_label("Workshop").check()
    attendee.get_by_label("Anything else?").fill("<b>More</b> coffee & tea")
    attendee.get_by_role("button", name="Send my answers").click()
    expect(attendee.locator(".flash-success")).to_have_text("Thank you: your answers are saved.")
    attendee.goto(f"/r/{person.token}")
    expect(attendee.get_by_role("heading", name="Thank you")).to_be_visible()
    context.close()
    assert db.session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 1

    page.goto(f"{BASE}/results")
    expect(page.locator("#response-count")).to_contain_text("1 response")
    charts = page.locator("svg[role=img]")
    expect(charts).to_have_count(2)
    usefulness = page.locator('svg[aria-label="Usefulness of the meeting"]')
    expect(usefulness.locator("desc")).to_contain_text("4 – Good: 1 (100%)")
    expect(usefulness.locator("text")).to_contain_text(["4 – Good", "1 (100%)"])
    best = page.locator('svg[aria-label="Best session"]')
    expect(best.locator("text")).to_have_text(["Panel", "0 (0%)", "Workshop", "1 (100%)"])
    expect(page.get_by_text("<b>More</b> coffee & tea")).to_be_visible()
