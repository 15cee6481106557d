"""Badges drawn ahead of printing, as tasks.

Whenever a change that shows on badges is committed (an approval, a new name on a
badge, a new photo, a walk-in; the meeting's colours, logo, dates or photo setting),
a task draws the meeting's badges that are not drawn yet (documents.draw_ahead);
so does a print that had to draw badges, for the next print of its kind. Printing
a thousand badges on the eve of the meeting then only places pages. This is a
cache: a print draws whatever is still missing itself, so nothing depends on it.

The task is asked for after the commit only (core.tasks.enqueue), once per
meeting and transaction; however many workers and servers receive such tasks,
one draws a meeting's badges at a time and the others leave it a note to go round
once more (tasks.draw_ahead), so that each badge version is drawn once.

Off in tests (BADGES_AHEAD), where each test that needs it turns it on.
"""

import click
import sqlalchemy as sa
from flask import current_app, has_request_context

from meeting_app.core import tasks
from meeting_app.core.security import public_base_url
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.questions.models import FormAnswer
from meeting_app.registration.models import Participant, RegistrationStatus

NOTED = "badges_changed"  # session.info key: meetings already asked for in this transaction


def listen() -> None:
    """Once per process: the listener holds for every app's sessions (the session
    class is shared), each app's BADGES_AHEAD deciding. What happens at the commit
    or rollback is core.tasks' own listeners' business."""
    if not sa.event.contains(db.session, "after_flush", _note_changes):
        sa.event.listen(db.session, "after_flush", _note_changes)
        sa.event.listen(db.session, "after_commit", _forget)
        sa.event.listen(db.session, "after_rollback", _forget)


# What a badge shows, or decides whether there is one (badges.badge_views).
PARTICIPANT_FIELDS = (
    "status",
    "badge_name",
    "organisation",
    "delegation_id",
    "category",
    "role",
    "badge_code",
    "erased_at",
)
MEETING_FIELDS = (
    "title",
    "start_date",
    "end_date",
    "city",
    "badge_colours",
    "logo_png",
    "photo_on_badges",
)


def _changed(obj, fields: tuple[str, ...]) -> bool:
    attributes = sa.inspect(obj).attrs
    return any(attributes[field].history.has_changes() for field in fields)


def _note_changes(session, _flush_context) -> None:
    """After a flush, while the objects still tell what changed: the meetings whose
    badges may look different. (A registration waiting for approval, a check-in or
    a chosen session change nothing on a badge: no drawing for those.)"""
    changed = set()
    for obj in session.new:
        if isinstance(obj, Participant) and obj.status == RegistrationStatus.APPROVED:
            changed.add(obj.meeting_id)
    for obj in session.dirty:
        if isinstance(obj, Participant) and _changed(obj, PARTICIPANT_FIELDS):
            changed.add(obj.meeting_id)
        elif isinstance(obj, Meeting) and _changed(obj, MEETING_FIELDS):
            changed.add(obj.id)
    changed.update(_new_photos(session))
    noted = session.info.setdefault(NOTED, set())
    for meeting_id in changed - noted - {None}:
        noted.add(meeting_id)
        _changed_meeting(meeting_id)


def _new_photos(session) -> set[int]:
    """The meetings of approved people whose answer with a file (a photo, perhaps)
    was given, changed or removed: a new photo draws their badge again. (Whether the
    question is the photo one is left to the digest, not looked up here.)"""
    meetings = set()
    answers = [a for a in session.new if isinstance(a, FormAnswer) and a.file_id is not None]
    answers += [
        a for a in session.dirty if isinstance(a, FormAnswer) and _changed(a, ("file_id", "file"))
    ]
    answers += [a for a in session.deleted if isinstance(a, FormAnswer) and a.file_id is not None]
    for answer in answers:
        person = session.get(Participant, answer.participant_id)
        if person is not None and person.status == RegistrationStatus.APPROVED:
            meetings.add(person.meeting_id)
    return meetings


def _forget(session) -> None:
    session.info.pop(NOTED, None)


def _changed_meeting(meeting_id: int) -> None:
    # The QR codes hold the site's address: known in a request or from PUBLIC_URL;
    # a command-line change with neither leaves the drawing to the next print.
    if has_request_context() or current_app.config.get("PUBLIC_URL"):
        request(meeting_id, public_base_url())


def request(
    meeting_id: int, base_url: str, format: str | None = None, language: str | None = None
) -> None:
    """Draws the meeting's missing badges (in `format` and `language`; by default
    those of the last print) in a task, once this transaction commits."""
    app = current_app
    if not app.config.get("BADGES_AHEAD"):
        return
    # Embedded, the task would run in this process: not in a command, which would
    # wait at its exit for the drawing to finish.
    if tasks.embedded(app) and click.get_current_context(silent=True):
        return
    from meeting_app.documents.tasks import draw_ahead

    tasks.enqueue(draw_ahead, meeting_id, base_url, format, language)
