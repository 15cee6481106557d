"""Issue 19's journey in Chromium: Nepal's focal point, from their private link
/d/<token>, nominates two national-government officials and one person of civil
society; a third national-government nomination is refused with the quota named,
nothing stored; they replace one official by another (the seat passes over),
name the head and send the credentials letter. The secretariat approves the
nominations in bulk; the nominees receive their confirmation with their private
link, which opens their registration; the focal point is told of each decision;
the head's badge says "Head of delegation", the others' "Delegate". Every page
opened with `goto` is checked by axe-core (see conftest), and so are the pages
reached by a form here."""

import io
import re
import time
from datetime import date
from pathlib import Path

import pikepdf
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.delegations.models import Credential, Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser
SLUG = "dakar-demo"


def _nepal() -> Delegation:
    db.session.expire_all()
    meeting = db.session.execute(sa.select(Meeting).filter_by(slug=SLUG)).scalar_one()
    return next(d for d in meeting.delegations if d.country_code == "NP")


def _person(email: str) -> Participant:
    db.session.expire_all()
    return db.session.execute(sa.select(Participant).filter_by(email=email)).scalar_one()


def _letter() -> bytes:
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _mail(inbox, address: str, words: str, timeout: float = 10.0):
    """The one mail to `address` whose subject says `words`, once it has come: mails
    go after the response, through the outbox."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in inbox.to(address) if words in m["Subject"]]
        if found or time.monotonic() > deadline:
            assert len(found) == 1, [m["Subject"] for m in inbox.to(address)]
            return found[0]
        time.sleep(0.05)


def _fill(page, given: str, family: str, email: str, position: str) -> None:
    page.get_by_label("Given name", exact=True).fill(given)
    page.get_by_label("Family name", exact=True).fill(family)
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Organisation", exact=True).fill("Ministry of Foreign Affairs")
    page.get_by_label("Position", exact=True).fill(position)


def _nominate(page, home: str, given: str, family: str, email: str, category: str) -> None:
    page.goto(f"{home}/nominate")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nominate a member")
    _fill(page, given, family, email, "Under Secretary")
    page.get_by_label("Category", exact=True).select_option(label=category)
    page.get_by_role("button", name="Nominate", exact=True).click()


NOMINEES = {
    "hari.sharma@example.org": ("Hari", "Sharma", "National government"),
    "gita.koirala@example.org": ("Gita", "Koirala", "National government"),
    "maya.tamang@example.org": ("Maya", "Tamang", "Civil society"),
}


def test_a_focal_point_accredits_nepal_and_the_secretariat_approves(
    page, live_server, demo_loaded, inbox
):
    nepal = _nepal()
    (focal_point,) = nepal.focal_points
    focal_address, nepal_id = focal_point.email, nepal.id
    home = f"/d/{focal_point.token}"

    page.goto(home)
    expect(page.get_by_role("heading", level=1)).to_have_text("Delegation: Nepal")
    seats = page.get_by_role("region", name="Seats")
    expect(seats).to_contain_text("National government: 0 of 2")

    # Three nominations fit the quotas.
    for email, (given, family, category) in NOMINEES.items():
        _nominate(page, home, given, family, email, category)
        expect(page.locator(".flash-success")).to_contain_text(f"{given} {family} is nominated")
    expect(seats).to_contain_text("The delegation: 3 of 5 seats taken")
    expect(seats).to_contain_text("National government: 2 of 2")
    expect(seats).to_contain_text("Civil society: 1 of 1")
    assert_accessible(page)

    # A third national-government official is refused, the quota named; nothing stored.
    _nominate(page, home, "Bishal", "Rai", "bishal.rai@example.org", "National government")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The delegation's quota for National government is full (2 of 2)")
    expect(alert).to_contain_text("Nothing was recorded")
    expect(page.get_by_label("Given name", exact=True)).to_have_value("Bishal")
    assert_accessible(page)
    db.session.expire_all()
    assert (
        db.session.execute(sa.select(Participant).filter_by(email="bishal.rai@example.org")).first()
        is None
    )
    nepal = _nepal()
    assert len(nepal.members) == 3 and nepal.seats_taken == 3
    assert {q.category.value: q.seats_taken for q in nepal.quotas} == {
        "national_government": 2,
        "local_government": 0,
        "civil_society": 1,
    }

    # Gita Koirala cannot come: Bishal Rai takes her seat.
    page.goto(home)
    page.get_by_role("link", name="Replace Gita Koirala").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Replace Gita Koirala")
    assert_accessible(page)
    _fill(page, "Bishal", "Rai", "bishal.rai@example.org", "Joint Secretary")
    expect(page.get_by_label("Category", exact=True)).to_have_value("national_government")
    page.get_by_role("button", name="Replace Gita Koirala").click()
    expect(page.locator(".flash-success")).to_contain_text("Gita Koirala is replaced by Bishal Rai")
    expect(page.get_by_role("row", name=re.compile("Bishal Rai"))).to_contain_text(
        "replaces Gita Koirala"
    )
    expect(seats).to_contain_text("National government: 2 of 2")
    gita, bishal = _person("gita.koirala@example.org"), _person("bishal.rai@example.org")
    assert gita.status is RegistrationStatus.CANCELLED
    assert bishal.status is RegistrationStatus.SUBMITTED and bishal.holds_seat
    assert bishal.replaces_id == gita.id
    assert bishal.nominated_by_id == focal_point.id

    # Hari Sharma heads the delegation.
    head_section = page.get_by_role("region", name="Head of delegation")
    head_section.get_by_label("Head of delegation").select_option(label="Hari Sharma")
    head_section.get_by_role("button", name="Name the head").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Hari Sharma is the head of your delegation"
    )
    expect(head_section).to_contain_text("Head of delegation: Hari Sharma.")

    # The note verbale.
    dated = date.today()
    page.get_by_label("Credentials letter (PDF)").set_input_files(
        files=[{"name": "nv-nepal.pdf", "mimeType": "application/pdf", "buffer": _letter()}]
    )
    page.get_by_label("Date of the letter").fill(dated.isoformat())
    page.get_by_label("Reference").fill("NV/NP/2026/101")
    page.get_by_role("button", name="Send the letter").click()
    expect(page.locator(".flash-success")).to_contain_text("credentials letter is received")
    letter = page.get_by_role("region", name="Credentials letter")
    expect(letter.get_by_role("link", name="nv-nepal.pdf")).to_be_visible()
    expect(letter).to_contain_text("reference NV/NP/2026/101")
    assert_accessible(page)
    db.session.expire_all()
    (credential,) = db.session.scalars(sa.select(Credential).filter_by(delegation_id=nepal_id))
    assert (credential.dated, credential.reference) == (dated, "NV/NP/2026/101")
    assert credential.filename == "nv-nepal.pdf" and credential.superseded_at is None

    # The secretariat sees Nepal's letter and approves its three nominations at once.
    page.context.clear_cookies()
    sign_in(page, Role.ORGANISER)
    page.goto(f"/manage/meetings/{SLUG}/accreditation")
    row = page.get_by_role("row", name=re.compile("^Nepal"))
    expect(row.get_by_role("cell").nth(1)).to_contain_text("Received")
    expect(row.get_by_role("cell").nth(1)).to_contain_text("NV/NP/2026/101")
    expect(row.get_by_role("cell").nth(2)).to_have_text("3")  # nominations to approve
    page.goto(f"/manage/meetings/{SLUG}/accreditation/nominations?delegation={nepal_id}")
    for name in ("Hari Sharma", "Bishal Rai", "Maya Tamang"):
        page.get_by_label(f"Select {name}").check()
    expect(page.get_by_label("Select Gita Koirala")).to_have_count(0)
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Apply the decision to the selected nominations").click()
    expect(page.locator(".flash-success")).to_contain_text("3 nominations decided")
    expect(page.get_by_text("No nomination waits for a decision.")).to_be_visible()
    assert_accessible(page)

    # Each nominee's confirmation brings their private link, which opens their registration.
    approved = {
        "hari.sharma@example.org": "Hari Sharma",
        "bishal.rai@example.org": "Bishal Rai",
        "maya.tamang@example.org": "Maya Tamang",
    }
    for email, name in approved.items():
        person = _person(email)
        assert person.status is RegistrationStatus.APPROVED
        link = f"{live_server}/r/{person.token}"
        nominated = _mail(inbox, email, "Your registration: 3rd Programme Board meeting")
        confirmation = _mail(inbox, email, "your registration is now approved")
        assert link in inbox.body(nominated), inbox.body(nominated)
        assert f"Dear {name}" in inbox.body(confirmation)
        assert link in inbox.body(confirmation), inbox.body(confirmation)
    replaced = inbox.body(_mail(inbox, "gita.koirala@example.org", "cancelled"))
    assert "Dear Gita Koirala" in replaced
    assert not any("approved" in m["Subject"] for m in inbox.to("gita.koirala@example.org"))
    head = _person("hari.sharma@example.org")
    page.context.clear_cookies()
    page.goto(f"/r/{head.token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("My registration")
    expect(page.locator("main")).to_contain_text("Hari Sharma")
    expect(page.locator("main")).to_contain_text("Approved")

    # The focal point hears of each decision.
    for name in approved.values():
        told = inbox.body(_mail(inbox, focal_address, f"{name}'s registration is now approved"))
        assert f"The registration of {name} in the delegation of Nepal" in told, told
        assert f"{live_server}{home}" in told, told

    # The badges of Nepal, in English: the head's says so.
    sign_in(page, Role.ORGANISER)
    page.goto(f"/desk/meetings/{SLUG}/badges")
    page.get_by_label("Layout").select_option("a6")
    page.get_by_label("Language of the badges").select_option(label="English")
    page.get_by_label("Delegation", exact=True).select_option(label="Nepal")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Print (PDF)").click()
        expect(page.get_by_role("status")).to_contain_text("The PDF is ready")
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    badges = {}
    for badge in pdf.pages:
        text = badge.extract_text()
        (name,) = [name for name in approved.values() if name in text]
        badges[name] = text.casefold()  # the role is set in capitals
    assert sorted(badges) == ["Bishal Rai", "Hari Sharma", "Maya Tamang"]
    assert "head of delegation" in badges["Hari Sharma"]
    for name in ("Bishal Rai", "Maya Tamang"):
        assert "delegate" in badges[name] and "head of delegation" not in badges[name]
