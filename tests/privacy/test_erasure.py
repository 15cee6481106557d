"""Organisers erase a participant on request: personal data gone from every page,
export, document and e-mail kept, the anonymised row still counted."""

import io

from meeting_app.accounts.models import Role
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.mail.models import OutgoingMail
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import Participant, RegistrationStatus
from meeting_app.registration.queries import status_counts
from tests.conftest import form_token, registration_data

PERSONAL = (
    "Ndèye",
    "Diop",
    "ndeye.diop@example.org",
    "+221 77 123 45 67",
    "Ministère des Affaires étrangères",
    "Conseillère",
    "Halal",
    "Wheelchair",
    "A7654321",
)


def _registered(client, meeting, inbox) -> Participant:
    data = registration_data(
        meeting,
        country="SN",
        dietary_needs="Halal",
        accessibility_needs="Wheelchair",
        needs_visa_letter="y",
        nationality_code="SN",
        passport_number="A7654321",
    )
    assert client.post(f"/meetings/{meeting.slug}/register", data=data).status_code == 302
    assert len(inbox.messages) == 1
    return db.session.execute(
        db.select(Participant).filter_by(email="ndeye.diop@example.org")
    ).scalar_one()


def _erase(client, meeting, person):
    return client.post(
        f"/manage/meetings/{meeting.slug}/registrations/{person.id}/erase", data={"confirm": "y"}
    )


def test_erased_participant_is_gone_from_pages_exports_and_mails_but_still_counted(
    client, inbox, open_meeting, make_participant, organiser
):
    meeting = open_meeting(slug="board", requires_approval=False)
    person = _registered(client, meeting, inbox)
    old_token = person.token
    other = make_participant(meeting, delegation=person.delegation, given_name="Karim")
    db.session.add(CheckIn(participant_id=person.id, day=meeting.start_date))
    db.session.commit()
    counts_before = status_counts(meeting)
    seats_before = meeting.seats_taken

    detail = f"/manage/meetings/board/registrations/{person.id}"
    confirm = client.get(f"{detail}/erase")
    assert confirm.status_code == 200
    assert "cancel the registration first" in confirm.get_data(as_text=True)
    response = _erase(client, meeting, person)
    assert response.status_code == 302 and response.location.endswith(detail)

    db.session.expire_all()
    pages = [
        client.get(detail),
        client.get("/manage/meetings/board/registrations/"),
        client.get("/manage/meetings/board/registrations/export.csv"),
        client.get("/manage/outbox"),
        client.get(f"/manage/outbox/{db.session.scalars(db.select(OutgoingMail.id)).first()}"),
        client.get("/meetings/board/delegations"),
        client.get("/manage/meetings/board/delegations/"),
        client.get("/manage/meetings/board/delegations/export.csv"),
        client.get("/desk/meetings/board/search?q=Erased"),
    ]
    for page in pages:
        assert page.status_code == 200, page.request.path
        text = page.get_data(as_text=True)
        for value in PERSONAL:
            assert value not in text, (page.request.path, value)
    assert "Erased participant" in pages[0].get_data(as_text=True)
    xlsx = client.get("/manage/meetings/board/registrations/export.xlsx").get_data()
    from openpyxl import load_workbook

    cells = {
        str(c.value) for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows() for c in row
    }
    assert not cells & set(PERSONAL)

    # The old private link and everything behind it answer 404.
    for path in ("", "/data.json", "/edit", "/letter.pdf", "/programme"):
        assert client.get(f"/r/{old_token}{path}").status_code == 404, path
    # The e-mail kept says what was sent when, not to whom nor what.
    mail = db.session.execute(db.select(OutgoingMail)).scalar_one()
    assert mail.recipient == "" and mail.body_text == "" and mail.body_html == "" and mail.subject

    # Counts as before: status, seats, delegation, check-ins.
    assert status_counts(meeting) == counts_before
    assert meeting.seats_taken == seats_before
    assert person.status is RegistrationStatus.APPROVED
    assert person.delegation_id == other.delegation_id
    assert db.session.scalar(db.select(db.func.count(CheckIn.id))) == 1
    entry = db.session.execute(
        db.select(AuditEntry).filter_by(action="participant.erased")
    ).scalar_one()
    assert entry.participant_id == person.id
    assert entry.actor == "org@example.org"


def test_erased_participant_gets_no_badge_letter_and_cannot_be_erased_twice(
    client, open_meeting, make_participant, organiser
):
    meeting = open_meeting(slug="board")
    person = make_participant(meeting, needs_visa_letter=True, passport_number="A1")
    kept = make_participant(meeting, given_name="Kept")
    assert _erase(client, meeting, person).status_code == 302
    from meeting_app.documents import badges, letters

    assert badges.select(meeting) == [kept]
    assert letters.letter_recipients(meeting) == []
    response = client.get(f"/manage/meetings/board/registrations/{person.id}/letter.pdf")
    assert response.status_code == 302
    again = _erase(client, meeting, person)
    assert "already erased" in client.get(again.location).get_data(as_text=True)
    assert (
        db.session.scalar(
            db.select(db.func.count(AuditEntry.id)).filter_by(action="participant.erased")
        )
        == 1
    )


def test_erased_head_of_delegation_loses_the_delegation_link(
    client, open_meeting, make_participant, organiser
):
    meeting = open_meeting(slug="board")
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    head = make_participant(meeting, delegation=senegal, family_name="Head")
    member = make_participant(meeting, delegation=senegal, family_name="Member")
    senegal.head_id = head.id
    db.session.commit()
    old_link = f"/d/{senegal.view_token}"
    assert "Member" in client.get(old_link).get_data(as_text=True)
    assert _erase(client, meeting, head).status_code == 302
    assert client.get(old_link).status_code == 404
    db.session.expire_all()
    assert senegal.head_id is None
    assert member.delegation_id == senegal.id


def test_erasure_needs_the_confirmation_and_an_organiser(
    client, open_meeting, make_participant, make_user, login
):
    meeting = open_meeting(slug="board")
    person = make_participant(meeting, given_name="Keep", family_name="Me")
    path = f"/manage/meetings/board/registrations/{person.id}/erase"
    assert client.post(path, data={"confirm": "y"}).status_code == 302  # to the login page
    make_user(Role.HOST, "host@example.org")
    login("host@example.org")
    assert client.post(path, data={"confirm": "y"}).status_code == 403
    client.post("/logout")
    make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")
    response = client.post(path, data={})
    assert response.status_code == 422
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    db.session.expire_all()
    assert person.family_name == "Me" and person.erased_at is None


def test_erasure_form_needs_the_csrf_token(
    csrf_client, csrf_login, make_user, open_meeting, make_participant
):
    make_user(Role.ORGANISER, "org@example.org")
    csrf_login("org@example.org")
    meeting = open_meeting(slug="board")
    person = make_participant(meeting, family_name="Kept")
    path = f"/manage/meetings/board/registrations/{person.id}/erase"
    assert csrf_client.post(path, data={"confirm": "y"}).status_code in (400, 422)
    db.session.expire_all()
    assert person.erased_at is None
    token = form_token(csrf_client.get(path).get_data(as_text=True))
    assert csrf_client.post(path, data={"confirm": "y", "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert person.erased_at is not None
