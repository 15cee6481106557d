"""A delegation's focal point, through their private link /d/<token>: the page,
nominations to quota, attaching someone registered individually, invitations,
substitutions, the head, the credentials letter; and the public form of a
meeting that takes nominations only. Each refusal is checked as the focal point
sees it."""

import html
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from meeting_app.core import tokens
from meeting_app.delegations import accreditation
from meeting_app.delegations.models import (
    Credential,
    Delegation,
    DelegationQuota,
    FocalPoint,
    NominationInvitation,
)
from meeting_app.extensions import db
from meeting_app.questions.fields import field_name
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType
from meeting_app.registration import seats
from meeting_app.registration.models import (
    Category,
    Participant,
    ParticipantRole,
    RegistrationStatus,
)
from tests.conftest import registration_data
from tests.files.test_files import pdf_bytes

S = RegistrationStatus
EN = {"Accept-Language": "en"}


@pytest.fixture
def nepal(open_meeting, make_participant):
    """An open meeting (approval required) with Nepal's delegation: at most 4
    people, 2 of them national government; a focal point; two members (one
    national government, one civil society) and a cancelled one."""
    meeting = open_meeting(slug="board", contact_email="secretariat@board.example.org")
    delegation = Delegation(meeting=meeting, country_code="NP", size_limit=4)
    db.session.add(delegation)
    db.session.add(
        DelegationQuota(delegation=delegation, category=Category.NATIONAL_GOVERNMENT, size_limit=2)
    )
    focal_point = FocalPoint(
        delegation=delegation,
        name="Sita Sharma",
        email="sita.sharma@mofa.example.np",
        organisation="Ministry of Foreign Affairs",
        languages=["en"],
    )
    db.session.add(focal_point)
    db.session.commit()
    make_participant(
        meeting,
        given_name="Bishnu",
        family_name="Adhikari",
        email="bishnu@example.np",
        delegation=delegation,
        status=S.APPROVED,
        preferred_language="en",
    )
    make_participant(
        meeting,
        given_name="Anjali",
        family_name="Thapa",
        email="anjali@example.np",
        delegation=delegation,
        category=Category.CIVIL_SOCIETY,
        status=S.SUBMITTED,
        preferred_language="en",
    )
    make_participant(
        meeting,
        given_name="Gone",
        family_name="Away",
        delegation=delegation,
        status=S.CANCELLED,
    )
    seats.recount(meeting)
    db.session.commit()
    return meeting, delegation, focal_point


def person(meeting, **values) -> dict:
    return registration_data(meeting, preferred_language="en", **values)


def member(delegation, family_name) -> Participant:
    return db.session.execute(
        db.select(Participant).filter_by(delegation_id=delegation.id, family_name=family_name)
    ).scalar_one()


def page_of(client, token) -> str:
    return client.get(f"/d/{token}", headers=EN).get_data(as_text=True)


# --- The page --------------------------------------------------------------------------


