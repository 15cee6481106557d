"""Filling in a meeting's questions (issue 18): on the public form, the private
link's edit form and the organisers' pages; checked on the server, stored as typed
answers with the registration, shown back on the person's page, the organisers'
page and in the confirmation mail.

Bad input tried here: a choice that is not offered, a number out of bounds, a
date that is not one (30 February, words), a file that claims to be a PDF but
is not, an SVG sent as a photo, a file over its question's limit, a 50 MB
request, a required answer missing while its condition holds (and sent while it
does not), an answer to a question for another category, an answer to an
organisers-only question sent by a participant, another person's link asking
for someone's file."""

import io
import re
from datetime import UTC, datetime, timedelta

import pikepdf
import pytest
from PIL import Image

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType
from meeting_app.registration.models import Participant, RegistrationChange
from tests.conftest import registration_data

T = QuestionType
EN = {"Accept-Language": "en"}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
OPTIONS = [
    {"value": "plenary", "label": {"en": "Plenary", "fr": "Plénière"}},
    {"value": "workshop", "label": {"en": "Workshop", "fr": "Atelier"}},
    {"value": "visit", "label": {"en": "Site visit", "fr": "Visite"}},
]


def pdf_bytes() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def jpeg_bytes(size=(350, 450)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "navy").save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def meeting(open_meeting):
    return open_meeting(slug="dakar", languages=["en", "fr"])


@pytest.fixture
def ask(meeting):
    """`ask(T.TEXT, "key", required=True, ...)`: a question of the meeting's form."""
    position = iter(range(1, 1000))

    def factory(kind, key, *, label=None, target=None, **values):
        question = FormQuestion(
            meeting=target or meeting,
            position=next(position),
            type=kind,
            key=key,
            label=label or {"en": key.replace("_", " ").capitalize(), "fr": f"FR {key}"},
            **values,
        )
        db.session.add(question)
        db.session.commit()
        return question

    return factory


def register(client, meeting, headers=EN, **values):
    return client.post(
        f"/meetings/{meeting.slug}/register",
        data=registration_data(meeting, **values),
        headers=headers,
    )


def answers_of(email="ndeye.diop@example.org") -> dict:
    db.session.expire_all()
    participant = db.session.execute(
        db.select(Participant).filter_by(email=email)
    ).scalar_one_or_none()
    if participant is None:
        return None
    return {
        a.question.key: (a.file if a.file_id else a.value)
        for a in db.session.scalars(db.select(FormAnswer).filter_by(participant_id=participant.id))
    }


def error_of(page: str, name: str) -> str:
    """The error message tied to field `name` (by aria-describedby's id)."""
    found = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', page)
    return found.group(1) if found else ""


def test_each_type_is_stored_as_a_typed_value(client, meeting, ask, inbox):
    ask(T.SECTION, "travel", label={"en": "Your travel"})
    ask(T.TEXT, "flight", required=True)
    ask(T.PARAGRAPH, "notes")
    ask(T.NUMBER, "nights", min_value=0, max_value=30)
    ask(T.NUMBER, "weight")
    ask(T.DATE, "arrival")
    ask(T.YES_NO, "transfer", required=True)
    ask(T.CHOICE, "format", options=OPTIONS)
    ask(T.CHOICES, "sessions", options=OPTIONS)
    ask(T.COUNTRY, "residence")
    ask(T.EMAIL, "assistant")
    ask(T.PHONE, "mobile")

    page = client.get("/meetings/dakar/register", headers=EN).get_data(as_text=True)
    assert "<legend>Your travel</legend>" in page
    assert 'type="radio" value="yes"' in page
    assert 'type="date"' in page
    response = register(
        client,
        meeting,
        q_flight="  AF 718 ",
        q_notes="Arriving late\r\non Sunday",
        q_nights="3",
        q_weight="72,5",
        q_arrival="2027-03-14",
        q_transfer="yes",
        q_format="workshop",
        q_sessions=["visit", "plenary"],
        q_residence="SN",
        q_assistant="assistant@example.org",
        q_mobile="+221 77 000 00 00",
    )
    assert response.status_code == 302
    assert answers_of() == {
        "flight": "AF 718",
        "notes": "Arriving late\non Sunday",
        "nights": 3,
        "weight": 72.5,
        "arrival": "2027-03-14",
        "transfer": True,
        "format": "workshop",
        "sessions": ["plenary", "visit"],  # in the form's order
        "residence": "SN",
        "assistant": "assistant@example.org",
        "mobile": "+221 77 000 00 00",
    }


