"""Composing: the recipients shown before sending, the send button with its count,
the preview per language, the test to oneself, sending once, and bad input."""

import re
from datetime import UTC, datetime, timedelta

from meeting_app.extensions import db
from meeting_app.mail.models import OutgoingMail
from meeting_app.messages.models import Message, MessageRecipient, MessageState
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import RegistrationStatus
from tests.messages.conftest import compose


def people(make_participant, meeting, nepal):
    return [
        make_participant(
            meeting, given_name="Zoé", family_name="Zed", delegation=nepal, preferred_language="fr"
        ),
        make_participant(
            meeting,
            given_name="Ana",
            family_name="Alpha",
            delegation=nepal,
            preferred_language="en",
        ),
        make_participant(meeting, given_name="Sam", family_name="Other"),
        make_participant(
            meeting,
            given_name="Wes",
            family_name="Waiting",
            delegation=nepal,
            status=RegistrationStatus.WAITLISTED,
        ),
    ]


def test_preview_lists_and_counts_the_recipients(
    client, organiser, meeting, nepal, make_participant
):
    people(make_participant, meeting, nepal)
    page = client.post(
        "/manage/meetings/rabat/messages/new",
        data=compose(meeting, statuses="approved", delegations=str(nepal.id)),
    ).get_data(as_text=True)
    assert "Send to 2 people" in page
    page_all = page
    page = page[page.index('class="recipients"') :]  # not the form's list of names
    assert "2 recipients" in page_all
    assert page.index("Ana Alpha") < page.index("Zoé Zed")  # sorted by name
    assert "Sam Other" not in page and "Wes Waiting" not in page
    # Zoé prefers French, which is not written: she gets English, and is told so.
    assert "will receive the English version" in page_all
    assert "Dear Ana, your link: http://localhost/r/" in page


def test_a_filter_matching_nobody_cannot_be_sent(client, organiser, meeting, nepal):
    response = client.post(
        "/manage/meetings/rabat/messages/new",
        data=compose(meeting, statuses="declined", action="send"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This filter matches nobody" in page
    assert 'id="send-button" disabled' in page
    assert "Nobody to send to" in page
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0


def test_bad_input_is_refused_field_by_field(client, organiser, meeting, nepal, make_participant):
    people(make_participant, meeting, nepal)
    tried = {
        "t_en-subject": "",  # empty subject in the default language
        "t_en-body": "x" * 100_001,  # over the limit
        "t_fr-body": "Bonjour {{ prenom }}",  # a typo of a placeholder
        "send_at": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post(
        "/manage/meetings/rabat/messages/new",
        data=compose(meeting, statuses="approved", action="send", **tried),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write the subject in English" in page
    assert "too long: 100,000 characters at most" in page
    assert "Unknown placeholders: {{ prenom }}" in page
    assert "Choose a time in the future" in page
    assert db.session.scalar(db.select(db.func.count(OutgoingMail.id))) == 0


def test_test_send_goes_to_the_organiser_only(client, organiser, meeting, nepal, make_participant):
    people(make_participant, meeting, nepal)
    client.post(
        "/manage/meetings/rabat/messages/new",
        data=compose(meeting, statuses="approved", action="test"),
    )
    mails = db.session.execute(db.select(OutgoingMail)).scalars().all()
    assert [m.recipient for m in mails] == ["boss@example.org"]
    assert mails[0].subject.startswith("[TEST] Logistics for Board meeting")


def test_sending_twice_sends_once(client, organiser, meeting, nepal, make_participant):
    everyone = people(make_participant, meeting, nepal)
    data = compose(
        meeting,
        statuses="approved",
        delegations=str(nepal.id),
        **{"t_fr-subject": "Logistique", "t_fr-body": "Chère {{ first_name }}"},
    )
    response = client.post("/manage/meetings/rabat/messages/new", data=data | {"action": "save"})
    message = db.session.execute(db.select(Message)).scalar_one()
    url = f"/manage/meetings/rabat/messages/{message.id}/"
    assert client.post(url, data=data | {"action": "send"}).status_code == 302
    # The double click: the second post finds the message gone already.
    second = client.post(url, data=data | {"action": "send"}, follow_redirects=True)
    assert "has been sent or cancelled already" in second.get_data(as_text=True)
    db.session.expire_all()
    mails = (
        db.session.execute(db.select(OutgoingMail).order_by(OutgoingMail.recipient)).scalars().all()
    )
    assert sorted(m.recipient for m in mails) == sorted(p.email for p in everyone[:2])
    by_person = {m.participant_id: m for m in mails}
    assert by_person[everyone[0].id].subject == "Logistique"  # Zoé, in French
    assert by_person[everyone[0].id].body_text == "Chère Zoé\n"
    assert f"/r/{everyone[1].token}" in by_person[everyone[1].id].body_text
    message = db.session.get(Message, message.id)
    assert message.state is MessageState.SENT and message.recipient_count == 2
    assert db.session.scalar(db.select(db.func.count(MessageRecipient.id))) == 2
    assert db.session.execute(db.select(AuditEntry.action)).scalars().all() == ["message.sent"]
    log = client.get(f"/manage/meetings/rabat/messages/{message.id}/log").get_data(as_text=True)
    assert "Zoé Zed" in log and "Ana Alpha" in log and "Approved" in log
    assert response.status_code == 302


def test_each_languages_wording_is_typed_in_its_direction(client, organiser, meeting):
    """The message's subject and text in Arabic right to left, in Russian left to
    right; the automatic mails' wording too."""
    meeting.languages = ["en", "ar", "ru"]
    db.session.commit()
    html = client.get("/manage/meetings/rabat/messages/new").get_data(as_text=True)
    for name, direction in (("t_ar-subject", "rtl"), ("t_ar-body", "rtl"), ("t_ru-body", "ltr")):
        (tag,) = re.findall(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html)
        assert f'dir="{direction}"' in tag and f'lang="{name[2:4]}"' in tag, name
    automatic = client.get(
        "/manage/meetings/rabat/messages/automatic/confirmation_submitted/ar"
    ).get_data(as_text=True)
    (subject,) = re.findall(r'<input[^>]*name="subject"[^>]*>', automatic)
    assert 'dir="rtl"' in subject and 'lang="ar"' in subject