def test_the_focal_points_page_shows_members_quotas_and_the_head(client, nepal):
    meeting, delegation, focal_point = nepal
    bishnu = member(delegation, "Adhikari")
    delegation.head = bishnu
    bishnu.nominated_by = focal_point
    db.session.commit()
    response = client.get(f"/d/{focal_point.token}", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Delegation: Nepal" in page
    # Every member, whatever the status, by name (Adhikari, Away, Thapa).
    rows = [
        page.index(f'<th scope="row">{name}</th>')
        for name in ("Bishnu Adhikari", "Gone Away", "Anjali Thapa")
    ]
    assert rows == sorted(rows)
    assert "Cancelled" in page and "Submitted" in page and "Approved" in page
    assert "National government: 1 of 2" in page
    assert "The delegation: 2 of 4 seats taken" in page
    assert "Head of delegation: Bishnu Adhikari." in page
    assert "Sita Sharma" in page  # who nominated Bishnu
    assert "No credentials letter received yet." in page
    assert f"/d/{focal_point.token}/nominate" in page


def test_the_old_head_of_delegation_link_opens_the_same_page(client, nepal):
    _meeting, delegation, _focal_point = nepal
    page = page_of(client, delegation.view_token)
    assert "Delegation: Nepal" in page and "Bishnu Adhikari" in page
    assert f"/d/{delegation.view_token}/nominate" in page


def test_every_form_of_the_page_carries_a_csrf_token(csrf_client, nepal):
    _meeting, _delegation, focal_point = nepal
    page = csrf_client.get(f"/d/{focal_point.token}").get_data(as_text=True)
    assert page.count('name="csrf_token"') == page.count('method="post"') >= 3
    refused = csrf_client.post(f"/d/{focal_point.token}/invite", data={"name": "X"})
    assert refused.status_code == 400
    assert db.session.execute(db.select(NominationInvitation)).first() is None


def test_a_revoked_forged_or_unknown_link_is_not_found(client, nepal):
    _meeting, delegation, focal_point = nepal
    real = focal_point.token
    forged = real[: tokens.SELECTOR_LENGTH] + tokens.new_token()[tokens.SELECTOR_LENGTH :]
    bishnu = member(delegation, "Adhikari")
    for token in (forged, tokens.new_token(), "short", real + "x"):
        assert client.get(f"/d/{token}").status_code == 404
        assert client.get(f"/d/{token}/nominate").status_code == 404
        assert client.post(f"/d/{token}/head", data={"head_id": bishnu.id}).status_code == 404
    focal_point.revoked_at = datetime.now(UTC)
    db.session.commit()
    assert client.get(f"/d/{real}").status_code == 404
    assert client.get(f"/d/{real}/members/{bishnu.id}/replace").status_code == 404
    assert (
        client.post(f"/d/{real}/invite", data={"name": "A", "email": "a@b.org"}).status_code == 404
    )


def test_a_closed_registration_makes_the_page_read_only(client, nepal):
    meeting, delegation, focal_point = nepal
    meeting.registration_closes_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    page = page_of(client, focal_point.token)
    assert "Registration is closed: this page is read-only." in page
    assert "secretariat@board.example.org" in page
    assert "<form" not in page.split("<main", 1)[1]
    token = focal_point.token
    response = client.get(f"/d/{token}/nominate", headers=EN, follow_redirects=True)
    assert "Registration is closed" in response.get_data(as_text=True)
    client.post(f"/d/{token}/nominate", data=person(meeting, email="late@example.np"))
    client.post(f"/d/{token}/invite", data={"name": "A", "email": "a@example.np", "language": "en"})
    assert registration_of("late@example.np") is None
    assert db.session.execute(db.select(NominationInvitation)).first() is None


def registration_of(email) -> Participant | None:
    db.session.expire_all()
    return db.session.execute(db.select(Participant).filter_by(email=email)).scalar_one_or_none()


# --- Nominations -------------------------------------------------------------------------


def test_a_nomination_fills_the_meetings_form_for_the_focal_points_delegation(client, nepal, inbox):
    meeting, delegation, focal_point = nepal
    form = client.get(f"/d/{focal_point.token}/nominate", headers=EN).get_data(as_text=True)
    assert 'name="delegation_id"' not in form  # fixed: the focal point's
    assert 'name="acknowledge_data_use"' not in form  # the person's own, later
    morocco = next(d for d in meeting.delegations if d.country_code == "MA")
    response = client.post(
        f"/d/{focal_point.token}/nominate",
        data=person(
            meeting,
            email="ram.karki@example.np",
            family_name="Karki",
            delegation_id=str(morocco.id),
        ),
        headers=EN,
    )
    assert response.status_code == 302
    karki = registration_of("ram.karki@example.np")
    assert karki.delegation_id == delegation.id  # forced, whatever was sent
    assert karki.nominated_by_id == focal_point.id
    assert karki.status is S.SUBMITTED  # the meeting approves registrations
    assert karki.changes[-1].actor == "focal point"
    assert [m["Subject"] for m in inbox.to("ram.karki@example.np")]  # their confirmation
    page = page_of(client, focal_point.token)
    assert "Ndèye Karki is nominated" in page or "Ndèye Karki" in page
    assert "National government: 2 of 2" in page


def test_a_nomination_beyond_the_category_quota_is_refused_with_the_quota_named(client, nepal):
    meeting, delegation, focal_point = nepal
    token = focal_point.token
    assert (
        client.post(
            f"/d/{token}/nominate", data=person(meeting, email="one@example.np")
        ).status_code
        == 302
    )
    response = client.post(
        f"/d/{token}/nominate",
        data=person(meeting, email="two@example.np", family_name="Gurung"),
        headers=EN,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        "The delegation&#39;s quota for National government is full (2 of 2):"
        " replace a member instead." in page
    )
    assert 'value="Gurung"' in page  # what was typed is shown again
    assert registration_of("two@example.np") is None
    db.session.refresh(delegation)
    assert delegation.seats_taken == 3
    assert delegation.quotas[0].seats_taken == 2
    # Another category still has room in the delegation.
    assert (
        client.post(
            f"/d/{token}/nominate",
            data=person(meeting, email="three@example.np", category="local_government"),
        ).status_code
        == 302
    )


def test_a_nomination_beyond_the_delegations_size_is_refused(client, nepal):
    meeting, delegation, focal_point = nepal
    delegation.size_limit = 2
    db.session.commit()
    response = client.post(
        f"/d/{focal_point.token}/nominate",
        data=person(meeting, email="extra@example.np", category="academia"),
        headers=EN,
    )
    assert response.status_code == 422
    assert "The delegation is full (2 of 2): replace a member instead." in response.get_data(
        as_text=True
    )
    assert registration_of("extra@example.np") is None


def test_a_full_meeting_puts_a_nomination_on_the_waiting_list(client, nepal, make_participant):
    meeting, _delegation, focal_point = nepal
    meeting.capacity = 2
    db.session.commit()
    response = client.post(
        f"/d/{focal_point.token}/nominate", data=person(meeting, email="wait@example.np")
    )
    assert response.status_code == 302
    assert registration_of("wait@example.np").status is S.WAITLISTED


def test_the_same_address_nominated_twice_is_an_error_on_the_email_field(client, nepal):
    meeting, _delegation, focal_point = nepal
    response = client.post(
        f"/d/{focal_point.token}/nominate",
        data=person(meeting, email="Bishnu@Example.np", category="academia"),
        headers=EN,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.split('id="email-error"', 1)[1].split("</p>", 1)[0]
    assert "Bishnu Adhikari is already registered in your delegation" in error


def test_someone_registered_individually_is_offered_and_then_attached(
    client, nepal, make_participant, inbox
):
    meeting, delegation, focal_point = nepal
    individual = make_participant(
        meeting,
        given_name="Maya",
        family_name="Rai",
        email="maya.rai@example.np",
        category=Category.LOCAL_GOVERNMENT,
        status=S.APPROVED,
    )
    seats.recount(meeting)
    db.session.commit()
    inbox.clear()
    response = client.post(
        f"/d/{focal_point.token}/nominate",
        data=person(meeting, email="maya.rai@example.np", category="local_government"),
        headers=EN,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Maya Rai is already registered for this meeting with this address" in page
    assert f'action="/d/{focal_point.token}/attach"' in page
    assert "Attach maya.rai@example.np's registration to my delegation" in html.unescape(page)

    attached = client.post(
        f"/d/{focal_point.token}/attach", data={"email": "maya.rai@example.np"}, headers=EN
    )
    assert attached.status_code == 302
    db.session.expire_all()
    assert individual.delegation_id == delegation.id
    assert individual.nominated_by_id == focal_point.id
    assert individual.status is S.APPROVED
    assert delegation.seats_taken == 3
    assert meeting.seats_taken == 3
    assert "attached by Sita Sharma" in individual.changes[0].details
    assert individual.changes[0].actor == "focal point"
    assert inbox.to("maya.rai@example.np") == []  # nothing more to tell them
    # Once is enough.
    again = client.post(
        f"/d/{focal_point.token}/attach",
        data={"email": "maya.rai@example.np"},
        headers=EN,
        follow_redirects=True,
    )
    assert "already a member of your delegation" in again.get_data(as_text=True)
    db.session.expire_all()
    assert delegation.seats_taken == 3


def test_attaching_into_a_full_quota_is_refused(client, nepal, make_participant):
    meeting, delegation, focal_point = nepal
    make_participant(meeting, email="full1@example.np", delegation=delegation)
    individual = make_participant(meeting, email="solo@example.np")
    seats.recount(meeting)
    db.session.commit()
    response = client.post(
        f"/d/{focal_point.token}/attach",
        data={"email": "solo@example.np"},
        headers=EN,
        follow_redirects=True,
    )
    assert "quota for National government is full (2 of 2)" in html.unescape(
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert individual.delegation_id is None


def test_someone_in_another_delegation_is_refused(client, nepal, make_participant):
    meeting, _delegation, focal_point = nepal
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    make_participant(meeting, email="awa@example.sn", delegation=senegal)
    response = client.post(
        f"/d/{focal_point.token}/nominate",
        data=person(meeting, email="awa@example.sn", category="academia"),
        headers=EN,
    )
    assert response.status_code == 422
    assert "registered for this meeting in another delegation" in response.get_data(as_text=True)
    refused = client.post(f"/d/{focal_point.token}/attach", data={"email": "awa@example.sn"})
    assert refused.status_code == 302
    db.session.expire_all()
    assert registration_of("awa@example.sn").delegation_id == senegal.id


def test_a_nomination_asks_the_meetings_own_questions(client, nepal):
    meeting, _delegation, focal_point = nepal
    question = FormQuestion(
        meeting_id=meeting.id,
        position=1,
        type=QuestionType.TEXT,
        key="arrival",
        label={"en": "Arrival flight"},
        required=True,
    )
    db.session.add(question)
    db.session.commit()
    form = client.get(f"/d/{focal_point.token}/nominate", headers=EN).get_data(as_text=True)
    assert "Arrival flight" in form
    missing = client.post(
        f"/d/{focal_point.token}/nominate", data=person(meeting, email="q@example.np")
    )
    assert missing.status_code == 422
    field = field_name(question)
    done = client.post(
        f"/d/{focal_point.token}/nominate",
        data={**person(meeting, email="q@example.np"), field: "RA 201"},
    )
    assert done.status_code == 302
    answer = db.session.execute(db.select(FormAnswer)).scalar_one()
    assert answer.value == "RA 201"


# --- Invitations -------------------------------------------------------------------------


def invitation_of(email) -> NominationInvitation:
    db.session.expire_all()
    return db.session.execute(db.select(NominationInvitation).filter_by(email=email)).scalar_one()


def test_an_invitation_is_mailed_listed_and_registers_into_the_delegation(client, nepal, inbox):
    meeting, delegation, focal_point = nepal
    sent = client.post(
        f"/d/{focal_point.token}/invite",
        data={"name": "Hari Shrestha", "email": "Hari@Example.np", "language": "en"},
        headers=EN,
    )
    assert sent.status_code == 302
    invitation = invitation_of("hari@example.np")
    assert invitation.focal_point_id == focal_point.id
    mail = inbox.to("hari@example.np")
    assert len(mail) == 1
    assert f"/meetings/board/register?invitation={invitation.token}" in inbox.body(mail[0])
    page = page_of(client, focal_point.token)
    assert "Hari Shrestha" in page and "Not yet" in page

    url = f"/meetings/board/register?invitation={invitation.token}"
    form = client.get(url, headers=EN).get_data(as_text=True)
    assert "You are invited to register in the delegation of Nepal." in form
    select = form.split('name="delegation_id"', 1)[1].split("</select>", 1)[0]
    assert "disabled" in form.split('name="delegation_id"', 1)[0].rsplit("<select", 1)[1] + select
    assert "Nepal" in select and "Senegal" not in select
    registered = client.post(
        url,
        data=person(meeting, email="hari@example.np", category="academia", delegation_id="other"),
    )
    assert registered.status_code == 302
    hari = registration_of("hari@example.np")
    assert hari.delegation_id == delegation.id
    assert hari.nominated_by_id == focal_point.id
    assert invitation_of("hari@example.np").participant_id == hari.id
    assert "Registered: Ndèye Diop" in page_of(client, focal_point.token)


def test_an_invitation_used_once_is_an_ordinary_form_after(client, nepal):
    meeting, delegation, focal_point = nepal
    invitation = NominationInvitation(
        delegation=delegation, focal_point=focal_point, name="Hari", email="hari@example.np"
    )
    db.session.add(invitation)
    db.session.commit()
    url = f"/meetings/board/register?invitation={invitation.token}"
    first = client.post(url, data=person(meeting, email="hari@example.np", category="academia"))
    assert first.status_code == 302
    # The same link again: an ordinary form, whose delegation is the person's choice.
    second_form = client.get(url, headers=EN).get_data(as_text=True)
    assert "You are invited" not in second_form and "Senegal" in second_form
    second = client.post(
        url, data=person(meeting, email="other@example.np", category="academia"), headers=EN
    )
    assert second.status_code == 302
    other = registration_of("other@example.np")
    assert other.delegation_id is None and other.nominated_by_id is None
    assert invitation_of("hari@example.np").participant_id == registration_of("hari@example.np").id


def test_an_invitation_into_a_full_quota_is_refused_naming_the_focal_point(client, nepal):
    meeting, delegation, focal_point = nepal
    invitation = NominationInvitation(
        delegation=delegation, focal_point=focal_point, name="Hari", email="hari@example.np"
    )
    db.session.add(invitation)
    db.session.commit()
    client.post(f"/d/{focal_point.token}/nominate", data=person(meeting, email="q1@example.np"))
    response = client.post(
        f"/meetings/board/register?invitation={invitation.token}",
        data=person(meeting, email="hari@example.np"),
        headers=EN,
    )
    assert response.status_code == 422
    assert "quota for National government is full: write to your delegation" in html.unescape(
        response.get_data(as_text=True)
    )
    assert registration_of("hari@example.np") is None
    assert invitation_of("hari@example.np").participant_id is None


def test_a_meeting_that_takes_nominations_only_explains_it_on_its_public_form(client, nepal):
    meeting, delegation, focal_point = nepal
    meeting.registration_mode = "nominations"
    db.session.commit()
    response = client.get("/meetings/board/register", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Registration by nomination" in page
    assert "secretariat@board.example.org" in page
    assert 'name="given_name"' not in page
    posted = client.post(
        "/meetings/board/register", data=person(meeting, email="walk@example.org"), headers=EN
    )
    assert posted.status_code == 403
    assert "Nothing was recorded." in posted.get_data(as_text=True)
    assert registration_of("walk@example.org") is None
    # A forged invitation is no way in either.
    forged = client.post(
        f"/meetings/board/register?invitation={tokens.new_token()}",
        data=person(meeting, email="walk@example.org"),
    )
    assert forged.status_code == 403
    assert registration_of("walk@example.org") is None
    # A real one is; used, it is the explanation again.
    invitation = NominationInvitation(
        delegation=delegation, focal_point=focal_point, email="x@y.org"
    )
    db.session.add(invitation)
    db.session.commit()
    url = f"/meetings/board/register?invitation={invitation.token}"
    assert 'name="given_name"' in client.get(url).get_data(as_text=True)
    assert (
        client.post(url, data=person(meeting, email="x@y.org", category="academia")).status_code
        == 302
    )
    assert (
        client.post(url, data=person(meeting, email="z@y.org", category="academia")).status_code
        == 403
    )
    assert registration_of("z@y.org") is None
    # The focal point still nominates.
    nominated = client.post(
        f"/d/{focal_point.token}/nominate", data=person(meeting, email="nominee@example.np")
    )
    assert nominated.status_code == 302


# --- Substitutions and the head -----------------------------------------------------------


def test_a_substitution_passes_the_seat_over_without_the_waiting_list(
    client, nepal, make_participant, inbox
):
    meeting, delegation, focal_point = nepal
    bishnu = member(delegation, "Adhikari")
    delegation.head = bishnu
    bishnu.role = ParticipantRole.HEAD_OF_DELEGATION
    meeting.capacity = 2  # full: someone waits for a seat
    waiting = make_participant(meeting, email="waiting@example.org", status=S.WAITLISTED)
    db.session.commit()
    inbox.clear()
    url = f"/d/{focal_point.token}/members/{bishnu.id}/replace"
    form = client.get(url, headers=EN).get_data(as_text=True)
    assert "Replace Bishnu Adhikari" in form
    response = client.post(
        url,
        data=person(meeting, email="kiran@example.np", given_name="Kiran", family_name="Bhattarai"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    kiran = registration_of("kiran@example.np")
    assert kiran.replaces_id == bishnu.id and kiran.delegation_id == delegation.id
    assert kiran.status is S.SUBMITTED and kiran.nominated_by_id == focal_point.id
    assert bishnu.status is S.CANCELLED
    assert "Kiran Bhattarai" in bishnu.decision_reason
    substitution = next(c for c in bishnu.changes if "substitution" in c.details)
    assert substitution.actor == "focal point" and substitution.to_status is S.CANCELLED
    assert "replaced by Kiran Bhattarai" in substitution.details
    assert "substitution: replaces Bishnu Adhikari" in kiran.changes[0].details
    assert waiting.status is S.WAITLISTED  # the seat went over, not to the list
    assert (meeting.seats_taken, delegation.seats_taken) == (2, 2)
    assert delegation.quotas[0].seats_taken == 1
    assert delegation.head_id is None and bishnu.role is ParticipantRole.DELEGATE
    cancelled = inbox.to("bishnu@example.np")
    assert len(cancelled) == 1 and "Kiran Bhattarai" in inbox.body(cancelled[0])
    assert len(inbox.to("kiran@example.np")) == 1  # the newcomer's confirmation
    assert inbox.to("waiting@example.org") == []


def test_a_substitute_of_another_category_needs_room_in_its_quota(client, nepal, make_participant):
    meeting, delegation, focal_point = nepal
    make_participant(meeting, email="nat2@example.np", delegation=delegation)
    seats.recount(meeting)
    db.session.commit()
    anjali = member(delegation, "Thapa")  # civil society
    response = client.post(
        f"/d/{focal_point.token}/members/{anjali.id}/replace",
        data=person(meeting, email="sub@example.np"),  # national government: full
        headers=EN,
    )
    assert response.status_code == 422
    assert "quota for National government is full (2 of 2)" in html.unescape(
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert anjali.status is S.SUBMITTED and registration_of("sub@example.np") is None
    moved = client.post(
        f"/d/{focal_point.token}/members/{anjali.id}/replace",
        data=person(meeting, email="sub@example.np", category="academia"),
    )
    assert moved.status_code == 302


def test_another_delegations_member_is_not_found_behind_a_focal_points_link(
    client, nepal, make_participant
):
    meeting, _delegation, focal_point = nepal
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    outsider = make_participant(meeting, email="out@example.sn", delegation=senegal)
    token = focal_point.token
    assert client.get(f"/d/{token}/members/{outsider.id}/replace").status_code == 404
    assert (
        client.post(
            f"/d/{token}/members/{outsider.id}/replace", data=person(meeting, email="n@x.org")
        ).status_code
        == 404
    )
    assert client.post(f"/d/{token}/head", data={"head_id": outsider.id}).status_code == 404
    assert client.get(f"/d/{token}/members/999999/replace").status_code == 404
    db.session.expire_all()
    assert senegal.head_id is None and outsider.status is S.APPROVED


def test_only_a_member_holding_a_seat_is_replaced(client, nepal):
    _meeting, delegation, focal_point = nepal
    gone = member(delegation, "Away")
    response = client.get(
        f"/d/{focal_point.token}/members/{gone.id}/replace", headers=EN, follow_redirects=True
    )
    assert "Only a member who holds a seat can be replaced." in response.get_data(as_text=True)


def test_a_substitution_after_registration_closes_is_the_secretariats(
    app, client, nepal, make_user
):
    meeting, delegation, focal_point = nepal
    meeting.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    bishnu = member(delegation, "Adhikari")
    response = client.post(
        f"/d/{focal_point.token}/members/{bishnu.id}/replace",
        data=person(meeting, email="late@example.np"),
        headers=EN,
        follow_redirects=True,
    )
    assert "Registration is closed" in response.get_data(as_text=True)
    assert registration_of("late@example.np") is None
    with pytest.raises(accreditation.RegistrationClosed):
        accreditation.substitute(bishnu, _values(meeting, "late@example.np"))
    db.session.rollback()
    secretariat = make_user(email="secretariat@example.org")
    with app.test_request_context():  # the mails' links
        late = accreditation.substitute(
            bishnu, _values(meeting, "late@example.np"), by_user=secretariat
        )
        db.session.commit()
    db.session.expire_all()
    assert late.replaces_id == bishnu.id and bishnu.status is S.CANCELLED
    substitution = next(c for c in bishnu.changes if "substitution" in c.details)
    assert substitution.actor == "organiser" and substitution.by_user_id == secretariat.id
    assert delegation.seats_taken == 2


def _values(meeting, email) -> dict:
    return {
        "given_name": "Late",
        "family_name": "Comer",
        "email": email,
        "organisation": "Ministry",
        "category": Category.NATIONAL_GOVERNMENT,
        "preferred_language": "en",
    }


def test_the_focal_point_names_the_head_among_seat_holders(client, nepal):
    _meeting, delegation, focal_point = nepal
    anjali, gone = member(delegation, "Thapa"), member(delegation, "Away")
    page = page_of(client, focal_point.token)
    options = page.split('name="head_id"', 1)[1].split("</select>", 1)[0]
    assert "Anjali Thapa" in options and "Gone Away" not in options
    refused = client.post(f"/d/{focal_point.token}/head", data={"head_id": gone.id}, headers=EN)
    assert refused.status_code == 422
    assert 'id="head_id-error"' in refused.get_data(as_text=True)
    named = client.post(f"/d/{focal_point.token}/head", data={"head_id": anjali.id})
    assert named.status_code == 302
    db.session.expire_all()
    assert delegation.head_id == anjali.id
    assert anjali.role is ParticipantRole.HEAD_OF_DELEGATION


# --- The credentials letter ---------------------------------------------------------------


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, "PNG")
    return out.getvalue()


def upload(client, token, data: bytes, filename="note.pdf", **fields):
    return client.post(
        f"/d/{token}/credentials",
        data={"letter": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
        headers=EN,
    )


def test_the_credentials_letter_is_received_replaced_and_downloaded(client, nepal, nepal_other):
    _meeting, delegation, focal_point = nepal
    first = upload(
        client,
        focal_point.token,
        pdf_bytes(),
        "Note verbale Nº 12.pdf",
        dated="2026-01-05",
        reference="NV/2026/12",
    )
    assert first.status_code == 302
    second = upload(client, focal_point.token, pdf_bytes(), "note-2.pdf", reference="NV/13")
    assert second.status_code == 302
    db.session.expire_all()
    letters = accreditation.credentials(delegation)
    assert [c.filename for c in letters] == ["note-2.pdf", "Note verbale Nº 12.pdf"]
    assert letters[0].superseded_at is None and letters[1].superseded_at is not None
    assert letters[1].dated == date(2026, 1, 5) and letters[1].reference == "NV/2026/12"
    assert letters[0].uploaded_by == "Sita Sharma <sita.sharma@mofa.example.np>"
    page = page_of(client, focal_point.token)
    assert "reference NV/13" in page and "Letters it replaced" in page
    download = client.get(f"/d/{focal_point.token}/credentials/{letters[1].id}")
    assert download.status_code == 200
    assert download.data == pdf_bytes()
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    # Another delegation's letter is not found through this link.
    assert client.get(f"/d/{focal_point.token}/credentials/{nepal_other.id}").status_code == 404
    assert client.get(f"/d/{focal_point.token}/credentials/999999").status_code == 404
    # The older link signs as such.
    assert upload(client, delegation.view_token, pdf_bytes()).status_code == 302
    db.session.expire_all()
    assert accreditation.credentials(delegation)[0].uploaded_by == "head-of-delegation link"


@pytest.fixture
def nepal_other(nepal):
    """A letter of another delegation (Senegal's) of the same meeting."""
    meeting, _delegation, _focal_point = nepal
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    letter = accreditation.store_credentials(senegal, pdf_bytes(), "sn.pdf", None, "", "x")
    db.session.commit()
    return letter


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (png(), "scan.png", "This file is not a PDF document, whatever its name says"),
        (b"<html><script>alert(1)</script></html>", "letter.pdf", "not a PDF document"),
        (pdf_bytes("app.alert(1)"), "letter.pdf", "This PDF contains JavaScript"),
    ],
    ids=["png", "html-named-pdf", "javascript"],
)
def test_a_credentials_file_that_is_not_a_clean_pdf_is_refused(client, nepal, data, filename, says):
    _meeting, delegation, focal_point = nepal
    response = upload(client, focal_point.token, data, filename, reference="NV/1")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert says in page
    assert 'value="NV/1"' in page
    assert db.session.execute(db.select(Credential)).first() is None


def test_a_credentials_file_too_large_is_refused(client, server_app, nepal, monkeypatch):
    _meeting, _delegation, focal_point = nepal
    monkeypatch.setitem(server_app.config, "CREDENTIALS_MAX_BYTES", 2000)
    big = pdf_bytes() + b"%" + b"x" * 3000 + b"\n"
    response = upload(client, focal_point.token, big)
    assert response.status_code == 422
    assert "This file is larger than" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Credential)).first() is None


def test_a_credentials_letter_dated_in_the_future_or_without_a_file_is_refused(client, nepal):
    _meeting, _delegation, focal_point = nepal
    later = (date.today() + timedelta(days=3)).isoformat()
    response = upload(client, focal_point.token, pdf_bytes(), dated=later)
    assert response.status_code == 422
    assert "The letter's date cannot be in the future." in html.unescape(
        response.get_data(as_text=True)
    )
    empty = client.post(
        f"/d/{focal_point.token}/credentials", data={"reference": "x" * 201}, headers=EN
    )
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422
    assert "Choose the PDF file of the letter." in page
    assert "At most 200 characters." in page
