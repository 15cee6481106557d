"""The outcome record in a real Chromium, CSRF on: an organiser writes a session's
minutes with the live preview (a pasted script stays inert), publishes version 1
and version 2 and sees the changes, as the public does; adds a decision and
publishes it to the participants, who read it through their private link; signs
off the attendance register, and after one more arrival sees the difference and
signs off again."""

import re

import pytest
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.agenda.models import AgendaSession
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def rabat() -> Meeting:
    return db.session.execute(db.select(Meeting).filter_by(slug="rabat-2022")).scalar_one()


def test_organiser_publishes_minutes_twice_and_everyone_sees_the_changes(page, demo_loaded):
    meeting = rabat()
    session = (
        db.session.execute(
            db.select(AgendaSession)
            .filter_by(meeting_id=meeting.id)
            .order_by(AgendaSession.starts_at)
        )
        .scalars()
        .first()
    )
    sign_in(page, Role.ORGANISER)
    page.goto("/manage/meetings/rabat-2022/")
    page.get_by_role("link", name="Outcome record: minutes, decisions, attendance register").click()
    expect(page.get_by_role("heading", name="Outcome record", level=1)).to_be_visible()
    page.goto(f"/manage/meetings/rabat-2022/outcomes/minutes/{session.id}/en")

    summary = page.get_by_label("Summary (Markdown)")
    summary.fill(
        "The Board **adopted** the workplan.\n\n"
        "Delegations asked for a mid-term review.<script>document.title='pwned'</script>"
    )
    preview = page.locator("#preview-body")
    expect(preview.locator("strong")).to_have_text("adopted")
    expect(preview).to_contain_text("Delegations asked for a mid-term review.")
    expect(preview.locator("script")).to_have_count(0)
    page.get_by_role("button", name="Save (English)").click()
    expect(page.get_by_text("Minutes saved (not published yet).")).to_be_visible()

    # The main language (French) is still empty: publishing is refused, with why.
    page.get_by_label("The public (and the participants)").check()
    page.get_by_role("button", name="Publish these minutes").click()
    expect(
        page.get_by_text("There is nothing to publish: write the minutes in French")
    ).to_be_visible()

    page.get_by_role("link", name="French").click()
    page.get_by_label("Summary (Markdown)").fill(
        "Le Conseil a **adopté** le plan de travail.\n\nLes délégations demandent une revue."
    )
    page.get_by_role("button", name="Save (French)").click()
    page.get_by_label("The public (and the participants)").check()
    page.get_by_role("button", name="Publish these minutes").click()
    expect(page.get_by_text("Version 1 of the minutes is published to the public.")).to_be_visible()

    page.get_by_role("link", name="English").click()
    page.get_by_label("Summary (Markdown)").fill(
        "The Board **adopted** the workplan.\n\n"
        "Delegations agreed on a mid-term review in 2023.\n\n"
        "The next meeting will be held in Dakar."
    )
    page.get_by_role("button", name="Save (English)").click()
    pending = page.locator("section", has=page.get_by_role("heading", name="Publish", level=2))
    expect(pending.locator("ins").first).to_contain_text("Added")
    page.get_by_label("The public (and the participants)").check()
    page.get_by_role("button", name="Publish these minutes").click()
    expect(page.get_by_text("Version 2 of the minutes is published to the public.")).to_be_visible()
    expect(page.get_by_role("heading", name="Version 2", level=3)).to_be_visible()
    latest = page.locator("details").first
    expect(latest.locator("summary")).to_have_text("Changes since version 1")
    expect(latest.locator("del")).to_contain_text("Removed")
    expect(latest.locator("del")).to_contain_text("Delegations asked for a mid-term review.")
    expect(latest.locator("ins")).to_have_count(2)
    expect(latest.locator("ins").first).to_contain_text("Added")

    # The public reads version 2 in English, and the changes since version 1.
    page.goto(f"/meetings/rabat-2022/sessions/{session.id}")
    page.get_by_role("link", name="Minutes of this session").click()
    entry = page.locator(f"#minutes-{session.id}")
    expect(entry).to_contain_text("Version 2, published")
    expect(entry).to_contain_text("The next meeting will be held in Dakar.")
    entry.locator("summary", has_text="Changes since version 1").click()
    expect(entry.locator("ins.paragraph-added").first).to_contain_text("Added")
    expect(entry.locator("del.paragraph-removed")).to_contain_text(
        "Delegations asked for a mid-term review."
    )
    assert page.title() != "pwned"

    # A decision for the participants only: not on the public page, on their link.
    page.goto("/manage/meetings/rabat-2022/outcomes/decisions")
    page.get_by_role("link", name="Add a decision or action point").click()
    page.get_by_label("Text in French").fill("Lancer la revue à mi-parcours")
    page.get_by_label("Owner (who carries it out)").fill("Secrétariat")
    page.get_by_label("Due date").fill("2023-03-31")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Decision added (not published yet).")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Edit")).first.click()
    expect(page.get_by_role("heading", name="Edit a decision", level=1)).to_be_visible()
    page.go_back()
    page.get_by_label("Approved participants only (through their private link)").check()
    page.get_by_role("button", name="Publish the decisions").click()
    expect(
        page.get_by_text("Version 1 of the decisions is published to approved participants.")
    ).to_be_visible()
    page.goto("/meetings/rabat-2022/outcomes")
    expect(page.get_by_text("No decision has been published yet.")).to_be_visible()
    approved = (
        db.session.execute(
            db.select(Participant).filter_by(
                meeting_id=meeting.id, status=RegistrationStatus.APPROVED
            )
        )
        .scalars()
        .first()
    )
    page.goto(f"/r/{approved.token}")
    page.get_by_role("link", name="Read the minutes and decisions").click()
    expect(page.get_by_role("cell", name="Lancer la revue à mi-parcours")).to_be_visible()


