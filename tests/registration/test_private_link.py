"""The participant's private page /r/<token>: see, edit, cancel; forged tokens get 404."""

from datetime import UTC, datetime, timedelta

import pytest

from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus
from meeting_app.registration.services import find_by_token
from tests.conftest import registration_data


@pytest.fixture
def registered(client, open_meeting, inbox):
    def factory(slug="m", **meeting_values):
        meeting = open_meeting(slug=slug, **meeting_values)
        client.post(f"/meetings/{slug}/register", data=registration_data(meeting, country="SN"))
        inbox.clear()
        participant = meeting.participants[0]
        return meeting, participant

    return factory


def test_private_page_shows_the_registration_and_is_not_cached(client, registered):
    _meeting, participant = registered()
    response = client.get(f"/r/{participant.token}", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Submitted" in html and "Ministère des Affaires étrangères" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # same selector, wrong secret
        lambda t: "A" * len(t),
        lambda t: t[:20],
        lambda t: t + "<script>",
        lambda t: "../" + t,
    ],
)
def test_forged_tokens_get_the_same_404_as_unknown_ones(client, registered, mangle):
    _meeting, participant = registered()
    unknown = client.get("/r/" + "x" * 43)
    forged = client.get("/r/" + mangle(participant.token))
    assert forged.status_code == unknown.status_code == 404
    assert find_by_token(mangle(participant.token)) is None


def test_participant_edits_and_the_change_is_recorded(client, registered):
    _meeting, participant = registered()
    data = registration_data(_meeting, country="MA", organisation="Commune de Tanger")
    data.pop("acknowledge_data_use")
    response = client.post(f"/r/{participant.token}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert participant.organisation == "Commune de Tanger"
    assert participant.delegation.country_code == "MA"
    change = participant.changes[0]
    assert change.actor == "participant"
    assert "organisation: Ministère des Affaires étrangères → Commune de Tanger" in change.details


def test_approved_participants_edit_goes_back_for_approval_when_the_meeting_says_so(
    client, registered, inbox
):
    meeting, participant = registered(requires_approval_of_changes=True)
    participant.status = RegistrationStatus.APPROVED
    db.session.commit()
    data = registration_data(meeting, country="SN", position="Directrice")
    client.post(f"/r/{participant.token}/edit", data=data)
    db.session.expire_all()
    assert participant.status is RegistrationStatus.SUBMITTED
    assert participant.position == "Directrice"


def test_edit_with_bad_input_keeps_what_was_typed(client, registered):
    meeting, participant = registered()
    data = registration_data(meeting, country="SN", email="broken@", given_name="Awa")
    response = client.post(f"/r/{participant.token}/edit", data=data)
    assert response.status_code == 422
    assert 'value="broken@"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert participant.email == "ndeye.diop@example.org" and participant.given_name == "Ndèye"


def test_edit_is_refused_once_registration_closes(client, registered):
    meeting, participant = registered()
    meeting.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/r/{participant.token}/edit")
    assert response.status_code == 302
    assert client.get(f"/r/{participant.token}").status_code == 200


def test_cancel_needs_confirmation_then_frees_the_seat_for_the_waiting_list(
    client, open_meeting, inbox
):
    meeting = open_meeting(slug="full", capacity=1, requires_approval=False)
    client.post("/meetings/full/register", data=registration_data(meeting, email="a@example.org"))
    client.post("/meetings/full/register", data=registration_data(meeting, email="b@example.org"))
    first, waiting = sorted(meeting.participants, key=lambda p: p.email)
    assert waiting.status is RegistrationStatus.WAITLISTED
    inbox.clear()
    client.post(f"/r/{first.token}/cancel", data={})
    db.session.expire_all()
    assert first.status is RegistrationStatus.APPROVED  # no confirmation ticked: nothing done
    client.post(f"/r/{first.token}/cancel", data={"confirm": "y"})
    db.session.expire_all()
    assert first.status is RegistrationStatus.CANCELLED
    assert waiting.status is RegistrationStatus.APPROVED
    assert meeting.seats_taken == 1
    assert len(inbox.to("a@example.org")) == 1
    (promotion,) = inbox.to("b@example.org")
    assert f"/r/{waiting.token}" in inbox.body(promotion)
    assert [c.actor for c in waiting.changes][:1] == ["waiting list"]
    # Cancelling twice changes nothing more.
    client.post(f"/r/{first.token}/cancel", data={"confirm": "y"})
    db.session.expire_all()
    assert meeting.seats_taken == 1
