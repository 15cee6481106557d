"""Issue 14's new-secretariat journey in a real Chromium, with CSRF on and real SMTP,
from an empty database and one administrator made with `flask users create --admin`:
the administrator creates the Kathmandu meeting in the browser (a 09:00 session there
is 03:15Z in agenda.ics), opens its registration, publishes it; a visitor registers;
a host is invited for that meeting only, sets a password from the e-mailed link,
turns on two-factor sign-in, signs in with a code, sees Kathmandu's desk and gets
404 on Rabat's; a forgotten password is reset through the mail."""

import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from playwright.sync_api import expect

from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.registration.models import Participant
from tests.browser.test_registration_journey import wait_for_mail

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
ADMIN_PASSWORD = "prayer flags over the valley"
HOST = "host@example.org"
HOST_PASSWORD = "namaste from thamel square"
HOST_NEW_PASSWORD = "the rhododendrons bloom in spring"
TITLE = "4th Programme Board meeting"
KATHMANDU = ZoneInfo("Asia/Kathmandu")
MAIL_TIMEOUT = 10.0


def _mail_link(inbox, message, kind: str) -> str:
    """The path of the /<kind>/<token> link in a mail's plain-text body."""
    body = inbox.body(message)
    found = re.search(rf"https?://[^/\s]+(/{kind}/[^\s]+)", body)
    assert found, body
    return found.group(1)


def _sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).last.click()


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def _flash(page, text: str) -> None:
    expect(page.get_by_text(text, exact=True)).to_be_visible()


def _create_the_meeting(page) -> str:
    """As the administrator, in the back office; returns the meeting's slug."""
    page.goto("/manage/")
    expect(page.get_by_role("heading", name="Back office")).to_be_visible()
    page.get_by_role("link", name="New meeting").click()
    expect(page).to_have_url("/manage/meetings/new")
    expect(page.get_by_role("heading", name="New meeting", exact=True)).to_be_visible()

    page.get_by_label("Series", exact=True).select_option(
        label="A new series (give its title below)"
    )
    page.get_by_label("Title of the new series").fill("Programme Board")
    page.get_by_label("Number in the series (e.g. 4 for the 4th meeting)").fill("4")
    # The address is left empty: it is suggested from the series and the year.
    page.get_by_label("First day").fill("2027-06-08")
    page.get_by_label("Last day").fill("2027-06-09")
    page.get_by_label("Host country").select_option(label="Nepal")
    page.get_by_label("City", exact=True).fill("Kathmandu")
    page.get_by_label("Venue", exact=True).fill("Hotel Yak & Yeti")
    page.get_by_label("Venue address").fill("Durbar Marg, Kathmandu 44600")
    page.get_by_label("Time zone").fill("Asia/Kathmandu")
    page.get_by_label("Spanish", exact=True).uncheck()
    expect(page.get_by_label("English", exact=True)).to_be_checked()
    expect(page.get_by_label("French", exact=True)).to_be_checked()
    page.get_by_label("Default language").select_option(value="en")

    english = page.locator('fieldset[lang="en"]')
    english.get_by_label("Title", exact=True).fill(TITLE)
    english.get_by_label("Description", exact=True).fill("The Board's fourth meeting.")
    english.get_by_label("Host's name").fill(
        "Government of the Federal Democratic Republic of Nepal"
    )
    english.get_by_label("Signatory's title").fill("Head of the programme secretariat")
    french = page.locator('fieldset[lang="fr"]')
    french.get_by_label("Title", exact=True).fill("4e réunion du Conseil du programme")
    page.get_by_label("Contact e-mail shown to participants").fill("board@example.org")
    page.get_by_label("Signatory of letters and certificates (name)").fill("Sita Sharma")
    page.get_by_role("button", name="Create the meeting").click()

    _flash(page, "Meeting created as a draft: only its staff can see it.")
    expect(page).to_have_url(re.compile(r"/manage/meetings/[a-z0-9-]+/$"))
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    assert slug == "programme-board-2027"
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("Kathmandu")
    expect(page.locator(".lead")).to_contain_text("Draft")
    return slug


