"""WCAG 2.1 A and AA as axe-core checks them, on every page people open: public
pages, a participant's private pages, signing in, the back office and the desk,
with the demo's data. (Every page the other browser tests open is checked too:
see `every_page_is_checked_by_axe` in conftest.py.)"""

import io
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from flask import current_app
from PIL import Image
from playwright.sync_api import expect

from meeting_app.accounts import staff
from meeting_app.accounts.models import User
from meeting_app.agenda import services as agenda
from meeting_app.agenda.models import AgendaSession, SessionKind
from meeting_app.agenda.services import SessionInput
from meeting_app.communiques.models import Communique
from meeting_app.core import tokens
from meeting_app.delegations.models import Delegation, FocalPoint
from meeting_app.demo.loader import DEMO_ACCOUNTS
from meeting_app.documents import export_jobs, jobs, participant_list
from meeting_app.extensions import db
from meeting_app.mail import texts
from meeting_app.mail.models import OutgoingMail
from meeting_app.meetings.models import Meeting
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType
from meeting_app.registration.models import Category, Participant, RegistrationStatus
from meeting_app.registration.services import mail_values
from meeting_app.travel.models import Hotel, RoomBlock
from tests.browser.conftest import axe_violations, describe, unchecked_goto

pytestmark = pytest.mark.browser

# GET routes that are not pages of their own, with why; every other GET route must be
# opened by the tour below, so that a page added later is checked too.
NOT_PAGES = {
    "static": "files",
    "outcomes_manage.index": "opened in test_outcomes_in_browser.py",
    "outcomes_manage.edit_minutes": "opened in test_outcomes_in_browser.py",
    "outcomes_manage.decisions_page": "opened in test_outcomes_in_browser.py",
    "outcomes_manage.new_decision": "opened in test_outcomes_in_browser.py",
    "outcomes_manage.edit_decision": "opened in test_outcomes_in_browser.py",
    "outcomes.public_record": "opened in test_outcomes_in_browser.py",
    "outcomes.participant_record": "opened in test_outcomes_in_browser.py",
    "outcomes_desk.register_page": "opened in test_outcomes_in_browser.py",
    "core.healthz": "for the load balancer",
    "messages_manage.export": "a CSV file",
    "messages_manage.index": "opened in test_messages_in_browser.py",
    "messages_manage.new": "opened in test_messages_in_browser.py",
    "messages_manage.edit": "opened in test_messages_in_browser.py (after the draft is saved)",
    "messages_manage.detail": "opened in test_messages_in_browser.py (after sending)",
    "messages_manage.find_people": "a fragment of the compose page, checked there after a search",
    "messages_manage.download_file": "a PDF file attached to a message",
    "desk.search": "a fragment of the check-in page, checked there after a search",
    "desk.arrivals_figures": "the arrivals board's figures, checked on the board",
    "desk.photo": "a person's photo (an image), shown on the desk's badge page",
    "accounts.login_code": "needs an account with two-factor sign-in",
    "accounts.reset_password": "its page is the invitation's, opened below",
    "documents_desk.badge_job_status": "JSON for the job pages' script",
    "documents_manage.documents_job_status": "JSON for the job pages' script",
    "documents_desk.badge_job": "a job's page: opened in test_documents_in_browser.py",
    "documents_manage.documents_job": "a job's page: opened in test_documents_in_browser.py",
    "delegations_manage.export": "CSV and XLSX files",
    "documents_manage.list_of_participants": "PDF, XLSX and DOCX files",
    "documents_manage.list_of_participants_job_status": "JSON for the job pages' script",
    "documents_manage.list_of_participants_job_file": "a PDF, XLSX or DOCX file",
    "registration_manage.export": "CSV and XLSX files",
    "registration_manage.export_job_status": "JSON for the job pages' script",
    "registration_manage.export_job_file": "a CSV or XLSX file",
    "registration.own_file": "a file a participant uploaded with their answers",
    "surveys_manage.index": "opened in test_survey_in_browser.py",
    "surveys_manage.new_question": "opened in test_survey_in_browser.py",
    "surveys_manage.edit_question": "opened in test_survey_in_browser.py",
    "surveys_manage.results_page": "opened in test_survey_in_browser.py",
    "surveys_manage.export": "CSV and XLSX files",
    "surveys.answer": "opened in test_survey_in_browser.py (before and after answering)",
    "focal_point.credential": "a delegation's credentials letter (PDF)",
    "registration_manage.answer_file": "a file a participant uploaded with their answers",
    "sponsorship_manage.report_export": "CSV and XLSX files",
    "travel_desk.pickups_export": "CSV, XLSX and PDF files",
    "travel_desk.departures_export": "CSV, XLSX and PDF files",
    "travel_desk.rooming_export": "CSV, XLSX and PDF files",
    "materials.public_list": "opened in test_documents_materials_in_browser.py",
    "materials_private.own_list": "opened in test_documents_materials_in_browser.py",
    "materials_manage.index": "opened in test_documents_materials_in_browser.py",
    "materials_manage.new": "opened in test_documents_materials_in_browser.py",
    "materials_manage.edit": "opened in test_documents_materials_in_browser.py",
    "materials_manage.delete": "opened in test_documents_materials_in_browser.py",
    "materials_desk.desk_list": "opened in test_documents_materials_in_browser.py",
    "materials.public_file": "a meeting document's file",
    "materials_private.own_file": "a meeting document's file",
    "materials_desk.desk_file": "a meeting document's file",
    "materials_manage.file": "a meeting document's file",
}
ORGANISER_PASSWORD = DEMO_ACCOUNTS[0][1]  # an administrator: every page is theirs
FILES = (".csv", ".xlsx", ".pdf", ".ics", ".json", ".xml", ".atom", ".png")


