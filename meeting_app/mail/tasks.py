"""Mail delivery as tasks: each claims the mails it sends (mail/delivery.py), so
that any number of workers on any number of servers send each mail once."""

from celery import shared_task

from meeting_app.mail import delivery

# How long one sweep sends at most: beat starts the next one a minute later.
SWEEP_SECONDS = 50


@shared_task(name="mail.deliver")
def deliver(ids: list[int]) -> dict:
    """Sends the mails `ids` that are due and that no other worker holds (a request's
    mails, right after its commit)."""
    return dict(delivery.deliver(ids))


@shared_task(name="mail.sweep")
def sweep() -> dict:
    """Sends due pending mails (retries, bulk mails, mails whose task was lost),
    batch after batch, for SWEEP_SECONDS at most."""
    return dict(delivery.deliver_pending(budget=SWEEP_SECONDS))
