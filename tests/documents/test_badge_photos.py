"""Photos on badges (Meeting.photo_on_badges): the answer to the meeting's photo
question in a passport-shaped frame on every layout, a neat frame with the
initials when there is none (never a broken image), a QR code that still scans,
and a new photo that draws a badge kept from before again."""

import io

import pikepdf
import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from meeting_app.core.tasks import commit
from meeting_app.documents import badges, photos
from meeting_app.documents.models import BadgeRender
from meeting_app.documents.pdf import render_pdf
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType

BASE_URL = "http://desk.example"
MM = 72 / 25.4  # points
RED = (200, 30, 40)
# Where the frame is on each badge format (mm from the top left: left, top, right,
# bottom), as badges.css places it.
FRAMES = {"a6": (6, 47, 31, 79.15), "a7": (5, 26.5, 23, 49.65), "cr80": (4, 19, 18, 37)}


def jpeg(colour=RED, size=(700, 1000)) -> bytes:
    """A camera's photo: one colour, with a white square (the face) in the middle."""
    image = Image.new("RGB", size, colour)
    w, h = size
    image.paste((255, 255, 255), (w // 3, h // 3, 2 * w // 3, 2 * h // 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def photo_meeting(open_meeting):
    meeting = open_meeting(slug="board", photo_on_badges=True)
    question = FormQuestion(
        meeting_id=meeting.id, type=QuestionType.PHOTO, key="photo", label={"en": "Photo"}
    )
    db.session.add(question)
    db.session.commit()
    return meeting, question


def give_photo(participant, question, data: bytes) -> FormAnswer:
    """The person's answer to the photo question, as the form or the desk stores it."""
    stored = files.store(
        participant.meeting_id, participant.id, "photo.jpg", files.photo(data), files.JPEG
    )
    answer = photos.photo_answer(participant.id, question.id)
    if answer is None:
        answer = FormAnswer(participant_id=participant.id, question_id=question.id)
        db.session.add(answer)
    answer.file = stored
    db.session.flush()
    return answer


def _pdf(app, meeting, people, layout="a6") -> bytes:
    with app.test_request_context():
        return badges.badges_pdf(meeting, people, layout=layout, language="en", base_url=BASE_URL)


def _alone(app, meeting, people, format: str) -> bytes:
    """Badges of one format, one per page, as a print draws them (whatever the sheet)."""
    with app.test_request_context():
        views = badges.badge_views(meeting, people, "en", BASE_URL, format)
        html = badges.badges_html(meeting, views, format, "en")
        return render_pdf(html, badges.badges_css(format), bare=True)


def _images(pdf: bytes) -> list[tuple[int, int]]:
    """The size in pixels of every image the PDF holds (wherever it is drawn)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return sorted(
            (int(obj.Width), int(obj.Height))
            for obj in document.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        )


def _page(pdf: bytes, scale: float = 4) -> Image.Image:
    return pypdfium2.PdfDocument(pdf)[0].render(scale=scale).to_pil().convert("RGB")


def _frame_pixels(image: Image.Image, format: str, scale: float = 4) -> Image.Image:
    left, top, right, bottom = FRAMES[format]
    inset = 1.5  # mm: inside the border and the rounded corners
    box = [round(v * MM * scale) for v in (left + inset, top + inset, right - inset, top + 6)]
    return image.crop(box)


def _qr(image: Image.Image, participant) -> None:
    (code,) = zxingcpp.read_barcodes(image)
    assert code.text == f"{BASE_URL}/desk/badge/{participant.badge_code}"


@pytest.mark.parametrize("format", ["a6", "a7", "cr80"])
def test_a_badge_with_a_photo_shows_it_and_its_qr_code_still_scans(
    photo_meeting, make_participant, app, format
):
    meeting, question = photo_meeting
    person = make_participant(meeting, badge_name="Hélène Marchetti")
    give_photo(person, question, jpeg())
    db.session.commit()
    pdf = _alone(app, meeting, [person], format)
    # The photo as files.photo made it (420 × 540, 35:45), beside the QR code's.
    assert (420, 540) in _images(pdf) and len(_images(pdf)) == 2
    image = _page(pdf)
    # The frame shows the photo (its red edge), not the empty frame's grey.
    r, g, b = _frame_pixels(image, format).resize((1, 1)).getpixel((0, 0))
    assert r > 150 and g < 90 and b < 90
    _qr(image, person)


def test_the_printed_sheets_carry_the_photos(photo_meeting, make_participant, app):
    meeting, question = photo_meeting
    people = [make_participant(meeting) for _ in range(3)]
    give_photo(people[0], question, jpeg())
    give_photo(people[1], question, jpeg(colour=(20, 90, 200)))
    db.session.commit()
    pdf = _pdf(app, meeting, people, "a4-4")
    assert _images(pdf).count((420, 540)) == 2  # the third has none: no image for it


@pytest.mark.parametrize("format", ["a6", "a7", "cr80"])
def test_without_a_photo_the_frame_holds_the_initials_and_no_broken_image(
    photo_meeting, make_participant, app, format
):
    meeting, _question = photo_meeting
    person = make_participant(meeting, badge_name="Hélène Marchetti")
    with app.test_request_context():
        views = badges.badge_views(meeting, [person], "en", BASE_URL, format)
        html = badges.badges_html(meeting, views, format, "en")
        pdf = render_pdf(html, badges.badges_css(format), bare=True)
    assert "<img" in html and html.count("<img") == 1  # the QR code's only
    assert len(_images(pdf)) == 1
    page = pypdfium2.PdfDocument(pdf)[0]
    assert "HM" in page.get_textpage().get_text_range()
    # The frame: light grey, the initials in it.
    image = _page(pdf)
    r, g, b = _frame_pixels(image, format).resize((1, 1)).getpixel((0, 0))
    assert min(r, g, b) > 230
    _qr(image, person)


def test_a_photo_that_is_not_an_image_leaves_the_frame_empty(photo_meeting, make_participant, app):
    """A PDF answering the photo question (a file question made a photo one later,
    say) is not drawn: the frame holds the initials."""
    meeting, question = photo_meeting
    person = make_participant(meeting, badge_name="Ana Silva")
    stored = files.store(meeting.id, person.id, "cv.pdf", b"%PDF-1.4 not drawn", files.PDF)
    db.session.add(FormAnswer(participant_id=person.id, question_id=question.id, file=stored))
    db.session.commit()
    pdf = _pdf(app, meeting, [person])
    assert len(_images(pdf)) == 1
    assert "AS" in pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()


def test_the_photo_is_the_first_photo_question_still_on_the_form(
    photo_meeting, make_participant, app
):
    meeting, question = photo_meeting
    person = make_participant(meeting)
    give_photo(person, question, jpeg())
    question.archived_at = question.created_at
    db.session.commit()
    assert photos.photo_question(meeting.id) is None
    assert len(_images(_pdf(app, meeting, [person]))) == 1


def test_badges_without_the_setting_have_no_frame(photo_meeting, make_participant, app):
    meeting, question = photo_meeting
    meeting.photo_on_badges = False
    person = make_participant(meeting)
    give_photo(person, question, jpeg())
    db.session.commit()
    with app.test_request_context():
        (view,) = badges.badge_views(meeting, [person], "en", BASE_URL)
        html = badges.badges_html(meeting, [view], "a6", "en")
    assert "badge-photo" not in html and view.photo == ""
    assert len(_images(_pdf(app, meeting, [person]))) == 1


@pytest.mark.parametrize("format", ["a6", "a7", "cr80"])
def test_long_names_keep_clear_of_the_photo(photo_meeting, make_participant, app, format):
    """The name moves beside the frame, in a narrower box: no letter over the photo."""
    meeting, question = photo_meeting
    name = "Maria Fernanda Guamán Loja de la Torre Villavicencio Sánchez"
    person = make_participant(meeting, badge_name=name, organisation="Ministry of Foreign Affairs")
    give_photo(person, question, jpeg())
    db.session.commit()
    page = pypdfium2.PdfDocument(_alone(app, meeting, [person], format))[0]
    text = page.get_textpage()
    for word in name.split():
        hit = text.search(word, match_case=True, match_whole_word=True).get_next()
        assert hit is not None, f"{word!r} is not on the badge whole"
        index, count = hit
        for i in range(index, index + count):
            left = text.get_charbox(i, loose=True)[0] / MM
            assert left >= FRAMES[format][2], (word, left)


def test_a_new_photo_draws_a_badge_kept_from_before_again(
    photo_meeting, make_participant, app, monkeypatch
):
    meeting, question = photo_meeting
    people = [make_participant(meeting) for _ in range(3)]
    give_photo(people[0], question, jpeg())
    db.session.commit()
    with app.test_request_context():
        assert badges.draw_ahead(meeting, BASE_URL, "a6", "en") == 3
        assert badges.missing(meeting, people, "a6", "en", BASE_URL) == []
    before = db.session.get(BadgeRender, _render_id(people[0]))
    digest = before.digest

    # A new photo, committed: the badge is drawn again by the task the change asks
    # for (at once here: no broker), the two others are not.
    monkeypatch.setitem(app.config, "BADGES_AHEAD", True)
    monkeypatch.setitem(app.config, "PUBLIC_URL", BASE_URL)
    drawn = []
    real = badges.render_each

    def counting(documents, *args, **kwargs):
        drawn.append(sum(html.count('<div class="badge">') for html in documents))
        return real(documents, *args, **kwargs)

    monkeypatch.setattr(badges, "render_each", counting)
    with app.test_request_context():
        give_photo(people[0], question, jpeg(colour=(20, 90, 200)))
        commit()
    assert drawn == [1]
    db.session.expire_all()
    after = db.session.get(BadgeRender, _render_id(people[0]))
    assert after.digest != digest
    # The badge kept shows the new photo: blue, where the red one was.
    r, g, b = _frame_pixels(_page(after.pdf), "a6").resize((1, 1)).getpixel((0, 0))
    assert b > 150 and r < 90
    # A photo given to the second person (who had none) draws theirs too.
    with app.test_request_context():
        give_photo(people[1], question, jpeg())
        commit()
    assert drawn == [1, 1]


def test_a_print_never_places_a_badge_with_the_former_photo(photo_meeting, make_participant, app):
    """Even without the task (BADGES_AHEAD off), a print draws again what changed."""
    meeting, question = photo_meeting
    person = make_participant(meeting)
    give_photo(person, question, jpeg())
    db.session.commit()
    with app.test_request_context():
        badges.draw_ahead(meeting, BASE_URL, "a6", "en")
        give_photo(person, question, jpeg(colour=(20, 90, 200)))
        db.session.commit()
        assert badges.missing(meeting, [person], "a6", "en", BASE_URL) == [person]
    r, g, b = (
        _frame_pixels(_page(_pdf(app, meeting, [person])), "a6").resize((1, 1)).getpixel((0, 0))
    )
    assert b > 150 and r < 90


def test_photos_of_a_print_are_loaded_in_a_few_queries(photo_meeting, make_participant, app):
    """One query for the question and one per 500 people for the photos' identities,
    one per chunk of badges for their content: never one per badge."""
    import sqlalchemy as sa

    meeting, question = photo_meeting
    people = [make_participant(meeting) for _ in range(6)]
    for n, person in enumerate(people[:4]):  # four photos (the same one is embedded once)
        give_photo(person, question, jpeg(colour=(200, 30 * n, 40)))
    db.session.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        if "stored_files" in statement:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        pdf = _pdf(app, meeting, people, "a4-8")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert _images(pdf).count((420, 540)) == 4
    assert len(statements) == 2  # the identities, then the chunk's content


def _render_id(participant) -> int:
    return db.session.scalar(
        db.select(BadgeRender.id).where(
            BadgeRender.participant_id == participant.id,
            BadgeRender.format == "a6",
            BadgeRender.language == "en",
        )
    )


def test_a_badge_kept_from_a_chunk_carries_its_own_photo_only(photo_meeting, make_participant, app):
    """Badges are drawn 32 to a document, whose pages share their images: each kept
    alone held all 32 photos (a megabyte a badge, a gigabyte a print of 1,000)."""
    meeting, question = photo_meeting
    people = [make_participant(meeting) for _ in range(4)]
    for n, person in enumerate(people):
        give_photo(person, question, jpeg(colour=(200, 40 * n, 40)))
    db.session.commit()
    with app.test_request_context():
        assert badges.draw(meeting, people, "a6", "en", BASE_URL) == 4
    kept = db.session.scalars(db.select(BadgeRender)).all()
    assert len(kept) == 4
    for render in kept:
        assert _images(render.pdf) == [(33, 33), (420, 540)]  # its QR code and its photo
    # A print placing them holds each photo once.
    assert _images(_pdf(app, meeting, people, "a4-4")).count((420, 540)) == 4
