"""The registration form builder in Chromium: an organiser adds a yes-or-no question
and a choice with its options (the page shows only the settings of the chosen type),
a question shown only when the first is answered yes (only that question's answers
are offered), then drags the last question to the top, which is saved at once; a
move the conditions forbid is refused and the question goes back. Every page visited
is checked by axe-core (see conftest)."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.questions.answers import questions_of
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def _keys(meeting) -> list[str]:
    db.session.expire_all()
    return [q.key for q in questions_of(meeting.id)]


def test_an_organiser_builds_a_form_and_drags_a_question(page, demo_loaded):
    meeting = db.session.execute(sa.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()
    sign_in(page, Role.ORGANISER)
    base = "/manage/meetings/dakar-demo/form"

    page.goto(f"{base}/")
    page.get_by_label("Type of the new question").select_option(label="Yes or no")
    page.get_by_role("button", name="Add a question").click()
    # Dakar's main language is French; English is offered too.
    french = page.get_by_role("group", name="French (required)")
    french.get_by_label("Question", exact=True).fill("Avez-vous besoin d'un visa ?")
    english = page.get_by_role("group", name="English", exact=True)
    english.get_by_label("Question", exact=True).fill("Do you need a visa?")
    # A yes-or-no question has no options nor bounds; a choice shows its options.
    expect(page.get_by_role("group", name="Options")).to_be_hidden()
    page.get_by_label("Type", exact=True).select_option(label="One choice")
    expect(page.get_by_role("group", name="Options")).to_be_visible()
    page.get_by_label("Type", exact=True).select_option(label="Yes or no")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash-success")).to_contain_text("is saved")

    page.goto(f"{base}/new?type=choice")
    french = page.get_by_role("group", name="French (required)")
    french.get_by_label("Question", exact=True).fill("Repas")
    english = page.get_by_role("group", name="English", exact=True)
    english.get_by_label("Question", exact=True).fill("Meal")
    page.get_by_label("Option 1 in French").fill("Poisson")
    page.get_by_label("Option 1 in English").fill("Fish")
    page.get_by_label("Option 2 in French").fill("Végétarien")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash-success")).to_contain_text("is saved")

    page.goto(f"{base}/new")
    page.get_by_role("group", name="French (required)").get_by_label("Question", exact=True).fill(
        "Numéro de passeport"
    )
    page.get_by_role("group", name="English", exact=True).get_by_label("Question", exact=True).fill(
        "Passport number"
    )
    visa_answers = page.get_by_role("group", name="Answers of “Do you need a visa?”")
    meal_answers = page.get_by_role("group", name="Answers of “Meal”")
    expect(visa_answers).to_be_hidden()
    page.get_by_label("Shown only when this question…").select_option(label="Do you need a visa?")
    expect(visa_answers).to_be_visible()
    expect(meal_answers).to_be_hidden()
    visa_answers.get_by_label("Yes").check()
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash-success")).to_contain_text("is saved")
    assert _keys(meeting) == ["avez_vous_besoin_d_un_visa", "repas", "numero_de_passeport"]
    assert_accessible(page)

    # Drag "Meal" to the top: saved at once, said in the status line.
    items = page.locator(".fb-item")
    meal = page.locator(".fb-item", has_text="Meal")
    meal.locator(".fb-handle").drag_to(items.first, target_position={"x": 10, "y": 2})
    expect(page.locator(".fb-status")).to_have_text("The new order is saved.")
    assert _keys(meeting) == ["repas", "avez_vous_besoin_d_un_visa", "numero_de_passeport"]
    # The passport question cannot go above the visa question it depends on.
    passport = page.locator(".fb-item", has_text="Passport number")
    passport.locator(".fb-handle").drag_to(items.first, target_position={"x": 10, "y": 2})
    expect(page.locator(".fb-status")).to_contain_text("must stay after it")
    expect(items.last).to_contain_text("Passport number")  # back where it was
    assert _keys(meeting) == ["repas", "avez_vous_besoin_d_un_visa", "numero_de_passeport"]
    # The Up button, without dragging.
    visa = questions_of(meeting.id)[1]
    page.locator(f"#question-{visa.id}").get_by_role("button", name="Up").click()
    expect(items.first).to_contain_text("Do you need a visa?")
    assert _keys(meeting) == ["avez_vous_besoin_d_un_visa", "repas", "numero_de_passeport"]
