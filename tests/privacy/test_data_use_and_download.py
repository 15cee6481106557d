"""What participants are told about their data, and the download of all of it
from their private link (their own only)."""

import json
import secrets
from datetime import UTC, date, datetime, time

from meeting_app.agenda.attendance import attend
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.documents.models import BadgePrint
from meeting_app.extensions import db
from meeting_app.registration.models import Participant
from tests.conftest import registration_data


def _register(client, meeting, **values) -> Participant:
    response = client.post(
        f"/meetings/{meeting.slug}/register", data=registration_data(meeting, **values)
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    email = values.get("email", "ndeye.diop@example.org")
    return db.session.execute(db.select(Participant).filter_by(email=email)).scalar_one()


def test_registration_form_says_what_is_collected_and_why(client, open_meeting):
    meeting = open_meeting(slug="board", retention_days_after_end=45)
    page = client.get("/meetings/board/register", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "Nationality and passport number" in text
    assert "Only for your visa invitation letter" in text
    assert "Dietary and accessibility needs" in text
    assert "deleted 45 days after the meeting ends" in text
    assert 'href="/meetings/board/privacy"' in text

    privacy = client.get("/meetings/board/privacy", headers={"Accept-Language": "en"})
    assert privacy.status_code == 200
    text = privacy.get_data(as_text=True)
    assert "Who sees it" in text
    assert "45 days after the meeting ends" in text
    assert str(meeting.purge_date.year) in text


def test_privacy_page_in_french(client, open_meeting):
    open_meeting(slug="board")
    page = client.get("/meetings/board/privacy", headers={"Accept-Language": "fr"})
    text = page.get_data(as_text=True)
    assert "Qui les voit" in text
    assert "passeport" in text


def test_privacy_page_of_a_draft_meeting_is_not_public(client, make_meeting):
    from meeting_app.meetings.models import MeetingStatus

    make_meeting(slug="secret", status=MeetingStatus.DRAFT)
    assert client.get("/meetings/secret/privacy").status_code == 404


def test_participant_downloads_all_data_held_about_them(client, inbox, rabat, add_session):
    now = datetime.now(UTC)
    rabat.registration_opens_at = now.replace(year=now.year - 1)
    rabat.registration_closes_at = now.replace(year=now.year + 1)
    rabat.requires_approval = False
    db.session.add(Delegation(meeting=rabat, country_code="SN"))
    db.session.commit()
    person = _register(
        client,
        rabat,
        dietary_needs="Halal",
        needs_visa_letter="y",
        nationality_code="SN",
        passport_number="A7654321",
        country="SN",
    )
    session = add_session(title="Opening plenary", start=time(9, 0), end=time(10, 0))
    attend(person, session)
    db.session.add(CheckIn(participant_id=person.id, day=date(2022, 6, 13)))
    db.session.add(BadgePrint(participant_id=person.id, layout="a6"))
    db.session.commit()

    page = client.get(f"/r/{person.token}").get_data(as_text=True)
    assert f"/r/{person.token}/data.json" in page

    response = client.get(f"/r/{person.token}/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    registration = data["registration"]
    assert registration["given_name"] == "Ndèye"
    assert registration["email"] == "ndeye.diop@example.org"
    assert registration["phone"] == "+221 77 123 45 67"
    assert registration["passport_number"] == "A7654321"
    assert registration["nationality_code"] == "SN"
    assert registration["dietary_needs"] == "Halal"
    assert registration["delegation"] == "SN"
    assert registration["status"] == "approved"
    assert [c["to"] for c in data["status_history"]] == ["approved"]
    assert [c["day"] for c in data["check_ins"]] == ["2022-06-13"]
    assert [p["layout"] for p in data["badge_prints"]] == ["a6"]
    assert data["sessions"][0]["title"]["en"] == "Opening plenary"
    assert len(data["emails"]) == 1
    mail = data["emails"][0]
    assert mail["status"] == "sent" and mail["subject"].startswith("Votre inscription")
    assert "body_text" not in mail  # subject, dates and status: the text is in their inbox


def test_a_token_gives_only_its_owners_data(client, open_meeting, make_participant):
    meeting = open_meeting(slug="board")
    mine = make_participant(meeting, email="mine@example.org", passport_number="MINE123")
    other = make_participant(meeting, email="other@example.org", passport_number="OTHER456")
    body = client.get(f"/r/{mine.token}/data.json").get_data(as_text=True)
    assert "mine@example.org" in body and "MINE123" in body
    assert "other@example.org" not in body and "OTHER456" not in body

    # A forged token, one changed by a character, or the selector alone: the same 404.
    forged = mine.token[:-1] + ("A" if mine.token[-1] != "A" else "B")
    for token in (forged, secrets.token_urlsafe(32), mine.token[:12], str(other.id)):
        response = client.get(f"/r/{token}/data.json")
        assert response.status_code == 404
        assert "other@example.org" not in response.get_data(as_text=True)
