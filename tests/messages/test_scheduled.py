"""Scheduled messages: sent by the scheduler once their time has come, once even
when two schedulers run; a cancelled one never."""

from datetime import timedelta

from meeting_app.core.tasks import commit
from meeting_app.extensions import db
from meeting_app.mail.models import OutgoingMail
from meeting_app.messages import tasks
from meeting_app.messages.models import Message, MessageState
from meeting_app.models import utcnow


def scheduled(meeting, when, state=MessageState.SCHEDULED):
    message = Message(
        meeting=meeting,
        texts={"en": {"subject": "Bus at 08:15", "body": "Hello {{ first_name }}"}},
        criteria={"statuses": ["approved"]},
        state=state,
        send_at=when,
        base_url="https://meetings.example.org",
    )
    db.session.add(message)
    commit()
    return message


def mails():
    return db.session.execute(db.select(OutgoingMail)).scalars().all()


def test_a_scheduled_message_goes_when_due_and_once(meeting, make_participant):
    person = make_participant(meeting, given_name="Ana")
    message = scheduled(meeting, utcnow() + timedelta(hours=1))
    assert tasks.send_due() == 0 and mails() == []  # not yet
    message.send_at = utcnow() - timedelta(seconds=1)  # its time has come
    commit()
    assert tasks.send_due() == 1
    assert tasks.send_due() == 0  # a second scheduler finds nothing left
    db.session.expire_all()
    [mail] = mails()
    assert mail.recipient == person.email and mail.body_text == "Hello Ana\n"
    assert db.session.get(Message, message.id).state is MessageState.SENT


def test_a_cancelled_message_never_goes(meeting, make_participant):
    make_participant(meeting)
    scheduled(meeting, utcnow() - timedelta(minutes=1), state=MessageState.CANCELLED)
    assert tasks.send_due() == 0
    assert mails() == []


def test_cancelling_from_the_page(client, organiser, meeting, make_participant):
    make_participant(meeting)
    message = scheduled(meeting, utcnow() + timedelta(hours=1))
    client.post(f"/manage/meetings/rabat/messages/{message.id}/cancel")
    message.send_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert tasks.send_due() == 0 and mails() == []
