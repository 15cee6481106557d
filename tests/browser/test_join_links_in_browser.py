"""A hybrid session's join link in a real browser: an approved participant finds it on
their private page and in "My programme" (and their calendar feed); the public agenda
never shows it."""

import pytest
from playwright.sync_api import expect

from meeting_app.agenda.models import AgendaSession, Attendance
from meeting_app.agenda.published import published_agenda
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration.models import RegistrationStatus

pytestmark = pytest.mark.browser

JOIN = "https://meet.jit.si/ProgrammeBoard-Dakar-7f3k9q"


@pytest.fixture
def hybrid_dakar(app_context, make_participant):
    """The demo loaded today (its Dakar meeting is to come), Dakar hybrid, its opening
    plenary with a join link, chosen by an approved participant."""
    from meeting_app.demo.loader import load_demo

    load_demo(today=utcnow().date())
    db.session.commit()
    meeting = db.session.execute(db.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()
    meeting.participation_mode = "hybrid"
    first = published_agenda(meeting).sessions[0]
    session = db.session.get(AgendaSession, first.id)
    session.join_url = JOIN
    session.dial_in = "+221 33 000 11 22, ID 4455"
    person = make_participant(
        meeting,
        status=RegistrationStatus.APPROVED,
        preferred_language="en",
        attendance_mode="online",
    )
    db.session.add(Attendance(participant_id=person.id, session_id=session.id))
    db.session.commit()
    title = session.title.get("en") or next(iter(session.title.values()))
    return person.token, title


def test_join_link_reaches_the_approved_participant_and_nowhere_public(page, hybrid_dakar):
    token, title = hybrid_dakar
    page.goto(f"/r/{token}")
    join = page.get_by_role("link", name=f"Join “{title}” online")
    expect(join).to_have_attribute("href", JOIN)
    expect(page.get_by_role("heading", name="Join online", level=2)).to_be_visible()
    expect(page.get_by_text("ID 4455")).to_be_visible()

    page.goto(f"/r/{token}/programme")
    expect(page.get_by_role("heading", name="My programme", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=f"Join “{title}” online").first).to_have_attribute(
        "href", JOIN
    )

    feed = page.request.get(f"/r/{token}/programme.ics")
    assert feed.ok
    assert "CONFERENCE;VALUE=URI" in feed.text().replace("\r\n ", "")

    page.goto("/meetings/dakar-demo/agenda")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=title, exact=True).first).to_be_visible()
    expect(page.locator(f'a[href="{JOIN}"]')).to_have_count(0)
    assert JOIN not in page.content()
    assert "ID 4455" not in page.content()


def test_hybrid_registration_form_asks_how_one_takes_part(page, hybrid_dakar):
    page.goto("/meetings/dakar-demo/register")  # checked by axe like every page
    choice = page.get_by_role("group", name="How will you take part?")
    expect(choice.get_by_role("radio", name="Online")).to_be_visible()
    expect(choice.get_by_role("radio", name="In person")).to_be_visible()
