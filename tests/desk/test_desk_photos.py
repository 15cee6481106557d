"""The desk takes a person's photo (the camera's script sends a JPEG; without it, a
file chosen in the form): it becomes their answer to the meeting's photo question,
cut to 35:45, the former photo deleted, the action in the audit log; a file that
is not a JPEG or PNG photo is refused with a message on the field; only the
meeting's staff send or see photos."""

import io
import struct
import zlib

import pytest
from PIL import Image

from meeting_app.accounts.models import Role
from meeting_app.documents import photos
from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.privacy.models import AuditEntry
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType
from tests.conftest import form_token

EN = {"Accept-Language": "en"}


def image(size=(600, 800), kind="JPEG", colour=(200, 30, 40)) -> bytes:
    """A picture as a camera or a phone's gallery gives it."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that says it is width × height pixels but holds (almost) nothing: what a
    decompression bomb starts like. Pillow reads the size from the header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def question(desk_meeting):
    desk_meeting.photo_on_badges = True
    asked = FormQuestion(
        meeting_id=desk_meeting.id, type=QuestionType.PHOTO, key="photo", label={"en": "Photo"}
    )
    db.session.add(asked)
    db.session.commit()
    return asked


@pytest.fixture
def person(desk_meeting, make_participant):
    return make_participant(desk_meeting, badge_name="Hélène Marchetti")


def send(client, meeting, person, data: bytes, filename="photo.jpg", **kwargs):
    return client.post(
        f"/desk/meetings/{meeting.slug}/participants/{person.id}/photo",
        data={"photo": (io.BytesIO(data), filename), **kwargs},
        content_type="multipart/form-data",
        headers=EN,
    )


def stored_photo(person, question) -> StoredFile | None:
    db.session.expire_all()
    answer = photos.photo_answer(person.id, question.id)
    return answer.file if answer is not None else None


def test_a_photo_from_the_camera_becomes_the_persons_photo(
    client, host, desk_meeting, question, person
):
    page = client.get(f"/desk/badge/{person.badge_code}", headers=EN).get_data(as_text=True)
    assert "Take a photo" in page and "No photo yet." in page
    assert 'src="/static/js/desk-photo.js"' in page

    response = send(client, desk_meeting, person, image((480, 640)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/desk/badge/{person.badge_code}")
    stored = stored_photo(person, question)
    assert stored.participant_id == person.id and stored.meeting_id == desk_meeting.id
    assert stored.content_type == "image/jpeg"
    # Cut to 35:45 and made no larger than badges print (files.photo).
    picture = Image.open(io.BytesIO(stored.content))
    assert picture.format == "JPEG" and abs(picture.width / picture.height - 35 / 45) < 0.01
    assert picture.size == (420, 540)
    (entry,) = db.session.scalars(db.select(AuditEntry).filter_by(action="photo.taken"))
    assert entry.participant_id == person.id and entry.details == "new"

    page = client.get(f"/desk/badge/{person.badge_code}", headers=EN).get_data(as_text=True)
    assert "Photo saved. Print the badge again to put it on." in page
    assert "Take a new photo" in page and 'alt="Photo of ' in page
    shown = client.get(f"/desk/meetings/{desk_meeting.slug}/participants/{person.id}/photo.jpg")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert shown.get_data() == stored.content


def test_a_new_photo_replaces_the_former_one_which_is_deleted(
    client, host, desk_meeting, question, person
):
    send(client, desk_meeting, person, image())
    first = stored_photo(person, question)
    first_id = first.id
    # A PNG chosen in the plain form (no camera) does the same.
    assert send(client, desk_meeting, person, image(kind="PNG"), "scan.png").status_code == 302
    second = stored_photo(person, question)
    assert second.id != first_id and second.content_type == "image/jpeg"
    assert db.session.get(StoredFile, first_id) is None
    answers = db.session.scalars(db.select(FormAnswer).filter_by(participant_id=person.id)).all()
    assert len(answers) == 1
    details = db.session.scalars(
        db.select(AuditEntry.details).filter_by(action="photo.taken").order_by(AuditEntry.id)
    ).all()
    assert details == ["new", "replaced"]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        # An SVG and a page of HTML named as photos: refused by their content.
        (
            "photo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "not a JPEG or PNG image",
        ),
        ("photo.jpg", b"<!doctype html><script>alert(1)</script>", "not a JPEG or PNG image"),
        # A PDF is not a photo either.
        ("photo.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "not a JPEG or PNG"),
        # The start of a JPEG, and nothing after it.
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40, "cannot be read"),
        # 30,000 pixels wide (a banner), and a bomb claiming 30,000 × 30,000.
        ("wide.png", image((30_000, 1), "PNG"), "too large"),
        ("bomb.png", png_header_only(30_000, 30_000), "too large"),
    ],
)
def test_what_is_not_a_photo_is_refused_with_a_message_on_the_field(
    client, host, desk_meeting, question, person, filename, content, message
):
    response = send(client, desk_meeting, person, content, filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    # The message is the field's own: announced with it, the field marked invalid.
    assert 'aria-describedby="photo-hint photo-error"' in page and 'aria-invalid="true"' in page
    assert '<p class="field-error" id="photo-error">' in page
    assert stored_photo(person, question) is None
    assert db.session.scalars(db.select(StoredFile)).all() == []
    assert db.session.scalars(db.select(AuditEntry).filter_by(action="photo.taken")).all() == []


def test_no_file_at_all_asks_for_one(client, host, desk_meeting, question, person):
    response = client.post(
        f"/desk/meetings/{desk_meeting.slug}/participants/{person.id}/photo",
        data={},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 422
    assert "Choose a photo, or take one with the camera." in response.get_data(as_text=True)


def test_without_a_photo_question_the_desk_offers_no_photo(client, host, desk_meeting, person):
    page = client.get(f"/desk/badge/{person.badge_code}", headers=EN).get_data(as_text=True)
    assert "Take a photo" not in page and "desk-photo.js" not in page
    assert send(client, desk_meeting, person, image()).status_code == 404
    assert db.session.scalars(db.select(StoredFile)).all() == []


def test_a_sensitive_photo_question_is_kept_from_the_desk(
    client, host, desk_meeting, question, person
):
    """Sensitive answers are hidden from the desk: it neither shows nor takes them."""
    question.sensitive = True
    db.session.commit()
    page = client.get(f"/desk/badge/{person.badge_code}", headers=EN).get_data(as_text=True)
    assert "Take a photo" not in page
    assert send(client, desk_meeting, person, image()).status_code == 404


def test_another_meetings_host_gets_404(
    client, make_user, login, open_meeting, desk_meeting, question, person
):
    elsewhere = open_meeting(slug="elsewhere")
    make_user(Role.HOST, "other@example.org", meetings=[elsewhere])
    login("other@example.org")
    assert send(client, desk_meeting, person, image()).status_code == 404
    url = f"/desk/meetings/{desk_meeting.slug}/participants/{person.id}/photo.jpg"
    assert client.get(url).status_code == 404
    # Nor through their own meeting's address with this person's id.
    assert send(client, elsewhere, person, image()).status_code == 404
    assert stored_photo(person, question) is None


def test_the_photo_is_served_only_to_the_meetings_staff(
    client, make_user, login, open_meeting, desk_meeting, question, person
):
    from meeting_app.files import services as files

    stored = files.store(desk_meeting.id, person.id, "p.jpg", files.photo(image()), files.JPEG)
    db.session.add(FormAnswer(participant_id=person.id, question_id=question.id, file=stored))
    db.session.commit()
    url = f"/desk/meetings/{desk_meeting.slug}/participants/{person.id}/photo.jpg"
    # Nobody signed in: the sign-in page.
    assert client.get(url).status_code == 302
    elsewhere = open_meeting(slug="elsewhere")
    make_user(Role.HOST, "other@example.org", meetings=[elsewhere])
    make_user(Role.ORGANISER, "boss@example.org", meetings=[desk_meeting], admin=False)
    make_user(Role.HOST, "door@example.org", meetings=[desk_meeting])
    login("other@example.org")
    assert client.get(url).status_code == 404
    client.post("/logout")
    for email in ("boss@example.org", "door@example.org"):
        login(email)
        response = client.get(url)
        assert response.status_code == 200 and response.get_data() == stored.content
        client.post("/logout")
    # Someone of another meeting, asked for under this meeting's address.
    login("door@example.org")
    stranger_url = f"/desk/meetings/{desk_meeting.slug}/participants/{person.id + 999}/photo.jpg"
    assert client.get(stranger_url).status_code == 404


def test_no_photo_yet_is_a_404(client, host, desk_meeting, question, person):
    url = f"/desk/meetings/{desk_meeting.slug}/participants/{person.id}/photo.jpg"
    assert client.get(url).status_code == 404


def test_sending_a_photo_needs_the_csrf_token(
    csrf_client, csrf_login, make_user, desk_meeting, question, person
):
    make_user(Role.HOST, "door@example.org", meetings=[desk_meeting])
    csrf_login("door@example.org")
    url = f"/desk/meetings/{desk_meeting.slug}/participants/{person.id}/photo"
    upload = {"photo": (io.BytesIO(image()), "photo.jpg")}
    response = csrf_client.post(url, data=upload, content_type="multipart/form-data")
    assert response.status_code == 400
    assert stored_photo(person, question) is None
    token = form_token(csrf_client.get(f"/desk/badge/{person.badge_code}").get_data(as_text=True))
    upload = {"photo": (io.BytesIO(image()), "photo.jpg"), "csrf_token": token}
    response = csrf_client.post(url, data=upload, content_type="multipart/form-data")
    assert response.status_code == 302
    assert stored_photo(person, question) is not None


def test_an_archived_meeting_takes_no_photo(client, host, desk_meeting, question, person):
    from meeting_app.meetings.models import MeetingStatus

    desk_meeting.status = MeetingStatus.ARCHIVED
    db.session.commit()
    page = client.get(f"/desk/badge/{person.badge_code}", headers=EN).get_data(as_text=True)
    assert "No photo yet." in page and "Take a photo" not in page
    response = send(client, desk_meeting, person, image())
    assert response.status_code == 302  # back, with the desk's message
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "This meeting is archived" in page
    assert stored_photo(person, question) is None