def test_organiser_signs_off_the_attendance_register_twice(page, demo_loaded):
    meeting = rabat()
    sign_in(page, Role.ORGANISER)
    page.goto("/manage/meetings/rabat-2022/outcomes/")
    page.get_by_role("link", name="Attendance register").click()
    expect(page.get_by_role("heading", name="Attendance register", level=1)).to_be_visible()
    expect(page.get_by_text("Not signed off", exact=True)).to_be_visible()
    name = page.get_by_label("Signed off by (name)")
    expect(name).to_have_value("organiser@demo.example.org")
    name.fill("Aïcha Benali")
    page.get_by_label("Note (optional)").fill("Checked against the desk's sheets.")
    page.get_by_role("button", name="Sign off the attendance register").click()
    expect(page.get_by_text("The attendance register is signed off.")).to_be_visible()
    expect(page.locator("main p strong")).to_contain_text("Signed off by Aïcha Benali on")
    present = page.get_by_text(re.compile(r"^\d+ people present on at least one day\.$")).first
    before = int(present.inner_text().split()[0])

    # Someone not yet counted arrives on the last day (recorded at the desk).
    counted = db.session.execute(
        db.select(CheckIn.participant_id).filter(CheckIn.cancelled_at.is_(None))
    ).scalars()
    newcomer = (
        db.session.execute(
            db.select(Participant).filter(
                Participant.meeting_id == meeting.id,
                Participant.status == RegistrationStatus.APPROVED,
                Participant.id.not_in(list(counted)),
            )
        )
        .scalars()
        .first()
    )
    db.session.add(CheckIn(participant_id=newcomer.id, day=meeting.end_date))
    db.session.commit()

    page.reload()
    since = page.locator("h3", has_text="Changes since the last sign-off").locator(
        "xpath=following-sibling::ul[1]"
    )
    expect(since).to_contain_text(
        f"People present on at least one day: {before} → {before + 1} (+1)"
    )
    page.get_by_role("button", name="Sign off the attendance register").click()
    expect(page.get_by_text("The attendance register is signed off.")).to_be_visible()
    history = page.locator("section", has=page.get_by_role("heading", name="Sign-offs"))
    expect(history.get_by_role("heading", level=3)).to_have_count(2)
    history.locator("summary", has_text="Changes since the sign-off before").click()
    expect(history).to_contain_text(f"{before} → {before + 1} (+1)")

    # The PDF says who signed it off.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename == "rabat-2022-attendance-register.pdf"