def _open_registration(page, slug: str) -> None:
    page.goto(f"/manage/meetings/{slug}")
    page.get_by_role("link", name="Registration settings").click()
    expect(page.get_by_role("heading", name="Registration settings")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("Kathmandu")
    opens = datetime.now(KATHMANDU) - timedelta(hours=1)
    page.get_by_label("Registration opens").fill(opens.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Registration closes").fill("2027-06-07T18:00")
    page.get_by_label("Capacity (empty: no limit)").fill("100")
    page.get_by_label("Organisers approve each registration").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    _flash(page, "Registration settings saved.")


def _add_delegation(page, slug: str) -> None:
    page.goto(f"/manage/meetings/{slug}")
    page.get_by_role("link", name="Delegations", exact=True).click()
    add = page.locator(f'form[action="/manage/meetings/{slug}/delegations/add"]')
    add.get_by_label("Country").select_option(label="Nepal")
    add.get_by_label("Size limit").fill("10")
    add.get_by_role("button", name="Add", exact=True).click()
    _flash(page, "Delegation added.")
    expect(page.get_by_role("main")).to_contain_text("Nepal")


def _make_and_publish_the_agenda(page, slug: str) -> None:
    page.goto(f"/manage/meetings/{slug}")
    page.get_by_role("link", name="Agenda", exact=True).first.click()
    page.get_by_role("link", name="New session", exact=True).first.click()
    expect(page.get_by_role("heading", name="New session")).to_be_visible()
    expect(page.get_by_text("Times are in the meeting's local time")).to_contain_text("Kathmandu")
    expect(page.get_by_label("Kind")).to_have_value("")  # a choice to make, not a default
    page.get_by_label("Kind").select_option(label="Plenary")
    page.get_by_label("Day", exact=True).fill("2027-06-08")
    page.get_by_label("Starts at").fill("09:00")
    page.get_by_label("Ends at").fill("10:00")
    page.get_by_label("Title in English").fill("Opening of the meeting")
    page.get_by_label("Title in French").fill("Ouverture de la réunion")
    expect(page.get_by_label("Title in Spanish")).to_have_count(0)
    page.get_by_role("button", name="Save", exact=True).click()
    _flash(page, "Session saved (working copy: publish to show it).")

    page.get_by_role("link", name="Publish", exact=True).click()
    expect(page.get_by_role("heading", name="Publish the agenda")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Opening of the meeting")
    page.get_by_role("button", name="Publish this version").click()
    _flash(page, "Version 1 of the agenda is published.")


def _publish_the_meeting(page, slug: str) -> None:
    page.goto(f"/manage/meetings/{slug}")
    page.get_by_role("link", name="Publish…").click()
    expect(page.get_by_role("heading", name="Publish the meeting")).to_be_visible()
    expect(page.get_by_text("Everything is ready.")).to_be_visible()
    expect(page.get_by_text("Missing:")).to_have_count(0)
    page.get_by_role("button", name="Publish", exact=True).click()
    _flash(page, "The meeting is published: its public pages are open.")
    expect(page.locator(".lead")).to_contain_text("Published")


def _register_as_a_visitor(browser, live_server, slug: str, inbox) -> None:
    context = browser.new_context(base_url=live_server, locale="en-GB")
    try:
        visitor = context.new_page()
        visitor.goto(f"/meetings/{slug}/")
        expect(visitor.get_by_role("heading", name=TITLE)).to_be_visible()
        visitor.get_by_role("link", name="Register", exact=True).click()
        expect(visitor).to_have_url(f"/meetings/{slug}/register")
        visitor.get_by_label("Given name", exact=True).fill("Pemba")
        visitor.get_by_label("Family name", exact=True).fill("Sherpa")
        visitor.get_by_label("E-mail", exact=True).fill("pemba.sherpa@example.org")
        visitor.get_by_label("Delegation", exact=True).select_option(label="Nepal")
        visitor.get_by_label("Organisation", exact=True).fill("National Planning Commission")
        visitor.get_by_label("Category", exact=True).select_option(label="National government")
        visitor.get_by_label("I have read how my data is used").check()
        visitor.get_by_role("button", name="Register").click()
        expect(visitor.get_by_role("heading", name="Check your e-mail")).to_be_visible()
        expect(visitor.get_by_text("pemba.sherpa@example.org")).to_be_visible()
    finally:
        context.close()
    (confirmation,) = wait_for_mail(inbox, "pemba.sherpa@example.org", 1, MAIL_TIMEOUT)
    assert "/r/" in inbox.body(confirmation)


def _invite_the_host(page, slug: str, inbox) -> str:
    """Returns the path of the invitation link from the e-mail."""
    page.goto("/manage/staff/")
    expect(page.get_by_role("heading", name="Staff accounts")).to_be_visible()
    page.get_by_role("link", name="Invite someone").click()
    expect(page.get_by_role("heading", name="Invite someone")).to_be_visible()
    page.get_by_label("E-mail", exact=True).fill(HOST)
    page.get_by_label("Role", exact=True).select_option(label="Host")
    page.get_by_label(re.compile(r"^4th Programme Board meeting \(")).check()
    expect(page.get_by_label(re.compile(r"\(rabat-2022\)$"))).not_to_be_checked()
    page.get_by_role("button", name="Send the invitation").click()
    _flash(page, f"The invitation is sent to {HOST}.")
    roles = page.locator('section[aria-labelledby="roles-heading"] tbody tr')
    expect(roles).to_have_count(1)
    expect(roles.first).to_contain_text(f"{TITLE} ({slug})")
    expect(roles.first.get_by_role("cell").first).to_have_text("Host")
    page.goto("/manage/staff/")
    host_row = page.get_by_role("row").filter(has_text=HOST)
    expect(host_row).to_contain_text(f"Host: {TITLE} ({slug})")
    expect(host_row).not_to_contain_text("rabat-2022")
    expect(host_row).to_contain_text("Invitation pending until")

    (invitation,) = wait_for_mail(inbox, HOST, 1, MAIL_TIMEOUT)
    assert invitation["Subject"] == "Your staff account for the meeting manager"
    return _mail_link(inbox, invitation, "invitation")


def _next_code(secret: str) -> str:
    """A code of the next time step: later than any step already used (a code is
    accepted once) and within the one step either side that the app accepts."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_a_new_secretariat_runs_its_first_meeting_from_the_browser(
    browser, page, live_server, runner, make_meeting, inbox
):
    # 1. The one administrator, made with the command line; and an earlier meeting.
    result = runner.invoke(
        args=["users", "create", "--email", ADMIN, "--admin"],
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    make_meeting(
        slug="rabat-2022",
        title={"en": "Programme Board meeting, Rabat", "fr": "Réunion du Conseil, Rabat"},
        start_date=date(2022, 6, 13),
        end_date=date(2022, 6, 14),
    )

    # 2. The administrator sets the meeting up and publishes it.
    _sign_in(page, ADMIN, ADMIN_PASSWORD)
    expect(page).to_have_url("/manage/")
    _flash(page, "You are signed in.")
    slug = _create_the_meeting(page)
    _open_registration(page, slug)
    _add_delegation(page, slug)
    _make_and_publish_the_agenda(page, slug)
    _publish_the_meeting(page, slug)

    calendar = page.request.get(f"{live_server}/meetings/{slug}/agenda.ics")
    assert calendar.status == 200
    ics = calendar.text()
    assert "DTSTART:20270608T031500Z" in ics, ics  # 09:00 in Kathmandu (UTC+05:45)
    assert "DTEND:20270608T041500Z" in ics, ics
    page.goto("/manage/")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()

    db.session.expire_all()
    meeting = db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one()
    assert meeting.status is MeetingStatus.PUBLISHED
    assert meeting.timezone == "Asia/Kathmandu"
    assert sorted(meeting.languages) == ["en", "fr"]

    # 3. A visitor registers through the public form.
    _register_as_a_visitor(browser, live_server, slug, inbox)
    db.session.expire_all()
    (participant,) = db.session.execute(db.select(Participant)).scalars().all()
    assert participant.meeting.slug == slug

    # 4. The administrator invites a host for this meeting only.
    invitation_path = _invite_the_host(page, slug, inbox)

    # 5. The host sets a password, turns on two-factor sign-in, signs in with a code.
    host_context = browser.new_context(base_url=live_server, locale="en-GB")
    try:
        host = host_context.new_page()
        host.goto(invitation_path)
        expect(host.get_by_role("heading", name="Choose your password")).to_be_visible()
        expect(host.get_by_text(HOST)).to_be_visible()
        host.get_by_label("New password", exact=True).fill(HOST_PASSWORD)
        host.get_by_label("The new password again").fill(HOST_PASSWORD)
        host.get_by_role("button", name="Save the password").click()
        expect(host).to_have_url("/account")
        _flash(host, "Welcome: your password is set and you are signed in.")
        expect(host.get_by_role("heading", name="Your account")).to_be_visible()
        expect(host.get_by_text("Off: your password alone opens your account.")).to_be_visible()

        host.get_by_role("link", name="Set up two-factor sign-in").click()
        expect(host.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
        expect(host.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
        secret = "".join(host.locator("#two-factor-secret").inner_text().split())
        assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
        host.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
        host.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(host.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        expect(host.get_by_text("Two-factor sign-in is on.")).to_be_visible()
        codes = host.locator(".recovery-codes code").all_inner_texts()
        assert len(codes) == 10 and len(set(codes)) == 10, codes
        host.get_by_role("link", name="I have kept them").click()
        expect(host.get_by_text("10 recovery codes left.")).to_be_visible()

        _sign_out(host)
        _sign_in(host, HOST, HOST_PASSWORD)
        expect(host).to_have_url("/login/code")
        expect(host.get_by_role("heading", name="Sign-in code")).to_be_visible()
        host.get_by_label("Code", exact=True).fill(_next_code(secret))
        host.get_by_role("button", name="Sign in", exact=True).last.click()
        expect(host).to_have_url("/desk/")
        _flash(host, "You are signed in.")

        # Kathmandu's desk only.
        expect(host.get_by_role("heading", name="Desk", exact=True)).to_be_visible()
        expect(host.get_by_role("rowheader", name=re.compile(TITLE))).to_be_visible()
        expect(host.get_by_text("Programme Board meeting, Rabat")).to_have_count(0)
        check_in = host.goto(f"/desk/meetings/{slug}/check-in")
        assert check_in.status == 200
        expect(host.get_by_role("main")).to_contain_text(TITLE)
        rabat = host.goto("/desk/meetings/rabat-2022/check-in")
        assert rabat.status == 404
        back_office = host.goto("/manage/")
        assert back_office.status in (403, 404)

        # 6. A forgotten password, reset through the mail.
        host.goto("/desk/")
        _sign_out(host)
        host.goto("/login")
        host.get_by_role("link", name="Forgot your password?").click()
        expect(host.get_by_role("heading", name="Forgot your password?")).to_be_visible()
        host.get_by_label("E-mail", exact=True).fill(HOST)
        host.get_by_role("button", name="Send the link").click()
        expect(host.get_by_role("heading", name="Check your e-mail")).to_be_visible()
        expect(host.get_by_role("status")).to_contain_text(HOST)

        messages = wait_for_mail(inbox, HOST, 2, MAIL_TIMEOUT)
        assert len(messages) == 2, [m["Subject"] for m in messages]
        reset_path = _mail_link(inbox, messages[1], "reset")
        host.goto(reset_path)
        expect(host.get_by_role("heading", name="Choose a new password")).to_be_visible()
        host.get_by_label("New password", exact=True).fill(HOST_NEW_PASSWORD)
        host.get_by_label("The new password again").fill(HOST_NEW_PASSWORD)
        host.get_by_role("button", name="Save the password").click()
        expect(host).to_have_url("/login")
        _flash(host, "Your password is changed. Sign in with it.")

        # The link works once; the old password no longer does.
        used = host.goto(reset_path)
        assert used.status == 404
        _sign_in(host, HOST, HOST_PASSWORD)
        expect(host.get_by_text("Wrong e-mail or password.")).to_be_visible()

        # The new password, then a recovery code kept at set-up.
        _sign_in(host, HOST, HOST_NEW_PASSWORD)
        expect(host).to_have_url("/login/code")
        host.get_by_label("Code", exact=True).fill(codes[0])
        host.get_by_role("button", name="Sign in", exact=True).last.click()
        expect(host).to_have_url("/desk/")
        _flash(host, "You are signed in.")
        expect(host.get_by_role("rowheader", name=re.compile(TITLE))).to_be_visible()
        host.goto("/account")
        expect(host.get_by_text("9 recovery codes left.")).to_be_visible()
    finally:
        host_context.close()
