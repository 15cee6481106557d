"""The agenda in a real browser: the public list, its filters and a phone screen; the
organisers' timetable, where a session is dragged to another time and room, resized by
its lower edge, put back when the server refuses the move, and opened by a click or
the keyboard."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.agenda.models import AgendaSession
from meeting_app.agenda.published import published_agenda
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

AGENDA = "/meetings/rabat-2022/agenda"
WORKING_GROUP = "Working group: shared monitoring indicators"  # Dakar, day 1, 14:00-15:30
OPENING = "Opening plenary"  # Dakar, day 1, 09:00-10:30


def meeting(slug: str) -> Meeting:
    return db.session.execute(sa.select(Meeting).filter_by(slug=slug)).scalar_one()


# ---------- the public agenda ----------


def test_public_agenda_shows_both_days_in_the_meetings_time_zone(page, demo_loaded):
    page.goto(AGENDA)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2)).to_have_text(
        ["Monday, June 13, 2022", "Tuesday, June 14, 2022"]
    )
    expect(
        page.get_by_text("All times are local time: Africa/Casablanca (UTC+01:00).")
    ).to_be_visible()
    opening = page.locator(".agenda-item").filter(
        has=page.get_by_role("link", name="Opening plenary", exact=True)
    )
    expect(opening.locator(".agenda-time")).to_have_text("09:00–10:30")
    expect(page.locator(".agenda-item")).to_have_count(13)


def test_public_agenda_filters_by_day_and_by_room(page, demo_loaded):
    published = published_agenda(meeting("rabat-2022"))
    in_oudaya = [s for s in published.sessions if s.room and s.room["name"] == "Salle Oudaya"]
    assert 0 < len(in_oudaya) < len(published.sessions)

    page.goto(AGENDA)
    page.get_by_label("Day", exact=True).select_option(label="Tuesday, June 14, 2022")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/meetings/rabat-2022/agenda\?day=2022-06-14&"))
    expect(page.get_by_role("heading", level=2)).to_have_text(["Tuesday, June 14, 2022"])
    expect(page.locator("#day-2022-06-13")).to_have_count(0)
    expect(page.get_by_label("Day", exact=True)).to_have_value("2022-06-14")

    page.get_by_label("Day", exact=True).select_option(label="All days")
    page.get_by_label("Room", exact=True).select_option("Salle Oudaya")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"room=Salle\+Oudaya"))
    items = page.locator(".agenda-item")
    expect(items).to_have_count(len(in_oudaya))
    for n in range(len(in_oudaya)):
        expect(items.nth(n).locator(".meta")).to_contain_text("· Salle Oudaya")
    expect(page.locator(".agenda-body .meta", has_text="Salle plénière Al Maghrib")).to_have_count(
        0
    )


def test_public_agenda_fits_a_phone_and_opens_a_session(browser, live_server, demo_loaded):
    context = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, locale="en-GB"
    )
    page = context.new_page()
    page.goto(AGENDA)
    expect(page.get_by_role("heading", name="Agenda", level=1)).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.get_by_role("link", name="Opening plenary", exact=True).click()
    expect(page).to_have_url(re.compile(r"/meetings/rabat-2022/sessions/\d+$"))
    expect(page.get_by_role("heading", name="Opening plenary", level=1)).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("09:00")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()


# ---------- the organisers' timetable ----------


@dataclass(frozen=True)
class Stored:
    """A session as the database has it, in the meeting's local time."""

    id: int
    start: datetime
    end: datetime
    room_id: int | None
    revision: int


def stored(title_en: str) -> Stored:
    """Reads the session afresh (the live server changed it), then ends the read
    transaction so that the test holds no lock while the browser works."""
    db.session.expire_all()
    dakar = meeting("dakar-demo")
    sessions = db.session.execute(
        sa.select(AgendaSession).where(AgendaSession.meeting_id == dakar.id)
    ).scalars()
    session = next(s for s in sessions if s.title["en"] == title_en)
    result = Stored(
        session.id,
        session.starts_at.astimezone(dakar.tz),
        session.ends_at.astimezone(dakar.tz),
        session.room_id,
        session.revision,
    )
    db.session.rollback()
    return result


@pytest.fixture
def timetable(browser, live_server, demo_loaded):
    """The organiser's timetable of Dakar's first day, on a screen tall enough to show
    the whole day (mouse positions are in the viewport)."""
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 1400}
    )
    page = context.new_page()
    sign_in(page, Role.ORGANISER)

    first_day = meeting("dakar-demo").start_date
    db.session.rollback()
    page.goto("/manage/meetings/dakar-demo/agenda/")
    days = page.get_by_role("navigation", name="Days").get_by_role("link")
    days.first.click()
    expect(page).to_have_url(f"/manage/meetings/dakar-demo/agenda/?day={first_day.isoformat()}")
    expect(days.first).to_have_attribute("aria-current", "page")
    expect(page.locator("#timetable")).to_have_attribute("data-day", first_day.isoformat())
    yield page
    context.close()


def session_element(page, session_id: int):
    return page.locator(f'.tt-session[data-session-id="{session_id}"]')


def cell_box(page, at: datetime, room_id: int | None) -> dict:
    cell = page.locator(f'.tt-cell[data-time="{at:%H:%M}"][data-room-id="{room_id or ""}"]')
    box = cell.bounding_box()
    assert box is not None
    return box


