"""The back office on an ordinary laptop screen (1366 × 768): the delegations'
table fits, the conflicts' links are told apart, and a 30-minute session in the
timetable shows its whole title."""

from datetime import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.agenda import services as agenda
from meeting_app.agenda.models import SessionKind
from meeting_app.agenda.services import SessionInput
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
# As long as the demo's longest titles; 30 minutes in the timetable.
SHORT = "Working group B: labour mobility and skills partnerships"


@pytest.fixture
def laptop(browser, live_server, demo_loaded):
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=LAPTOP)
    page = context.new_page()
    sign_in(page, Role.ORGANISER)
    yield page
    context.close()


def dakar() -> Meeting:
    return db.session.execute(sa.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()


def add(meeting: Meeting, title: str, start: time, end: time, room_id: int | None):
    session = agenda.save_session(
        meeting,
        SessionInput(
            kind=SessionKind.WORKING_GROUP,
            title={"en": title, "fr": title},
            day=meeting.start_date,
            start=start,
            end=end,
            room_id=room_id,
        ),
    )
    db.session.commit()
    return session


@pytest.mark.parametrize("slug", ["rabat-2022", "dakar-demo"])
def test_the_delegations_table_fits_a_1366_pixel_screen(laptop, slug):
    """The table was wider than the screen: its last column and the "New link"
    buttons were cut off, behind a scroll bar."""
    laptop.goto(f"/manage/meetings/{slug}/delegations/")
    buttons = laptop.get_by_role("button", name="New link")
    assert buttons.count() >= 5
    wrap = laptop.locator(".table-wrap").first
    right = wrap.bounding_box()["x"] + wrap.bounding_box()["width"]
    for button in buttons.all():  # within the screen's width (lower rows are below it)
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= min(right, LAPTOP["width"]), box
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert laptop.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_each_conflict_names_the_sessions_it_links_to(laptop, app_context):
    """Two sessions in one room at one time: the page read "…OpenOpen", two links
    run together with the same text."""
    meeting = dakar()
    room = agenda.rooms_of(meeting)[0]
    add(meeting, "Donor round table", time(7, 0), time(8, 0), room.id)
    add(meeting, "Press briefing", time(7, 30), time(8, 30), room.id)
    laptop.goto("/manage/meetings/dakar-demo/agenda/conflicts")
    conflict = laptop.locator(".conflicts > li").filter(has_text="Press briefing")
    first = conflict.get_by_role("link", name="Open “Donor round table”")
    second = conflict.get_by_role("link", name="Open “Press briefing”")
    expect(first).to_be_visible()
    expect(second).to_be_visible()
    assert "OpenOpen" not in conflict.inner_text()
    one, other = first.bounding_box(), second.bounding_box()
    apart = other["x"] - (one["x"] + one["width"]) >= 8 or other["y"] >= one["y"] + one["height"]
    assert apart, (one, other)


def test_a_30_minute_session_shows_its_whole_title(laptop, app_context):
    """A 30-minute session's box held its time and one line of title: the rest
    was cut off."""
    meeting = dakar()
    rooms = agenda.rooms_of(meeting)
    short = add(meeting, SHORT, time(17, 30), time(18, 0), rooms[-1].id)
    laptop.goto(f"/manage/meetings/dakar-demo/agenda/?day={meeting.start_date.isoformat()}")
    element = laptop.locator(f'.tt-session[data-session-id="{short.id}"]')
    expect(element.locator(".tt-title")).to_have_text(SHORT)
    boxes = element.evaluate(
        """el => {
            const title = el.querySelector(".tt-title").getBoundingClientRect();
            const box = el.getBoundingClientRect();
            return {overflow: el.scrollHeight - el.clientHeight,
                    below: title.bottom - (box.bottom - el.clientTop)};
        }"""
    )
    assert boxes["overflow"] <= 0 and boxes["below"] <= 0.5, boxes
    # Every session of the day too (the coffee break lasts 30 minutes).
    clipped = laptop.locator(".tt-session").evaluate_all(
        "els => els.filter(el => el.scrollHeight > el.clientHeight)"
        ".map(el => el.querySelector('.tt-title').textContent)"
    )
    assert clipped == []
