"""Writing to participants in Chromium: an organiser filters "approved, one
delegation", sees the count and the list, previews, saves a draft, sends (a
double click sends once); each person receives one mail with their own private
link. Every page visited is checked by axe-core (see conftest)."""

import time

import pikepdf
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def _mails_to(inbox, addresses: set[str], timeout: float = 10) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = [m for m in inbox.messages if m["To"] in addresses]
        if len(mails) >= len(addresses):
            time.sleep(0.5)  # a second mail to someone would show by now
            return [m for m in inbox.messages if m["To"] in addresses]
        time.sleep(0.1)
    return [m for m in inbox.messages if m["To"] in addresses]


def test_an_organiser_writes_to_one_delegation_and_each_person_gets_one_mail(
    page, demo_loaded, inbox, make_participant
):
    """Approved people of Nepal's delegation, one reading French and two English
    (and one of them submitted, not approved): the count and list, a preview in
    French and in English, a test to oneself, then a double-clicked send."""
    meeting = db.session.execute(sa.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()
    nepal = next(d for d in meeting.delegations if d.country_code == "NP")
    approved = RegistrationStatus.APPROVED
    expected = [
        make_participant(meeting, given_name="Anjali", family_name="Shrestha", delegation=nepal,
                         preferred_language="fr", status=approved, email="anjali@example.org"),
        make_participant(meeting, given_name="Bikash", family_name="Thapa", delegation=nepal,
                         preferred_language="en", status=approved, email="bikash@example.org"),
    ]  # fmt: skip
    pending = make_participant(
        meeting, given_name="Chandra", family_name="Rai", delegation=nepal,
        preferred_language="en", status=RegistrationStatus.SUBMITTED, email="chandra@example.org",
    )  # fmt: skip
    db.session.commit()
    sign_in(page, Role.ORGANISER)

    page.goto("/manage/meetings/dakar-demo/messages/")
    page.goto("/manage/meetings/dakar-demo/messages/new")
    # Nothing chosen yet: nobody, and the send button says so and stays off.
    expect(page.locator("#send-button")).to_be_disabled()
    page.get_by_role("group", name="Status").get_by_label("Approved").check()
    page.get_by_role("group", name="Delegation").get_by_label("Nepal", exact=True).check()
    french = page.locator("fieldset[lang=fr]")
    french.get_by_label("Subject").fill("Navette de l'hôtel")
    french.get_by_label("Text").fill("Bonjour {{ first_name }},\n\nVotre lien : {{ private_link }}")
    english = page.locator("fieldset[lang=en]")
    english.get_by_label("Subject").fill("Hotel shuttle")
    english.get_by_label("Text").fill("Dear {{ first_name }},\n\nYour link: {{ private_link }}")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#send-button")).to_have_text("Send to 2 people")
    expect(page.locator("ul.recipients li")).to_have_count(2)
    expect(page.locator("ul.recipients")).to_contain_text("Shrestha")
    expect(page.locator("ul.recipients")).not_to_contain_text("Rai")
    # Previewed as a real person of each language receives it.
    expect(page.locator(".message-preview[lang=fr]")).to_contain_text("Bonjour Anjali,")
    expect(page.locator(".message-preview[lang=en]")).to_contain_text("Dear Bikash,")

    page.get_by_role("button", name="Send a test to myself").click()
    expect(page.get_by_text("A test was sent to")).to_be_visible()
    (test,) = _mails_to(inbox, {"organiser@demo.example.org"})
    assert test["Subject"].startswith("[TEST]")

    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Saved as a draft.")).to_be_visible()
    page.locator("#send-button").dblclick()
    expect(page).to_have_url(f"/manage/meetings/dakar-demo/messages/{_only_message_id()}/log")

    mails = _mails_to(inbox, {p.email for p in expected})
    assert sorted(m["To"] for m in mails) == sorted(p.email for p in expected)  # once each
    db.session.expire_all()
    bodies = {m["To"]: inbox.body(m) for m in mails}
    anjali, bikash = expected
    assert bodies[anjali.email].startswith("Bonjour Anjali,")
    assert f"/r/{anjali.token}" in bodies[anjali.email]
    assert bodies[bikash.email].startswith("Dear Bikash,")
    assert f"/r/{bikash.token}" in bodies[bikash.email]
    assert [m["Subject"] for m in mails if m["To"] == anjali.email] == ["Navette de l'hôtel"]
    others = db.session.execute(
        sa.select(Participant.email).where(
            Participant.meeting_id == meeting.id, Participant.id.not_in([p.id for p in expected])
        )
    ).scalars()
    assert not [m for m in inbox.messages if m["To"] in set(others)]
    assert not inbox.to(pending.email)


def _only_message_id() -> int:
    from meeting_app.messages.models import Message

    db.session.expire_all()
    return db.session.execute(sa.select(Message.id)).scalar_one()


def test_an_organiser_finds_people_by_name_and_sends_them_a_pdf(page, demo_loaded, inbox, tmp_path):
    """The search answers as one types (accents aside); a person ticked moves to
    those chosen and stays when the next search replaces the matches; a PDF
    attached is listed, and reaches the person chosen."""
    from meeting_app.desk.services import fold

    meeting = db.session.execute(sa.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()
    people = sorted(
        (p for p in meeting.participants if p.erased_at is None),
        key=lambda p: (fold(p.family_name) == p.family_name.lower(), p.id),
    )
    person, other = people[0], next(p for p in people[1:] if p.family_name != people[0].family_name)
    document = pikepdf.new()
    document.add_blank_page()
    path = tmp_path / "Programme détaillé.pdf"
    document.save(path)
    sign_in(page, Role.ORGANISER)
    page.goto("/manage/meetings/dakar-demo/messages/new")

    search = page.get_by_label("Find people by name or e-mail")
    search.fill(f"{fold(person.given_name)} {fold(person.family_name)}")
    box = page.locator(f"#people-matches #person-{person.id}")
    expect(box).to_be_visible()
    assert_accessible(page)
    box.check()
    chosen = page.locator(f"#people-chosen #person-{person.id}")
    expect(chosen).to_be_checked()
    expect(chosen).to_be_focused()
    search.fill(fold(other.family_name))
    expect(page.locator(f"#people-matches #person-{other.id}")).to_be_visible()
    expect(chosen).to_be_checked()  # the new search keeps her

    main = page.locator(f"fieldset[lang={meeting.default_language}]")
    main.get_by_label("Subject").fill("Programme")
    main.get_by_label("Text").fill("{{ first_name }}: programme.pdf")
    page.get_by_label("Attach a PDF").set_input_files(path)
    page.get_by_role("button", name="Attach", exact=True).click()
    expect(page.locator("#attachments")).to_contain_text("Programme détaillé.pdf")
    expect(page.locator(f"#people-chosen #person-{person.id}")).to_be_checked()
    expect(page.locator("#send-button")).to_have_text("Send to 1 person")
    assert_accessible(page)

    page.locator("#send-button").click()
    expect(page).to_have_url(f"/manage/meetings/dakar-demo/messages/{_only_message_id()}/log")
    expect(page.locator("#attachments")).to_contain_text("Programme détaillé.pdf")
    [mail] = _mails_to(inbox, {person.email})
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == "Programme détaillé.pdf"
    assert attached.get_content() == path.read_bytes()


def test_an_organiser_writes_to_those_who_gave_an_answer(page, demo_loaded, inbox):
    """The registration form's answers as a filter: the values of each question
    grouped under its name, checked by axe; ticking "Site visit" picks the two who
    chose it (among several choices) and nobody else."""
    from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType

    meeting = db.session.execute(sa.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()
    events = FormQuestion(
        meeting=meeting,
        position=90,
        key="side_events",
        type=QuestionType.CHOICES,
        label={"en": "Side events", "fr": "Événements parallèles"},
        options=[
            {"value": "visit", "label": {"en": "Site visit", "fr": "Visite de terrain"}},
            {"value": "dinner", "label": {"en": "Dinner", "fr": "Dîner"}},
        ],
    )
    db.session.add(events)
    db.session.flush()
    people = [p for p in meeting.participants if p.erased_at is None][:3]
    for person, chosen in zip(people, (["visit"], ["dinner", "visit"], ["dinner"]), strict=True):
        db.session.add(FormAnswer(participant_id=person.id, question_id=events.id, value=chosen))
    db.session.commit()
    sign_in(page, Role.ORGANISER)

    page.goto("/manage/meetings/dakar-demo/messages/new")
    answers = page.get_by_role("group", name="Answers to the registration form")
    answers.get_by_role("group", name="Side events").get_by_label("Site visit").check()
    page.locator("fieldset[lang=en]").get_by_label("Subject").fill("The site visit")
    page.locator("fieldset[lang=en]").get_by_label("Text").fill("Dear {{ first_name }}, 8 am.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("ul.recipients li")).to_have_count(2)
    for person in people[:2]:
        expect(page.locator("ul.recipients")).to_contain_text(person.family_name)
    assert_accessible(page)
