"""A meeting's questions in Chromium: the question shown when another is answered
yes, and the one asked of donors only, appear and disappear as the person answers;
a form sent with an error keeps the photo chosen; the private page shows the
answers and the photo; the edit page has them filled in. Every page is checked by
axe-core (see conftest), the pages with errors too."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from meeting_app.extensions import db
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType
from meeting_app.registration.models import Participant
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser
T = QuestionType


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (700, 900), "teal").save(out, "JPEG")
    return out.getvalue()


def test_questions_appear_as_they_apply_and_come_back_on_the_private_page(
    page, open_meeting, inbox
):
    meeting = open_meeting(slug="fill-browser", languages=["en", "fr"])
    visa = FormQuestion(
        meeting=meeting,
        position=1,
        type=T.YES_NO,
        key="visa",
        required=True,
        label={"en": "Do you need a visa?", "fr": "Avez-vous besoin d'un visa ?"},
    )
    questions = [
        FormQuestion(meeting=meeting, position=0, type=T.SECTION, key="travel",
                     label={"en": "Travel"}),
        visa,
        FormQuestion(meeting=meeting, position=2, type=T.TEXT, key="passport", required=True,
                     label={"en": "Passport for the visa"}, condition_question=visa,
                     condition_values=["yes"]),
        FormQuestion(meeting=meeting, position=3, type=T.TEXT, key="fund",
                     label={"en": "Funding body"}, categories=["donor"]),
        FormQuestion(meeting=meeting, position=4, type=T.PHOTO, key="photo", required=True,
                     label={"en": "Photo for your badge"}),
    ]  # fmt: skip
    db.session.add_all(questions)
    db.session.commit()

    page.goto("/meetings/fill-browser/register")
    passport = page.get_by_label("Passport for the visa")
    fund = page.get_by_label("Funding body")
    expect(passport).to_be_hidden()
    expect(fund).to_be_hidden()
    expect(page.get_by_text("Answer only if")).to_be_hidden()
    page.get_by_role("group", name="Do you need a visa?").get_by_label("Yes").check()
    expect(passport).to_be_visible()
    page.get_by_role("group", name="Do you need a visa?").get_by_label("No").check()
    expect(passport).to_be_hidden()
    page.get_by_role("group", name="Do you need a visa?").get_by_label("Yes").check()
    page.get_by_label("Category", exact=True).select_option(label="Donor")
    expect(fund).to_be_visible()
    page.get_by_label("Category", exact=True).select_option(label="UN agency")
    expect(fund).to_be_hidden()

    # Everything but the family name: the photo is kept with the error.
    page.get_by_label("Given name", exact=True).fill("Ndèye")
    page.get_by_label("E-mail", exact=True).fill("ndeye.fill@example.org")
    page.get_by_label("Delegation", exact=True).select_option(label="Senegal")
    page.get_by_label("Organisation", exact=True).fill("UNDP")
    passport.fill("A1234567")
    page.get_by_label("Photo for your badge").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.get_by_label("I have read how my data is used").check()
    page.get_by_role("button", name="Register").click()

    expect(page.locator("#family_name-error")).to_be_visible()
    expect(page.get_by_text("me.jpg is kept")).to_be_visible()
    expect(page.get_by_label("Passport for the visa")).to_have_value("A1234567")
    expect(page.get_by_label("Passport for the visa")).to_be_visible()  # its condition still holds
    assert_accessible(page)
    page.get_by_label("Family name", exact=True).fill("Diop")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    db.session.expire_all()
    participant = db.session.execute(
        db.select(Participant).filter_by(email="ndeye.fill@example.org")
    ).scalar_one()
    answers = {
        a.question.key: a
        for a in db.session.scalars(db.select(FormAnswer).filter_by(participant_id=participant.id))
    }
    assert answers["passport"].value == "A1234567"
    assert answers["photo"].file.content_type == "image/jpeg"
    assert "fund" not in answers

    page.goto(f"/r/{participant.token}")
    details = page.locator("dl.details")
    expect(details).to_contain_text("A1234567")
    photo = page.get_by_role("img", name="Photo for your badge")
    expect(photo).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", photo.element_handle()) > 0

    page.goto(f"/r/{participant.token}/edit")
    expect(page.get_by_label("Passport for the visa")).to_have_value("A1234567")
    expect(page.get_by_text("It stays unless you choose another one.")).to_be_visible()