def other_room(page, room_id: int | None) -> int:
    ids = page.locator(".tt-room").evaluate_all("els => els.map(el => el.dataset.roomId)")
    return int(next(i for i in ids if i and i != str(room_id)))


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Presses at `start`, moves to `end` in small steps as a hand would, releases."""
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=15)
    page.mouse.up()


def grab_point(page, session: Stored) -> tuple[float, float, float]:
    """A point on the session's time (clear of the resize handle), and its height
    above the top of the session's first cell."""
    box = session_element(page, session.id).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 8
    return x, y, y - cell_box(page, session.start, session.room_id)["y"]


def test_dragging_a_session_moves_it_one_hour_later_to_the_other_room(timetable, app_context):
    page = timetable
    before = stored(WORKING_GROUP)
    element = session_element(page, before.id)
    expect(element).to_have_attribute("data-start", f"{before.start:%H:%M}")
    target_room = other_room(page, before.room_id)
    later = before.start + timedelta(hours=1)

    x, y, offset = grab_point(page, before)
    target = cell_box(page, later, target_room)
    drag(page, (x, y), (target["x"] + target["width"] / 2, target["y"] + offset))

    expect(page.locator(".tt-status")).to_have_text(re.compile(r" ✓$"))
    expect(page.locator(".tt-status")).not_to_have_class(re.compile(r"\berror\b"))
    expect(element).to_have_attribute("data-start", f"{later:%H:%M}")
    after = stored(WORKING_GROUP)
    assert after.start - before.start == timedelta(minutes=60)
    assert after.start == later
    assert after.end - before.end == timedelta(minutes=60)
    assert after.room_id == target_room != before.room_id
    assert after.revision == before.revision + 1

    page.reload()
    element = session_element(page, before.id)
    end = before.end + timedelta(hours=1)
    expect(element.locator(".tt-time")).to_have_text(f"{later:%H:%M}–{end:%H:%M}")
    expect(element).to_have_attribute("data-room-id", str(target_room))
    expect(element).to_have_attribute("data-revision", str(before.revision + 1))
    box, cell = element.bounding_box(), cell_box(page, later, target_room)
    assert cell["x"] <= box["x"] + box["width"] / 2 <= cell["x"] + cell["width"]
    assert abs(box["y"] - cell["y"]) < 3


def test_dragging_the_lower_edge_makes_a_session_30_minutes_longer(timetable, app_context):
    page = timetable
    before = stored(OPENING)
    handle = session_element(page, before.id).locator(".tt-resize").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    two_slots = (
        cell_box(page, before.end + timedelta(minutes=30), before.room_id)["y"]
        - cell_box(page, before.end, before.room_id)["y"]
    )
    drag(page, (x, y), (x, y + two_slots))

    expect(page.locator(".tt-status")).to_have_text(re.compile(r" ✓$"))
    end = before.end + timedelta(minutes=30)
    expect(session_element(page, before.id)).to_have_attribute("data-end", f"{end:%H:%M}")
    after = stored(OPENING)
    assert after.start == before.start
    assert after.end == end
    assert after.room_id == before.room_id
    assert after.revision == before.revision + 1


def test_a_move_of_a_session_changed_meanwhile_is_refused_and_put_back(timetable, app_context):
    page = timetable
    before = stored(WORKING_GROUP)
    element = session_element(page, before.id)
    grid_row = element.evaluate("el => el.style.gridRow")
    grid_column = element.evaluate("el => el.style.gridColumn")
    original_box = element.bounding_box()
    # Someone else saves the session after the page was loaded.
    db.session.get(AgendaSession, before.id).revision += 5
    db.session.commit()

    x, y, offset = grab_point(page, before)
    target = cell_box(page, before.start + timedelta(hours=1), other_room(page, before.room_id))
    drag(page, (x, y), (target["x"] + target["width"] / 2, target["y"] + offset))

    status = page.locator(".tt-status")
    expect(status).to_have_class(re.compile(r"\berror\b"))
    expect(status).to_contain_text("Someone changed this session")
    expect(element.locator(".tt-time")).to_have_text(f"{before.start:%H:%M}–{before.end:%H:%M}")
    assert element.evaluate("el => el.style.gridRow") == grid_row
    assert element.evaluate("el => el.style.gridColumn") == grid_column
    assert element.bounding_box() == original_box
    expect(element).to_have_attribute("data-start", f"{before.start:%H:%M}")
    expect(element).to_have_attribute("data-revision", str(before.revision))
    after = stored(WORKING_GROUP)
    assert (after.start, after.end, after.room_id) == (before.start, before.end, before.room_id)
    assert after.revision == before.revision + 5


def test_a_click_or_the_enter_key_opens_the_sessions_form(timetable, app_context):
    page = timetable
    session = stored(OPENING)
    form_url = re.compile(rf"/manage/meetings/dakar-demo/agenda/sessions/{session.id}$")
    session_element(page, session.id).click()
    expect(page).to_have_url(form_url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert stored(OPENING) == session  # a click is not a move

    page.go_back()
    element = session_element(page, session.id)
    element.focus()
    expect(element).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(form_url)
    assert stored(OPENING) == session