def test_a_question_left_empty_stores_no_answer_and_no_means_false(client, meeting, ask, inbox):
    ask(T.TEXT, "flight")
    ask(T.YES_NO, "transfer")
    ask(T.CHOICES, "sessions", options=OPTIONS)
    assert register(client, meeting, q_flight="  ", q_transfer="no").status_code == 302
    assert answers_of() == {"transfer": False}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"q_format": "gala"}, "q_format", "This is not one of the choices."),
        ({"q_sessions": ["plenary", "gala"]}, "q_sessions", "This is not one of the choices."),
        ({"q_residence": "XX"}, "q_residence", "This is not one of the choices."),
        ({"q_transfer": "maybe"}, "q_transfer", "This is not one of the choices."),
        ({"q_nights": "31"}, "q_nights", "Enter a number from 0 to 30."),
        ({"q_nights": "-1"}, "q_nights", "Enter a number from 0 to 30."),
        ({"q_nights": "three"}, "q_nights", "Enter a number, such as 12 or 3.5."),
        ({"q_nights": "1e400"}, "q_nights", "Enter a number, such as 12 or 3.5."),
        ({"q_nights": "NaN"}, "q_nights", "Enter a number, such as 12 or 3.5."),
        ({"q_arrival": "2027-02-30"}, "q_arrival", "Enter a date as year-month-day"),
        ({"q_arrival": "next Monday"}, "q_arrival", "Enter a date as year-month-day"),
        ({"q_assistant": "not an address"}, "q_assistant", "Enter a valid e-mail address."),
        ({"q_mobile": "call me"}, "q_mobile", "Use digits, spaces and + ( ) - . only."),
        ({"q_flight": "x" * 501}, "q_flight", "At most 500 characters."),
        ({"q_flight": "AF\x00718"}, "q_flight", "Remove the invisible control characters"),
    ],
)
def test_bad_answers_are_refused_next_to_their_field(client, meeting, ask, values, field, message):
    ask(T.TEXT, "flight")
    ask(T.NUMBER, "nights", min_value=0, max_value=30)
    ask(T.DATE, "arrival")
    ask(T.YES_NO, "transfer")
    ask(T.CHOICE, "format", options=OPTIONS)
    ask(T.CHOICES, "sessions", options=OPTIONS)
    ask(T.COUNTRY, "residence")
    ask(T.EMAIL, "assistant")
    ask(T.PHONE, "mobile")
    response = register(client, meeting, **values)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_of(page, field).startswith(message)
    assert f'aria-describedby="{field}-error"' in page or f"{field}-error" in page
    assert answers_of() is None  # nothing stored


def test_a_select_when_there_are_many_options_and_countries_in_the_readers_language(
    client, meeting, ask
):
    many = [{"value": f"o{n}", "label": {"en": f"Option {n}"}} for n in range(8)]
    ask(T.CHOICE, "hotel", options=many, required=True)
    ask(T.COUNTRY, "residence")
    page = client.get("/meetings/dakar/register", headers={"Accept-Language": "fr"})
    text = page.get_data(as_text=True)
    assert re.search(r'<select[^>]*name="q_hotel"', text)
    assert '<option value="SN">Sénégal</option>' in text
    # The labels fall back to the meeting's default language, marked as such.
    assert "FR hotel" in text


def test_a_conditional_question_is_required_only_when_its_condition_holds(
    client, meeting, ask, inbox
):
    visa = ask(T.YES_NO, "visa", required=True)
    ask(T.TEXT, "passport", required=True, condition_question=visa, condition_values=["yes"])

    page = client.get("/meetings/dakar/register", headers=EN).get_data(as_text=True)
    # Without JavaScript the question is there, with when to answer it.
    assert "Answer only if your answer to “Visa” is “Yes”." in page
    assert 'data-show-when="q_visa"' in page

    # Required and missing while the condition holds.
    response = register(client, meeting, q_visa="yes", q_passport="")
    assert response.status_code == 422
    assert error_of(response.get_data(as_text=True), "q_passport") == "Answer this question."

    # Not asked: not required, and a value sent anyway is dropped.
    response = register(client, meeting, q_visa="no", q_passport="AB123")
    assert response.status_code == 302
    assert answers_of() == {"visa": False}


