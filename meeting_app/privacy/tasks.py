"""The retention purge as a daily task (Celery beat; `flask privacy purge` by cron
where no broker runs)."""

from celery import shared_task

from meeting_app.core import tasks
from meeting_app.privacy import services


@shared_task(name="privacy.purge")
def purge() -> int:
    """Purges every meeting past its retention period; returns how many. Running it
    again deletes nothing more."""
    purged, _not_due = services.purge_all_due()
    tasks.commit()
    return len(purged)
