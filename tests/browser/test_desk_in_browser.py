"""The desk in a real Chromium: a badge's QR code read through a (fake) camera,
a keyboard-wedge scanner typing the badge URL, scans kept while offline and sent
when the connection returns, search with accents, and a phone-sized screen."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import segno
from PIL import Image
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.delegations.models import Delegation
from meeting_app.desk import services
from meeting_app.desk.models import CheckIn, CheckInMethod
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

CODE = "CamBadge-0000001"  # a badge code of the usual 16 characters


def y4m_with_qr(path, text: str, width: int = 640, height: int = 480) -> None:
    """A YUV4MPEG2 (4:2:0) video of one frame: the QR code, black on white, in the
    middle. Chromium loops it as the camera's picture. Grey only: Y is the picture,
    U and V are neutral."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    side = min(width, height) - 40
    qr = qr.resize((side, side), Image.NEAREST)
    frame = Image.new("L", (width, height), 255)
    frame.paste(qr, ((width - side) // 2, (height - side) // 2))
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(2):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


@pytest.fixture
def door(make_meeting, make_participant, make_user, app_context):
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    meeting = make_meeting(slug="door", start_date=today, end_date=today + timedelta(days=1))
    ecuador = Delegation(meeting=meeting, country_code="EC")
    db.session.add(ecuador)
    db.session.commit()
    people = {
        "camera": make_participant(meeting, badge_name="Ndèye Diop", badge_code=CODE),
        "wedge": make_participant(
            meeting, badge_name="Hélène Marchetti", given_name="Hélène", family_name="Marchetti"
        ),
        "cancelled": make_participant(
            meeting, badge_name="Jorge Núñez", status=RegistrationStatus.CANCELLED
        ),
        "search": make_participant(
            meeting,
            given_name="María",
            family_name="Guamán",
            badge_name="María Guamán",
            delegation=ecuador,
        ),
    }
    make_user(Role.HOST, "door@example.org")
    return meeting, people


def sign_in(page) -> None:
    page.goto("/login")
    # By the fields' names: the same in every language of the interface.
    page.locator("input[name=email]").fill("door@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url("/desk/")


def check_ins(participant) -> list[CheckIn]:
    db.session.expire_all()
    return list(
        db.session.execute(
            db.select(CheckIn).filter_by(participant_id=participant.id, cancelled_at=None)
        ).scalars()
    )


def test_a_badge_shown_to_the_camera_is_read_and_checked_in_once(
    browser, live_server, door, tmp_path
):
    meeting, people = door
    video = tmp_path / "badge.y4m"
    y4m_with_qr(video, f"{live_server}/desk/badge/{CODE}")
    # A second Chromium from the same Playwright, whose camera plays the video.
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
        sign_in(page)
        page.goto(f"/desk/meetings/{meeting.slug}/check-in")
        page.get_by_role("button", name="Scan with the camera").click()
        result = page.locator("#scan-result")
        expect(result).to_contain_text("Ndèye Diop", timeout=10_000)
        expect(result).to_contain_text("Checked in at")
        expect(result).to_have_class("scan-result tone-ok")
        # The badge stays in front of the camera: still one check-in.
        page.wait_for_timeout(1500)
        records = check_ins(people["camera"])
        assert [r.method for r in records] == [CheckInMethod.SCAN]
        page.get_by_role("button", name="Stop the camera").click()
        expect(page.get_by_role("button", name="Scan with the camera")).to_be_visible()
    finally:
        camera_browser.close()


def test_a_keyboard_wedge_scanner_checks_in_and_a_second_scan_says_already(page, door):
    meeting, people = door
    sign_in(page)
    page.goto(f"/desk/meetings/{meeting.slug}/check-in")
    field = page.get_by_label("Scan a badge, or type a name, organisation or delegation")
    expect(field).to_be_focused()
    badge_url = f"https://desk.example/desk/badge/{people['wedge'].badge_code}"
    page.keyboard.type(badge_url)
    page.keyboard.press("Enter")
    result = page.locator("#scan-result")
    expect(result).to_contain_text("Hélène Marchetti")
    expect(result).to_contain_text("Checked in at")
    expect(field).to_have_value("")
    expect(field).to_be_focused()  # ready for the next badge
    page.keyboard.type(badge_url)
    page.keyboard.press("Enter")
    expect(result).to_contain_text("Already checked in today at")
    expect(result).to_have_class("scan-result tone-warn")
    assert len(check_ins(people["wedge"])) == 1

    # A cancelled registration: red, not checked in.
    page.keyboard.type(f"https://desk.example/desk/badge/{people['cancelled'].badge_code}")
    page.keyboard.press("Enter")
    expect(result).to_contain_text("Not checked in. Registration status: Cancelled.")
    expect(result).to_have_class("scan-result tone-bad")
    assert check_ins(people["cancelled"]) == []

    # A private link, not a badge.
    page.keyboard.type(f"https://desk.example/r/{people['wedge'].token}")
    page.keyboard.press("Enter")
    expect(result).to_contain_text("private link, not a badge")
    recent = page.locator("#recent li")
    expect(recent).to_have_count(4)
    expect(recent.nth(3)).to_contain_text("Hélène Marchetti — Checked in at")


def test_undo_after_a_mistaken_scan(page, door):
    meeting, people = door
    sign_in(page)
    page.goto(f"/desk/meetings/{meeting.slug}/check-in")
    # A scanner types into the focused field: wait for it, or the start is lost.
    expect(page.locator("#scan-input")).to_be_focused()
    page.keyboard.type(f"/desk/badge/{people['wedge'].badge_code}")
    page.keyboard.press("Enter")
    expect(page.locator("#scan-result")).to_contain_text("Checked in at")
    page.get_by_role("button", name="Undo this check-in").click()
    expect(page.locator("#scan-result")).to_contain_text("Check-in of Hélène Marchetti undone.")
    assert check_ins(people["wedge"]) == []


def test_scans_made_offline_are_kept_and_sent_when_the_connection_returns(page, door):
    meeting, people = door
    sign_in(page)
    page.goto(f"/desk/meetings/{meeting.slug}/check-in")
    expect(page.locator("#scan-input")).to_be_focused()
    page.context.set_offline(True)
    for who in ("wedge", "camera"):
        page.keyboard.type(f"https://desk.example/desk/badge/{people[who].badge_code}")
        page.keyboard.press("Enter")
    expect(page.locator("#queue-status")).to_contain_text(
        "No connection: 2 scans are kept on this device"
    )
    assert check_ins(people["wedge"]) == [] and check_ins(people["camera"]) == []
    # A reload while offline is not possible; the queue is in localStorage meanwhile.
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('desk-queue:{meeting.slug}'))")
    assert len(queued) == 2 and len({item["scan_id"] for item in queued}) == 2
    page.context.set_offline(False)
    expect(page.locator("#scan-result")).to_contain_text("Ndèye Diop", timeout=10_000)
    expect(page.locator("#queue-status")).to_have_text("")
    assert len(check_ins(people["wedge"])) == 1 and len(check_ins(people["camera"])) == 1
    assert page.evaluate(f"localStorage.getItem('desk-queue:{meeting.slug}')") == "[]"


def test_search_without_accents_then_check_in_on_a_phone(browser, live_server, door):
    meeting, people = door
    context = browser.new_context(
        base_url=live_server,
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    try:
        sign_in(page)
        page.goto(f"/desk/meetings/{meeting.slug}/check-in")
        page.get_by_label(
            "Lisez un badge, ou tapez un nom, une organisation ou une délégation"
        ).fill("equateur")
        page.keyboard.press("Enter")
        page.get_by_role("button", name="Enregistrer l'arrivée de María Guamán").click()
        result = page.locator("#scan-result")
        expect(result).to_contain_text("María Guamán")
        expect(result).to_contain_text("Arrivée enregistrée à")
        expect(page.locator("#search-results")).to_contain_text("Arrivé·e à")
        assert [c.method for c in check_ins(people["search"])] == [CheckInMethod.SEARCH]
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        context.close()


def test_the_badge_page_opened_by_a_phone_camera_app_checks_in_on_a_button(page, door):
    meeting, people = door
    sign_in(page)
    page.goto(f"/desk/badge/{people['wedge'].badge_code}")
    expect(page.get_by_role("heading", name="Hélène Marchetti")).to_be_visible()
    assert check_ins(people["wedge"]) == []
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.get_by_text("Checked in at")).to_be_visible()
    expect(page.get_by_role("button", name="Undo this check-in")).to_be_visible()
    assert len(check_ins(people["wedge"])) == 1


def test_the_arrivals_board_updates_in_place_and_can_be_paused(page, door):
    """The board reloaded itself every 30 seconds, which took a screen reader and
    the focus back to the top of the page: the figures now change in place, the
    focus stays, and the updates wait while paused."""
    meeting, people = door
    figures = []
    page.on("request", lambda r: figures.append(r.url) if "/arrivals/figures" in r.url else None)
    page.clock.install()
    sign_in(page)
    page.goto(f"/desk/meetings/{meeting.slug}/arrivals")
    total = page.locator("#arrivals-total")
    expect(total).to_have_text("0 checked in / 3 expected")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    page.evaluate("document.getElementById('arrivals-total').dataset.kept = 'yes'")
    download = page.get_by_role("link", name="Download the arrivals (CSV)")
    download.focus()

    services.check_in(people["camera"])
    db.session.commit()
    page.clock.fast_forward("00:31")
    expect(total).to_have_text("1 checked in / 3 expected")
    expect(download).to_be_focused()
    assert page.url.endswith("/arrivals")  # no reload: the element marked is still there
    assert page.evaluate("document.getElementById('arrivals-total').dataset.kept") == "yes"
    expect(page.locator("#arrivals-figures tbody tr").first).to_contain_text("1")

    pause = page.get_by_role("button", name="Pause the updates")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    asked = len(figures)
    services.check_in(people["wedge"])
    db.session.commit()
    page.clock.fast_forward("01:01")
    page.wait_for_timeout(300)
    assert len(figures) == asked
    expect(total).to_have_text("1 checked in / 3 expected")
    pause.click()  # resumed: brought up to date at once
    expect(pause).to_have_attribute("aria-pressed", "false")
    expect(total).to_have_text("2 checked in / 3 expected")
