"""Badges drawn ahead of printing, in the background.

Whenever a change that shows on badges is committed (an approval, a new name on a
badge, a walk-in; the meeting's colours, logo or dates), a thread draws the
meeting's badges that are not drawn yet (badges.draw_ahead), in one worker
process; so does a print that had to draw badges, for the next print of its kind.
Printing a thousand badges on the eve of the meeting then only places pages.
This is a cache: a print draws whatever is still missing itself, so nothing
depends on this thread having run.

Off in tests (BADGES_AHEAD), where each test that needs it turns it on.
"""

import threading

import click
import sqlalchemy as sa
from flask import Flask, current_app, has_request_context

from meeting_app.core.security import public_base_url
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus

_lock = threading.Lock()
_running: set[int] = set()  # meetings this process is drawing badges for
# Meetings changed again meanwhile, for one more round: in which format and
# language (None: those of the last print).
_again: dict[int, tuple[str, str] | None] = {}

CHANGED = "badges_changed"  # session.info key: ids of meetings changed in this transaction


def listen() -> None:
    """Once per process: the listeners hold for every app's sessions (the session
    class is shared), each app's BADGES_AHEAD deciding."""
    if not sa.event.contains(db.session, "after_commit", _after_commit):
        sa.event.listen(db.session, "after_flush", _note_changes)
        sa.event.listen(db.session, "after_commit", _after_commit)
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
MEETING_FIELDS = ("title", "start_date", "end_date", "city", "badge_colours", "logo_png")


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
    if changed:
        session.info.setdefault(CHANGED, set()).update(changed)


def _forget(session) -> None:
    session.info.pop(CHANGED, None)


def _after_commit(session) -> None:
    changed = session.info.pop(CHANGED, None)
    if not changed:
        return
    # The QR codes hold the site's address: known in a request or from PUBLIC_URL;
    # a command-line change with neither leaves the drawing to the next print.
    if has_request_context() or current_app.config.get("PUBLIC_URL"):
        for meeting_id in changed:
            start(meeting_id, public_base_url())


def start(meeting_id: int, base_url: str, what: tuple[str, str] | None = None) -> None:
    """Draws the meeting's missing badges (in `what`: format and language) in a
    thread; if one is already at it, it goes round once more when done instead."""
    # Not from a command: it would wait at its exit for the drawing to finish.
    if not current_app.config.get("BADGES_AHEAD") or click.get_current_context(silent=True):
        return
    with _lock:
        if meeting_id in _running:
            _again[meeting_id] = what
            return
        _running.add(meeting_id)
    app = current_app._get_current_object()
    threading.Thread(target=_run, args=(app, meeting_id, base_url, what), daemon=True).start()


def _run(app: Flask, meeting_id: int, base_url: str, what: tuple[str, str] | None) -> None:
    from meeting_app.documents.badges import draw_ahead

    with app.app_context():
        try:
            while True:
                meeting = db.session.get(Meeting, meeting_id)
                if meeting is not None:
                    draw_ahead(meeting, base_url, *(what or ()))
                db.session.rollback()  # read again from scratch on the next round
                with _lock:
                    if meeting_id not in _again:
                        _running.discard(meeting_id)
                        return
                    what = _again.pop(meeting_id)
        except Exception:  # a cache: the next print draws what is missing
            app.logger.exception("drawing badges ahead for meeting %s failed", meeting_id)
            with _lock:
                _running.discard(meeting_id)
                _again.pop(meeting_id, None)
        finally:
            db.session.remove()
