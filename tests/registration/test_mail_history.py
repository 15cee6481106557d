"""A participant's private page lists the e-mails written to them, each readable
there again; nobody else's."""

import html

import pytest

from meeting_app.extensions import db
from meeting_app.mail.models import OutgoingMail
from tests.conftest import registration_data


@pytest.fixture
def two_registered(client, open_meeting, inbox):
    meeting = open_meeting(slug="history")
    client.post(
        "/meetings/history/register", data=registration_data(meeting, email="a@example.org")
    )
    client.post(
        "/meetings/history/register", data=registration_data(meeting, email="b@example.org")
    )
    first, second = sorted(meeting.participants, key=lambda p: p.email)
    return meeting, first, second


def test_the_private_page_lists_the_mails_sent_and_shows_each_one(client, two_registered):
    _meeting, person, _other = two_registered
    (mail,) = db.session.scalars(
        db.select(OutgoingMail).where(OutgoingMail.participant_id == person.id)
    ).all()
    page = client.get(f"/r/{person.token}", headers={"Accept-Language": "en"}).get_data(True)
    assert "E-mails we sent you" in page
    assert html.escape(mail.subject, quote=False) in page
    shown = client.get(f"/r/{person.token}/mails/{mail.id}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    # The mail as sent, with the private link it carried.
    assert f"/r/{person.token}" in text and html.escape(person.full_name) in text
    assert shown.headers["Cache-Control"] == "no-store"


def test_another_persons_mail_is_not_found_through_my_link(client, two_registered):
    _meeting, person, other = two_registered
    others_mail = db.session.scalars(
        db.select(OutgoingMail).where(OutgoingMail.participant_id == other.id)
    ).first()
    assert client.get(f"/r/{person.token}/mails/{others_mail.id}").status_code == 404
    assert client.get(f"/r/{person.token}/mails/999999").status_code == 404
    assert client.get("/r/not-a-token/mails/1").status_code == 404
    page = client.get(f"/r/{person.token}").get_data(as_text=True)
    assert f"/mails/{others_mail.id}" not in page
