"""Sending organisers' messages: now (after the view took it) or when due (beat)."""

from celery import shared_task

from meeting_app.core.tasks import commit, enqueue
from meeting_app.messages import reminders, services


@shared_task(name="messages.send")
def send(message_id: int) -> int:
    """Writes the mails of a message taken for sending (state `sending`)."""
    count = services.deliver(message_id)
    commit()
    return count


@shared_task(name="messages.send_due")
def send_due() -> int:
    """Takes the scheduled messages whose time has come, each once (a conditional
    update: two schedulers never both take one), and sends them."""
    taken = 0
    for message_id in services.due_ids():
        if services.take(message_id, due_before=services.utcnow()):
            services.audit.record("message.sent", details=f"message {message_id} (scheduled)")
            enqueue(send, message_id)
            taken += 1
        commit()
    return taken


@shared_task(name="messages.send_reminders")
def send_reminders() -> int:
    """Writes the meetings' automatic reminders that are due (messages/reminders.py),
    each once per person: the claims and the mails commit together."""
    count = reminders.send_due()
    commit()
    return count
