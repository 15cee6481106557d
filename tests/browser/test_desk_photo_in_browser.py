"""The desk takes a photo with the device's camera, in a real Chromium whose (fake)
camera plays a picture: the frame is cut to the passport shape in the page, sent
as a JPEG, and becomes the person's photo, shown on their page."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.documents import photos
from meeting_app.extensions import db
from meeting_app.questions.models import FormQuestion, QuestionType
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def y4m_with_face(path, width: int = 640, height: int = 480) -> None:
    """A YUV4MPEG2 (4:2:0) video of one grey frame with a black "face" in the
    middle, a third of the frame wide; Chromium loops it as the camera's picture."""
    frame = Image.new("L", (width, height), 200)
    frame.paste(0, (width // 3, height // 4, 2 * width // 3, 3 * height // 4))
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(2):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


def test_the_desk_takes_a_photo_with_the_camera(
    browser, live_server, open_meeting, make_participant, make_user, tmp_path
):
    meeting = open_meeting(slug="camera-desk", photo_on_badges=True)
    question = FormQuestion(
        meeting_id=meeting.id, type=QuestionType.PHOTO, key="photo", label={"en": "Photo"}
    )
    db.session.add(question)
    db.session.commit()
    person = make_participant(meeting, badge_name="Ndèye Diop")
    make_user(Role.HOST, "door@example.org", meetings=[meeting])
    video = tmp_path / "face.y4m"
    y4m_with_face(video)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(base_url=live_server, locale="en-GB")
        context.grant_permissions(["camera"], origin=live_server)
        page = context.new_page()
        page.goto("/login")
        page.locator("input[name=email]").fill("door@example.org")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.goto(f"/desk/badge/{person.badge_code}")
        expect(page.get_by_text("No photo yet.")).to_be_visible()
        page.get_by_role("button", name="Take a photo").click()
        page.get_by_role("button", name="Take the photo").click()
        # The still is shown; taking it again goes back to the camera.
        expect(page.get_by_role("img", name="The photo just taken")).to_be_visible()
        page.get_by_role("button", name="Take it again").click()
        expect(page.get_by_role("button", name="Take the photo")).to_be_focused()
        page.get_by_role("button", name="Take the photo").click()
        page.get_by_role("button", name="Save this photo").click()
        expect(page.get_by_text("Photo saved. Print the badge again to put it on.")).to_be_visible()
        expect(page.get_by_role("img", name=f"Photo of {person.full_name}")).to_be_visible()
        context.close()
    finally:
        camera_browser.close()

    db.session.expire_all()
    stored = photos.photo_answer(person.id, question.id).file
    assert stored.content_type == "image/jpeg"
    picture = Image.open(io.BytesIO(stored.content)).convert("L")
    assert abs(picture.width / picture.height - 35 / 45) < 0.01
    assert picture.width <= 420 and picture.height <= 540
    # The camera's centre, cut to the passport shape: the dark "face" in the
    # middle, the grey background at the edges.
    middle = picture.getpixel((picture.width // 2, picture.height // 2))
    edge = picture.getpixel((2, 2))
    assert middle < 60 and edge > 150
