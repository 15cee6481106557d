"""The role a badge prints: the person named head of their delegation is "Head of
delegation", the one they replace becomes a delegate, and everyone else registered
(on the public form, by an organiser, at the desk) is a delegate unless an
organiser chooses otherwise."""

import io
import re

import pytest
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import Participant, ParticipantRole, RegistrationChange
from tests.conftest import registration_data

HEAD, DELEGATE = ParticipantRole.HEAD_OF_DELEGATION, ParticipantRole.DELEGATE


@pytest.fixture
def organiser(client, make_user, login):
    user = make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")
    return user


def _badge_text(client, person: Participant) -> str:
    """The badge the desk prints for `person`, as text (in lower case: the design
    may print the role in capitals)."""
    response = client.post(
        f"/desk/meetings/board/participants/{person.id}/badge.pdf",
        data={"layout": "a6"},
        headers={"Accept-Language": "en"},
    )
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    return " ".join(text.split()).casefold()


def _name_head(client, delegation, person) -> None:
    prefix = f"d{delegation.id}-"
    response = client.post(
        f"/manage/meetings/board/delegations/{delegation.id}",
        data={prefix + "head_id": str(person.id) if person else "", prefix + "size_limit": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()


def test_naming_the_head_prints_head_of_delegation_and_the_former_head_a_delegate(
    client, organiser, open_meeting, make_participant
):
    """Two delegates of Senegal; the organisers name one head, then the other."""
    meeting = open_meeting(slug="board")
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    awa = make_participant(meeting, badge_name="Awa Ndiaye", delegation=senegal, role=DELEGATE)
    omar = make_participant(meeting, badge_name="Omar Sall", delegation=senegal, role=DELEGATE)
    assert "delegate" in _badge_text(client, awa)

    _name_head(client, senegal, awa)
    assert senegal.head is awa and awa.role is HEAD
    assert "head of delegation" in _badge_text(client, awa)

    _name_head(client, senegal, omar)
    assert senegal.head is omar and (omar.role, awa.role) == (HEAD, DELEGATE)
    awa_badge = _badge_text(client, awa)
    assert "delegate" in awa_badge and "head of delegation" not in awa_badge
    assert "head of delegation" in _badge_text(client, omar)

    # Kept like any organiser's change: in each person's history and the audit log.
    history = [
        c.details
        for c in db.session.execute(
            db.select(RegistrationChange)
            .filter_by(participant_id=awa.id, by_user_id=organiser.id)
            .order_by(RegistrationChange.id)
        ).scalars()
    ]
    assert history == ["role: delegate → head_of_delegation", "role: head_of_delegation → delegate"]
    audited = db.session.execute(
        db.select(AuditEntry.participant_id).filter_by(
            action="participant.edited", details="role", user_id=organiser.id
        )
    ).scalars()
    assert sorted(audited) == sorted([awa.id, awa.id, omar.id])


def test_unnaming_the_head_makes_them_a_delegate_and_other_roles_stay(
    client, organiser, open_meeting, make_participant
):
    """The head is taken away without a successor; a speaker of the delegation
    (not a head) keeps their role throughout."""
    meeting = open_meeting(slug="board")
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    awa = make_participant(meeting, delegation=senegal, role=DELEGATE)
    speaker = make_participant(meeting, delegation=senegal, role=ParticipantRole.SPEAKER)
    _name_head(client, senegal, awa)
    _name_head(client, senegal, None)
    assert senegal.head is None
    assert (awa.role, speaker.role) == (DELEGATE, ParticipantRole.SPEAKER)


def _role_sent(page: str) -> str:
    """What a browser sends for the role select: its selected option, else its first."""
    select = re.search(r'<select[^>]*name="role"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r"<option([^>]*)>", select)
    chosen = next((o for o in options if re.search(r"\bselected\b", o)), options[0])
    return re.search(r'value="([^"]*)"', chosen).group(1)


def test_people_added_by_organisers_are_delegates_unless_chosen_otherwise(
    client, organiser, open_meeting
):
    """An organiser fills in the form for someone and leaves the role as it comes."""
    meeting = open_meeting(slug="board")
    page = client.get("/manage/meetings/board/registrations/new").get_data(as_text=True)
    assert _role_sent(page) == "delegate"
    data = registration_data(meeting, country="SN", role=_role_sent(page))
    assert client.post("/manage/meetings/board/registrations/new", data=data).status_code == 302
    person = db.session.execute(db.select(Participant)).scalar_one()
    assert person.role is DELEGATE
    assert "delegate" in _badge_text(client, person)


def test_people_who_register_themselves_are_delegates(client, open_meeting):
    """The public form has no role at all."""
    meeting = open_meeting(slug="board")
    assert 'name="role"' not in client.get("/meetings/board/register").get_data(as_text=True)
    client.post("/meetings/board/register", data=registration_data(meeting, country="SN"))
    assert db.session.execute(db.select(Participant.role)).scalar_one() is DELEGATE
