"""Issue 18's whole journey in Chromium: an organiser builds Dakar's form in
French and English (a yes-or-no question, a question shown only when it is
answered yes, a file and a photo), puts photos on badges; a participant fills it
in English, sees the conditional question appear, uploads a PDF and a photo,
then changes the photo from the private page; the badge carries the new photo
and its QR code still reads; the organisers' export has a column per question.
Every page is checked by axe-core (see conftest)."""

import io

import openpyxl
import pikepdf
import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp
from flask import current_app
from PIL import Image
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.documents import badges
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.questions.models import FormAnswer
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser
FORM = "/manage/meetings/dakar-demo/form"


def _jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (700, 900), colour).save(out, "JPEG")
    return out.getvalue()


def _pdf() -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add(page, kind: str, french: str, english: str, *, required: bool = True) -> None:
    page.goto(f"{FORM}/new?type={kind}")
    page.get_by_role("group", name="French (required)").get_by_label("Question", exact=True).fill(
        french
    )
    page.get_by_role("group", name="English", exact=True).get_by_label("Question", exact=True).fill(
        english
    )
    if required:
        page.get_by_label("Required", exact=True).check()


def _save(page) -> None:
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash-success")).to_contain_text("is saved")


def _photo_colour(pdf: bytes) -> tuple[int, int, int]:
    """The colour in the middle of the largest image of the badge."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        images = [
            pikepdf.PdfImage(image).as_pil_image()
            for page in document.pages
            for image in page.get_images().values()
        ]
    largest = max(images, key=lambda i: i.width * i.height).convert("RGB")
    return largest.getpixel((largest.width // 2, largest.height // 2))


def test_an_organiser_designs_the_form_and_a_participant_fills_it_in(page, demo_loaded, inbox):
    sign_in(page, Role.ORGANISER)
    _add(page, "yes_no", "Avez-vous besoin d'un visa ?", "Do you need a visa?")
    _save(page)
    _add(page, "text", "Ambassade où demander le visa", "Embassy for the visa")
    page.get_by_label("Shown only when this question…").select_option(label="Do you need a visa?")
    page.get_by_role("group", name="Answers of “Do you need a visa?”").get_by_label("Yes").check()
    _save(page)
    _add(page, "file", "Lettre de mission", "Letter of assignment", required=False)
    _save(page)
    _add(page, "photo", "Photo d'identité", "Passport photo")
    _save(page)
    page.goto(f"{FORM}/")
    page.get_by_label("Put the participant's photo on badges").check()
    page.get_by_role("button", name="Save the built-in fields").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.context.clear_cookies()

    # The participant reads English (the page's locale), Dakar writes French first.
    page.goto("/meetings/dakar-demo/register")
    embassy = page.get_by_label("Embassy for the visa")
    expect(embassy).to_be_hidden()
    page.get_by_role("group", name="Do you need a visa?").get_by_label("Yes").check()
    expect(embassy).to_be_visible()
    page.get_by_label("Given name", exact=True).fill("Sabina")
    page.get_by_label("Family name", exact=True).fill("Gurung")
    page.get_by_label("E-mail", exact=True).fill("sabina.gurung@example.org")
    page.get_by_label("Delegation", exact=True).select_option(label="Nepal")
    page.get_by_label("Organisation", exact=True).fill("Ministry of Labour")
    page.get_by_label("Category", exact=True).select_option(label="National government")
    embassy.fill("New Delhi")
    page.get_by_label("Letter of assignment").set_input_files(
        files=[{"name": "assignment.pdf", "mimeType": "application/pdf", "buffer": _pdf()}]
    )
    page.get_by_label("Passport photo").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": _jpeg("#c81e1e")}]
    )
    page.get_by_label("I have read how my data is used").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    db.session.expire_all()
    person = db.session.execute(
        sa.select(Participant).filter_by(email="sabina.gurung@example.org")
    ).scalar_one()
    # A new photo from the private page.
    page.goto(f"/r/{person.token}")
    page.goto(f"/r/{person.token}/edit")
    page.get_by_label("Passport photo").set_input_files(
        files=[{"name": "better.jpg", "mimeType": "image/jpeg", "buffer": _jpeg("#1e50c8")}]
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("img", name="Passport photo")).to_be_visible()

    db.session.expire_all()
    answers = {
        a.question.key: a
        for a in db.session.scalars(sa.select(FormAnswer).filter_by(participant_id=person.id))
    }
    assert answers["ambassade_ou_demander_le_visa"].value == "New Delhi"
    assert answers["lettre_de_mission"].file.content_type == "application/pdf"
    assert answers["photo_d_identite"].file.filename == "better.jpg"

    meeting = db.session.execute(sa.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()
    person.status = RegistrationStatus.APPROVED
    db.session.commit()
    with current_app.test_request_context():
        pdf = badges.badges_pdf(
            meeting, [person], layout="a6", language="en", base_url="http://desk.example"
        )
    red, green, blue = _photo_colour(pdf)
    assert blue > 150 and red < 80  # the new photo, not the first (red)
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=4).to_pil()
    (code,) = zxingcpp.read_barcodes(image)
    assert code.text == f"http://desk.example/desk/badge/{person.badge_code}"

    sign_in(page, Role.ORGANISER)
    export = page.request.get("/manage/meetings/dakar-demo/registrations/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.body())).active
    header = [cell.value for cell in sheet[1]]
    for key in ("ambassade_ou_demander_le_visa", "lettre_de_mission", "photo_d_identite"):
        assert any(h and h.endswith(f"({key})") for h in header), (key, header)
    row = next(r for r in sheet.iter_rows(values_only=True) if "Gurung" in r)
    assert "New Delhi" in row and "better.jpg" in row