def test_a_conditional_question_is_stored_when_its_condition_holds(client, meeting, ask, inbox):
    visa = ask(T.YES_NO, "visa", required=True)
    ask(T.TEXT, "passport", required=True, condition_question=visa, condition_values=["yes"])
    assert register(client, meeting, q_visa="yes", q_passport="AB123").status_code == 302
    assert answers_of() == {"visa": True, "passport": "AB123"}


def test_a_question_for_some_categories_is_asked_of_them_only(client, meeting, ask, inbox):
    ask(T.TEXT, "fund", required=True, categories=["donor"])
    page = client.get("/meetings/dakar/register", headers=EN).get_data(as_text=True)
    assert 'data-show-categories="donor"' in page
    assert "Only for: Donor." in page

    response = register(client, meeting, category="donor", q_fund="")
    assert response.status_code == 422
    assert error_of(response.get_data(as_text=True), "q_fund") == "Answer this question."

    # Another category: not asked, what is sent dropped.
    response = register(client, meeting, category="national_government", q_fund="Trust fund")
    assert response.status_code == 302
    assert answers_of() == {}


def test_organisers_only_questions_are_on_the_organisers_form_only(
    client, meeting, ask, make_user, login, inbox
):
    ask(T.TEXT, "flight")
    ask(T.TEXT, "ticket", organisers_only=True)
    page = client.get("/meetings/dakar/register", headers=EN).get_data(as_text=True)
    assert 'name="q_flight"' in page
    assert "q_ticket" not in page
    assert register(client, meeting, q_flight="AF 718", q_ticket="forged").status_code == 302
    assert answers_of() == {"flight": "AF 718"}

    make_user(Role.ORGANISER, "org@example.org", meetings=[meeting])
    login("org@example.org")
    page = client.get("/manage/meetings/dakar/registrations/new", headers=EN)
    assert 'name="q_ticket"' in page.get_data(as_text=True)
    response = client.post(
        "/manage/meetings/dakar/registrations/new",
        data=registration_data(
            meeting, email="other@example.org", q_ticket="TK-1", role="delegate"
        ),
    )
    assert response.status_code == 302
    assert answers_of("other@example.org") == {"ticket": "TK-1"}