def _one(model, **filters):
    return db.session.execute(db.select(model).filter_by(**filters).order_by("id")).scalars()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (350, 450), (120, 140, 160)).save(out, "JPEG")
    return out.getvalue()


def _form_questions(meeting, person) -> dict[str, FormQuestion]:
    """A registration form with a section, conditions to choose from (yes or no, a
    choice, a country), a conditional question, a photo question and an archived
    question that keeps its answer. Nothing required: the tour registers without
    answering."""
    made = {}
    for n, (name, kind, extra) in enumerate(
        (
            ("travel", QuestionType.SECTION, {}),
            ("visa", QuestionType.YES_NO, {}),
            (
                "meal",
                QuestionType.CHOICE,
                {"options": [{"value": "fish", "label": {"en": "Fish", "fr": "Poisson"}}]},
            ),
            ("residence", QuestionType.COUNTRY, {}),
            ("conditional", QuestionType.TEXT, {"condition_values": ["yes"]}),
            ("photo", QuestionType.PHOTO, {"max_bytes": 5_000_000}),
            ("old", QuestionType.TEXT, {}),
        ),
        start=1,
    ):
        made[name] = FormQuestion(
            meeting_id=meeting.id,
            position=n,
            type=kind,
            key=name,
            label={"en": name.capitalize(), "fr": name.capitalize()},
            **extra,
        )
        db.session.add(made[name])
    made["conditional"].condition_question = made["visa"]
    made["old"].archived_at = datetime.now(UTC)
    db.session.add(FormAnswer(participant=person, question=made["old"], value="kept"))
    return made


def test_every_page_has_no_wcag_violations(browser, live_server, demo_loaded, app_context):
    """Opens each kind of page, in the states people meet (a form sent with its
    errors, a failed sign-in, search results shown), and fails with axe-core's
    list of violations (rule, impact, elements, help) per page."""
    dakar = _one(Meeting, slug="dakar-demo").one()
    rabat = _one(Meeting, slug="rabat-2022").one()
    person = next(p for p in dakar.participants if p.status is RegistrationStatus.APPROVED)
    attendee = next(p for p in rabat.participants if p.status is RegistrationStatus.APPROVED)
    delegation = person.delegation or _one(Delegation, meeting_id=dakar.id).first()
    delegation.view_token = tokens.new_token()
    session = _one(AgendaSession, meeting_id=rabat.id).first()
    dakar_session = _one(AgendaSession, meeting_id=dakar.id).first()
    communique = _one(Communique).first()
    room = agenda.rooms_of(dakar)[0]
    for title, start, end in (("Donor round table", 7, 9), ("Press briefing", 8, 10)):
        agenda.save_session(  # a conflict, for the conflicts page
            dakar,
            SessionInput(
                kind=SessionKind.PANEL,
                title={"en": title},
                day=dakar.start_date,
                start=time(start),
                end=time(end),
                room_id=room.id,
            ),
        )
    form_questions = _form_questions(dakar, person)
    dakar.sponsorship_enabled = True  # travel support, asked for below
    with current_app.test_request_context():
        _user, invitation = staff.invite("invited@example.org", is_admin=True, language="en")
        mail = texts.queue(
            person.email,
            "confirmation_approved",
            "en",
            mail_values(person, "en"),
            kind="confirmation",
            meeting=dakar,
            participant=person,
        )
    db.session.commit()
    # Accreditation: a focal point of the delegation, who nominated someone waiting
    # for the organisers' decision.
    focal_point = FocalPoint(
        delegation=delegation, name="Fatou Sow", email="fatou.sow@example.org", languages=["fr"]
    )
    nominee = Participant(
        meeting=dakar,
        delegation=delegation,
        nominated_by=focal_point,
        given_name="Moussa",
        family_name="Ndiaye",
        badge_name="Moussa Ndiaye",
        email="moussa.ndiaye@example.org",
        category=Category.NATIONAL_GOVERNMENT,
        status=RegistrationStatus.SUBMITTED,
    )
    db.session.add_all([focal_point, nominee])
    db.session.commit()
    # Travel and hotels, given below: a hotel with one block.
    dakar.travel_enabled = True
    block = RoomBlock(
        room_type="Double", first_night=dakar.start_date, last_night=dakar.end_date, rooms=10
    )
    db.session.add(Hotel(meeting=dakar, name="Radisson Blu Dakar", blocks=[block]))
    db.session.commit()
    urls = current_app.url_map.bind("127.0.0.1")

    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    found: dict[str, list] = {}
    opened: set[str] = set()

    def check(label: str) -> None:
        found[label] = axe_violations(page, label)

    def visit(path: str, status: int = 200) -> None:
        response = unchecked_goto(page, path)
        assert response.status == status, path
        if status != 404:
            opened.add(urls.match(urlsplit(path).path)[0])
        check(path)

    # Public pages.
    visit("/")
    visit(f"/meetings/{dakar.slug}/")
    visit(f"/meetings/{rabat.slug}/")
    visit(f"/meetings/{rabat.slug}/agenda")
    visit(f"/meetings/{rabat.slug}/sessions/{session.id}")
    visit(f"/meetings/{rabat.slug}/delegations")
    visit(f"/meetings/{dakar.slug}/privacy")
    visit("/communiques/")
    visit(f"/communiques/{communique.slug}")
    visit("/no-such-page", status=404)
    visit(f"/meetings/{rabat.slug}/register")  # closed
    visit(f"/meetings/{dakar.slug}/register")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("register: sent empty")
    page.get_by_label("Given name", exact=True).fill("Aïssatou")
    page.get_by_label("Family name", exact=True).fill("Ndiaye")
    page.get_by_label("E-mail", exact=True).fill("aissatou.ndiaye@example.org")
    page.get_by_label("Delegation", exact=True).select_option(label="Senegal")
    page.get_by_label("Organisation", exact=True).fill("Ministère des Affaires étrangères")
    page.get_by_label("Category", exact=True).select_option(label="National government")
    page.get_by_label("I have read how my data is used").check()
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(f"/meetings/{dakar.slug}/register/thanks")
    opened.add("registration.thanks")
    check("register: thanks")
    visit(f"/meetings/{dakar.slug}/register/link")
    page.get_by_role("button").filter(has_text="link").last.click()
    check("send link: sent empty")
    # A participant's private pages.
    visit(f"/r/{person.token}")  # with the mails written to them
    visit(f"/r/{person.token}/mails/{mail.id}")
    visit(f"/r/{person.token}/edit")
    visit(f"/r/{person.token}/programme")
    # Travel support: asked without a note (refused), then asked.
    visit(f"/r/{person.token}/support")
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("travel support: asked without a note")
    page.get_by_label("Why you ask for support, and what you need").fill("Le billet depuis Dakar.")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("button", name="Withdraw my request")).to_be_visible()
    check("travel support: asked")
    # Travel and hotel: a flight number refused, then the travel saved with a room.
    visit(f"/r/{person.token}/travel")
    page.get_by_label("Arrival date").fill((dakar.start_date - timedelta(days=1)).isoformat())
    page.get_by_label("Arrival time").fill("14:35")
    page.get_by_label("Arrival flight number").fill("SN-203")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("travel: a flight number refused")
    page.get_by_label("Arrival flight number").fill("SN 203")
    page.get_by_label("Radisson Blu Dakar").check()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"/r/{person.token}")
    visit(f"/r/{attendee.token}/programme")
    visit(f"/d/{delegation.view_token}")
    # The focal point's pages: the delegation, a nomination sent empty, a substitution.
    visit(f"/d/{focal_point.token}")
    visit(f"/d/{focal_point.token}/nominate")
    page.get_by_role("button", name="Nominate", exact=True).click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("nomination: refused")
    visit(f"/d/{focal_point.token}/members/{nominee.id}/replace")
    visit(urlsplit(invitation).path)
    # Signing in.
    visit("/login/forgot")
    visit("/login")
    page.locator("input[name=email]").fill(DEMO_ACCOUNTS[0][0])
    page.locator("input[name=password]").fill("not the password")
    page.locator("input[name=password]").press("Enter")
    expect(page.locator("input[name=password]")).to_have_attribute("aria-invalid", "true")
    check("login: wrong password")
    page.locator("input[name=password]").fill(ORGANISER_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url("/manage/")
    # The back office.
    db.session.expire_all()
    newcomer = _one(Participant, email="aissatou.ndiaye@example.org").one()
    mail = _one(OutgoingMail, meeting_id=dakar.id).first()
    host = _one(User, email="host@demo.example.org").one()
    visit("/manage/")
    visit("/manage/meetings/new")
    visit("/manage/outbox")
    visit(f"/manage/outbox/{mail.id}")
    visit("/manage/audit")
    visit("/manage/staff/")
    visit(f"/manage/staff/{host.id}")
    visit("/manage/staff/invite")
    visit("/account")
    visit("/account/two-factor")
    base = f"/manage/meetings/{dakar.slug}"
    for path in (
        "/",
        "/settings",
        "/publish",
        "/delete",
        "/registrations/",
        "/registrations/new",
        "/registrations/import",
        "/registrations/settings",
        "/delegations/",
        "/agenda/",
        "/agenda/rooms",
        "/agenda/conflicts",
        "/agenda/publish",
        "/agenda/copy",
    ):
        visit(base + path)
    # Accreditation: the overview, a delegation (a focal point sent without a name or
    # a valid address), a focal point, a substitution, the nominations and the reminder.
    for path in (
        "/accreditation",
        "/accreditation/nominations",
        "/accreditation/remind",
        "/list-of-participants",
        f"/delegations/{delegation.id}/focal-points/{focal_point.id}",
        f"/delegations/{delegation.id}/members/{nominee.id}/substitute",
        f"/delegations/{delegation.id}",
    ):
        visit(base + path)
    page.get_by_label("E-mail", exact=True).fill("not an address")
    page.get_by_role("button", name="Add the focal point").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("delegation: a focal point refused")
    visit(f"{base}/messages/reminders")
    page.get_by_label("Remind approved participants before the meeting").check()
    page.get_by_label("Days before the first day").fill("7, 400")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("reminders: bad days")
    # The automatic mails' wording: the list, one mail, refused, then the meeting's own.
    visit(f"{base}/messages/automatic/")
    visit(f"{base}/messages/automatic/status_declined/fr")
    page.get_by_label("Subject").fill("")
    page.get_by_label("Text", exact=True).fill("Bonjour {{ prenom }}")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("automatic mail: refused")
    page.get_by_label("Subject").fill("{{ meeting }} : {{ status }}")
    page.get_by_label("Text", exact=True).fill("Bonjour {{ first_name }},\n\n{{ note }}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("button", name="Reset to default")).to_be_visible()
    check("automatic mail: the meeting's own")
    # The registration form builder: the questions (one archived), a new one sent
    # without its label, and a conditional one with every kind of condition offered.
    visit(f"{base}/form/")
    visit(f"{base}/form/new?type=choice")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("form builder: a question sent empty")
    visit(f"{base}/form/{form_questions['conditional'].id}")
    # Travel support: the list, a decision sent without one, then funded, an allowance
    # in a currency that is none, and the report.
    visit(f"{base}/sponsorship/")
    visit(f"{base}/sponsorship/{person.id}")
    page.get_by_role("button", name="Save and e-mail the decision").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("travel support: no decision chosen")
    page.get_by_label("Funded", exact=True).check()
    page.get_by_role("button", name="Save and e-mail the decision").click()
    page.get_by_label("Currency").fill("US$")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_label("Currency")).to_have_attribute("aria-invalid", "true")
    check("travel support: a currency that is none")
    visit(f"{base}/sponsorship/report")
    # Travel and hotels: the section, a hotel and its block, everyone's travel, one person's.
    for path in (
        "/travel/",
        "/travel/hotels/new",
        f"/travel/hotels/{block.hotel_id}",
        f"/travel/blocks/{block.id}",
        "/travel/people",
        f"/travel/people/{person.id}",
    ):
        visit(base + path)
    visit(f"{base}/travel/blocks/{block.id}")
    page.get_by_label("Number of rooms").fill("0")  # below the room taken above
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("room block: fewer rooms than taken")
    # Where the archived meeting, with its arrivals and published agenda, differs.
    for path in ("/", "/registrations/", "/delegations/", "/agenda/"):
        visit(f"/manage/meetings/{rabat.slug}{path}")
    visit(f"{base}/registrations/{newcomer.id}")
    visit(f"{base}/registrations/{newcomer.id}/edit")
    visit(f"{base}/registrations/{newcomer.id}/erase")
    # A large participant export, written by a task: its page once the file is ready.
    export = jobs.create(
        dakar,
        _one(User, email=DEMO_ACCOUNTS[0][0]).one(),
        kind=export_jobs.PARTICIPANTS,
        parameters={"fmt": "csv", "filters": {}},
        total=3,
        filename=f"{dakar.slug}-participants.csv",
    )
    export.state = "done"
    db.session.commit()
    visit(f"{base}/registrations/exports/{export.id}")
    # A large list of participants, drawn by a task: its page once the file is ready.
    listed = export_jobs.create_list(
        dakar,
        _one(User, email=DEMO_ACCOUNTS[0][0]).one(),
        fmt="docx",
        language=dakar.default_language,
        edition=participant_list.Edition.FINAL,
        total=3,
    )
    listed.state = "done"
    db.session.commit()
    visit(f"{base}/list-of-participants/jobs/{listed.id}")
    visit(f"{base}/agenda/sessions/new")
    visit(f"{base}/agenda/sessions/{dakar_session.id}")
    visit("/manage/communiques/")
    visit("/manage/communiques/new")
    visit(f"/manage/communiques/{communique.id}/")
    visit(f"/manage/communiques/{communique.id}/fr")
    visit(f"/manage/communiques/{communique.id}/versions")
    visit(f"/manage/communiques/{communique.id}/versions/1")
    # The desk.
    visit("/desk/")
    for meeting in (dakar, rabat):
        visit(f"/desk/meetings/{meeting.slug}/")
        visit(f"/desk/meetings/{meeting.slug}/arrivals")
        visit(f"/desk/meetings/{meeting.slug}/badges")
    for path in ("pickups", "departures", "rooming"):
        visit(f"/desk/meetings/{dakar.slug}/travel/{path}")
    visit(f"/desk/meetings/{dakar.slug}/walk-in")
    visit(f"/desk/meetings/{dakar.slug}/check-in")
    page.get_by_role("searchbox").fill(person.family_name)
    page.get_by_role("searchbox").press("Enter")
    expect(page.locator(".desk-results li").first).to_be_visible()
    check("check-in: search results")
    visit(f"/desk/badge/{attendee.badge_code}")
    # A person's photo at the desk (Dakar asks for one): refused, then taken.
    visit(f"/desk/badge/{person.badge_code}")
    photo_field = page.get_by_label("Photo (JPEG or PNG)")
    photo_field.set_input_files(
        files=[{"name": "photo.svg", "mimeType": "image/svg+xml", "buffer": b"<svg></svg>"}]
    )
    page.get_by_role("button", name="Send this photo").click()
    expect(photo_field).to_have_attribute("aria-invalid", "true")
    check("desk photo: refused")
    photo_field.set_input_files(
        files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
    )
    page.get_by_role("button", name="Send this photo").click()
    expect(page.locator(".desk-photo-current")).to_be_visible()
    check("desk photo: taken")
    context.close()

    pages = {
        rule.endpoint
        for rule in current_app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.endswith(FILES)
    }
    assert sorted(pages - opened - NOT_PAGES.keys()) == []
    failing = {label: violations for label, violations in found.items() if violations}
    assert not failing, "\n".join(
        f"{label}:\n{describe(violations)}" for label, violations in failing.items()
    )