def test_what_was_typed_and_a_file_accepted_are_kept_on_error(client, meeting, ask, inbox):
    ask(T.TEXT, "flight")
    ask(T.CHOICES, "sessions", options=OPTIONS)
    ask(T.FILE, "annex", required=True)
    data = registration_data(meeting, given_name="", q_flight="AF 718", q_sessions=["visit"])
    response = client.post(
        "/meetings/dakar/register",
        data={**data, "q_annex": (io.BytesIO(pdf_bytes()), "annex.pdf")},
        headers=EN,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="AF 718"' in page
    assert re.search(r'checked[^>]*value="visit"|value="visit"[^>]*checked', page)
    assert "annex.pdf is kept: choose another file to replace it." in page
    kept = re.search(r'name="q_annex_kept" type="hidden" value="([^"]+)"', page).group(1)
    (stored,) = db.session.scalars(db.select(StoredFile)).all()
    assert stored.participant_id is None  # nobody's until the form goes through

    # Sent again without choosing the file again.
    response = client.post(
        "/meetings/dakar/register",
        data={**data, "given_name": "Ndèye", "q_annex_kept": kept},
        headers=EN,
    )
    assert response.status_code == 302
    answers = answers_of()
    assert answers["annex"].id == stored.id
    assert answers["annex"].participant_id is not None
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 1


def test_a_required_file_missing_is_asked_for(client, meeting, ask):
    ask(T.FILE, "annex", required=True)
    response = register(client, meeting)
    assert response.status_code == 422
    assert error_of(response.get_data(as_text=True), "q_annex") == "Choose a file."


@pytest.mark.parametrize(
    ("kind", "content", "name", "message"),
    [
        (T.FILE, b"%PDF-1.4\nnot really a PDF at all", "annex.pdf", "This file is not a PDF"),
        (T.FILE, b"<html><script>alert(1)</script></html>", "annex.pdf", "This file is not a"),
        (T.PHOTO, SVG, "me.jpg", "This file is not a JPEG or PNG image"),
        (T.PHOTO, pdf_bytes(), "me.png", "This file is not a JPEG or PNG image"),
        (T.FILE, None, "annex.pdf", "This file is larger than 0"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    client, meeting, ask, kind, content, name, message
):
    # The last case: a real PDF over the question's limit (1,000 bytes).
    ask(kind, "upload", max_bytes=1000)
    content = content if content is not None else pdf_bytes() + b"%" * 2000
    data = {**registration_data(meeting), "q_upload": (io.BytesIO(content), name)}
    response = client.post("/meetings/dakar/register", data=data, headers=EN)
    assert response.status_code == 422
    assert error_of(response.get_data(as_text=True), "q_upload").startswith(message)
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 0


def test_a_50_mb_upload_gets_the_413_page(client, meeting, ask):
    ask(T.FILE, "annex")
    # Refused from its Content-Length, before anything is read.
    response = client.post(
        "/meetings/dakar/register",
        data=b"-" * 50_000_000,
        content_type="multipart/form-data; boundary=x",
        headers=EN,
    )
    assert response.status_code == 413
    assert db.session.scalar(db.select(db.func.count(Participant.id))) == 0


def test_a_photo_is_cropped_to_a_passport_ratio(client, meeting, ask, inbox):
    ask(T.PHOTO, "photo", required=True)
    data = {**registration_data(meeting), "q_photo": (io.BytesIO(jpeg_bytes((800, 400))), "me")}
    assert client.post("/meetings/dakar/register", data=data).status_code == 302
    photo = answers_of()["photo"]
    assert photo.content_type == "image/jpeg"
    assert photo.filename == "me.jpg"
    width, height = Image.open(io.BytesIO(photo.content)).size
    assert abs(width / height - 35 / 45) < 0.01


@pytest.fixture
def registered(client, meeting, ask, inbox):
    """Someone registered with answers, a file and a photo; their token."""
    visa = ask(T.YES_NO, "visa")
    ask(T.TEXT, "passport", condition_question=visa, condition_values=["yes"], sensitive=True)
    ask(T.CHOICE, "format", options=OPTIONS)
    ask(T.FILE, "annex")
    ask(T.PHOTO, "photo")
    ask(T.TEXT, "ticket", organisers_only=True)
    data = {
        **registration_data(meeting),
        "q_visa": "yes",
        "q_passport": "AB123",
        "q_format": "workshop",
        "q_annex": (io.BytesIO(pdf_bytes()), "Lettre de mission.pdf"),
        "q_photo": (io.BytesIO(jpeg_bytes()), "me.png"),
    }
    assert client.post("/meetings/dakar/register", data=data).status_code == 302
    participant = db.session.execute(db.select(Participant)).scalar_one()
    question = db.session.execute(db.select(FormQuestion).filter_by(key="ticket")).scalar_one()
    db.session.add(FormAnswer(participant=participant, question=question, value="TK-1"))
    db.session.commit()
    return participant


def test_the_confirmation_mail_lists_the_answers(registered, inbox):
    (message,) = inbox.to("ndeye.diop@example.org")
    body = inbox.body(message)
    # In the person's language (French), files by their names, no organisers-only one.
    assert "FR visa: Oui" in body
    assert "FR passport: AB123" in body
    assert "FR format: Atelier" in body
    assert "FR annex: Lettre de mission.pdf" in body
    assert "FR photo: me.jpg" in body
    assert "ticket" not in body


def test_the_private_page_shows_the_answers_and_serves_the_persons_files(
    client, registered, make_participant, meeting
):
    page = client.get(f"/r/{registered.token}", headers=EN).get_data(as_text=True)
    assert "<dt>Format</dt>" in page and "Workshop" in page
    assert "AB123" in page
    assert "TK-1" not in page and "Ticket" not in page
    answers = answers_of()
    annex, photo = answers["annex"], answers["photo"]
    assert f'href="/r/{registered.token}/files/{annex.id}" download' in page
    assert f'<img class="answer-photo" src="/r/{registered.token}/files/{photo.id}"' in page

    response = client.get(f"/r/{registered.token}/files/{annex.id}")
    assert response.status_code == 200
    assert response.data == annex.content
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    someone = make_participant(meeting)
    assert client.get(f"/r/{someone.token}/files/{annex.id}").status_code == 404
    assert client.get(f"/r/{registered.token}/files/{annex.id + 100}").status_code == 404


def test_organisers_see_every_answer_and_its_files_and_no_other_meetings(
    client, server_app, registered, meeting, open_meeting, make_user, login
):
    other = open_meeting(slug="elsewhere")
    make_user(Role.ORGANISER, "org@example.org", meetings=[meeting])
    make_user(Role.ORGANISER, "far@example.org", meetings=[other])
    annex = answers_of()["annex"]
    base = f"/manage/meetings/dakar/registrations/{registered.id}"

    login("org@example.org")
    page = client.get(base, headers=EN).get_data(as_text=True)
    assert "TK-1" in page and "(organisers only)" in page
    assert f'href="{base}/files/{annex.id}"' in page
    response = client.get(f"{base}/files/{annex.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    # The file through another meeting's address: not found.
    elsewhere = f"/manage/meetings/elsewhere/registrations/{registered.id}/files/{annex.id}"
    assert client.get(elsewhere).status_code == 404

    # An organiser of another meeting only.
    far = server_app.test_client()
    login("far@example.org", target=far)
    assert far.get(f"{base}/files/{annex.id}").status_code == 404
    assert far.get(base).status_code == 404


def test_edit_from_the_private_page_keeps_files_and_logs_the_changes(
    client, registered, meeting, inbox
):
    token = registered.token
    page = client.get(f"/r/{token}/edit", headers=EN).get_data(as_text=True)
    assert 'value="AB123"' in page
    assert re.search(r'checked[^>]*value="workshop"|value="workshop"[^>]*checked', page)
    assert "Lettre de mission.pdf" in page and "It stays unless you choose another one." in page
    assert "q_ticket" not in page
    before = {key: getattr(value, "id", value) for key, value in answers_of().items()}

    data = {
        **registration_data(meeting),
        "q_visa": "no",  # the passport number no longer applies: dropped
        "q_passport": "AB123",
        "q_format": "plenary",
        "q_photo_remove": "y",
        "q_annex": (io.BytesIO(b""), ""),  # no new file chosen: the current one stays
    }
    response = client.post(f"/r/{token}/edit", data=data, headers=EN)
    assert response.status_code == 302
    after = answers_of()
    assert after["visa"] is False
    assert "passport" not in after
    assert after["format"] == "plenary"
    assert after["annex"].id == before["annex"]
    assert "photo" not in after
    assert db.session.get(StoredFile, before["photo"]) is None  # deleted with its answer
    assert after["ticket"] == "TK-1"  # organisers-only: untouched
    change = db.session.execute(
        db.select(RegistrationChange).order_by(RegistrationChange.id.desc()).limit(1)
    ).scalar_one()
    assert "format: workshop → plenary" in change.details
    assert "passport: (changed)" in change.details  # sensitive: never the value
    assert "photo: me.jpg → —" in change.details


def test_a_new_file_replaces_the_old_one_on_edit(client, registered, meeting):
    before = answers_of()["annex"].id
    data = {
        **registration_data(meeting),
        "q_visa": "yes",
        "q_passport": "AB123",
        "q_annex": (io.BytesIO(pdf_bytes()), "Second.pdf"),
    }
    assert client.post(f"/r/{registered.token}/edit", data=data).status_code == 302
    after = answers_of()
    assert after["annex"].filename == "Second.pdf"
    assert after["annex"].participant_id == registered.id
    assert db.session.get(StoredFile, before) is None


def test_answers_cannot_be_edited_once_registration_is_closed(client, registered, meeting):
    meeting.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = client.post(
        f"/r/{registered.token}/edit", data={**registration_data(meeting), "q_format": "visit"}
    )
    assert response.status_code == 302
    assert answers_of()["format"] == "workshop"


def test_built_in_fields_a_meeting_hides_are_not_asked(client, meeting, inbox):
    meeting.hidden_fields = ["phone", "badge_name", "needs_visa_letter", "consent_public_list"]
    db.session.commit()
    page = client.get("/meetings/dakar/register", headers=EN).get_data(as_text=True)
    for name in ("phone", "badge_name", "needs_visa_letter", "nationality_code", "passport_number"):
        assert f'name="{name}"' not in page
    assert 'name="position"' in page

    data = registration_data(meeting)
    for name in ("phone", "badge_name", "consent_public_list"):
        del data[name]
    response = client.post(
        "/meetings/dakar/register", data={**data, "needs_visa_letter": "y", "phone": "x"}
    )
    assert response.status_code == 302
    participant = db.session.execute(db.select(Participant)).scalar_one()
    assert participant.badge_name == "Ndèye Diop"
    assert participant.phone == ""  # sent anyway: not taken
    assert participant.needs_visa_letter is False
    (message,) = inbox.to("ndeye.diop@example.org")
    body = inbox.body(message)
    assert "Téléphone" not in body and "visa" not in body.lower()

    private = client.get(f"/r/{participant.token}", headers=EN).get_data(as_text=True)
    assert "Visa invitation letter" not in private
    edit = client.get(f"/r/{participant.token}/edit", headers=EN).get_data(as_text=True)
    assert 'name="phone"' not in edit


# --- The forms follow every change to the questions at once ------------------------------


def test_a_change_to_the_questions_is_on_the_forms_at_once(
    client, meeting, ask, make_user, login, inbox
):
    """The questions' copies and the form classes made from them are kept between
    requests (questions/answers.py live_questions, fields.py question_form): each
    change must show on the very next request, never a form from before it."""

    def page(headers=EN) -> str:
        return client.get("/meetings/dakar/register", headers=headers).get_data(as_text=True)

    flight = ask(T.TEXT, "flight", label={"en": "Flight", "fr": "Vol"})
    menu = ask(T.CHOICE, "menu", options=OPTIONS[:2])
    assert ">Flight<" in page() and ">Vol<" in page({"Accept-Language": "fr"})
    assert "Site visit" not in page()

    # Relabelled and made required by an organiser in the form builder.
    make_user(Role.ORGANISER, "org@example.org", meetings=[meeting])
    login("org@example.org")
    response = client.post(
        f"/manage/meetings/dakar/form/{flight.id}",
        data={
            "type": "text",
            "label_en": "Flight number",
            "label_fr": "Numéro de vol",
            "key": "flight",
            "required": "y",
            "max_mb": "5",
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert ">Flight number<" in page() and ">Numéro de vol<" in page({"Accept-Language": "fr"})
    response = register(client, meeting, q_menu="plenary")
    assert response.status_code == 422
    assert error_of(response.get_data(as_text=True), "q_flight") == "Answer this question."

    # An option added, and one taken away: offered, and refused, at once.
    db.session.refresh(menu)
    menu.options = [OPTIONS[0], OPTIONS[2]]
    db.session.commit()
    assert "Site visit" in page() and "Workshop" not in page()
    response = register(client, meeting, q_flight="AF 718", q_menu="workshop")
    assert error_of(response.get_data(as_text=True), "q_menu") == "This is not one of the choices."

    # A new question: asked, and its answer stored with the others.
    ask(T.TEXT, "hotel")
    assert 'name="q_hotel"' in page()
    response = register(client, meeting, q_flight="AF 718", q_menu="visit", q_hotel="Radisson")
    assert response.status_code == 302
    assert answers_of() == {"flight": "AF 718", "menu": "visit", "hotel": "Radisson"}

    # Archived (it has an answer): no longer asked, an answer sent for it is not taken.
    assert client.post(f"/manage/meetings/dakar/form/{flight.id}/delete").status_code == 302
    assert 'name="q_flight"' not in page()
    response = register(
        client, meeting, email="awa@example.org", q_flight="forged", q_menu="plenary"
    )
    assert response.status_code == 302
    assert answers_of("awa@example.org") == {"menu": "plenary"}

    # Restored: asked again.
    assert client.post(f"/manage/meetings/dakar/form/{flight.id}/restore").status_code == 302
    assert 'name="q_flight"' in page()
