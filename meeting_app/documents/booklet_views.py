"""The public programme booklet (`/meetings/<slug>/agenda.pdf`). Here rather than
in the agenda's views: the booklet is a document drawn from the agenda, and the
agenda sits below documents."""

from flask import Blueprint, Response, abort, current_app, request

from meeting_app.core import tasks
from meeting_app.core.i18n import requested_language
from meeting_app.documents import booklet
from meeting_app.documents.pdf import RenderError
from meeting_app.meetings import services as meetings

bp = Blueprint("booklet", __name__)


@bp.get("/meetings/<slug>/agenda.pdf")
def programme_pdf(slug: str):
    """The printable programme booklet (?lang=, ?paper=a4|letter)."""
    meeting = meetings.get_public_meeting(slug)
    paper = request.args.get("paper", "a4")
    if paper not in booklet.PAPER:
        abort(404)
    try:
        # Kept from its drawing ahead (documents/booklet_store.py); drawn now only
        # when no worker has drawn it yet, and then kept for every other request.
        found = booklet.booklet_file(meeting, language=requested_language(), paper=paper)
    except RenderError:
        current_app.logger.exception("Programme booklet failed for %s", slug)
        abort(500)
    if found.drawn:
        tasks.commit()
    response = Response(found.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{meeting.slug}-programme.pdf"'
    # The digest changes with whatever the booklet shows: a reader's copy is checked
    # with one small request, and a new version is fetched.
    response.set_etag(f"{found.version}-{found.digest}")
    return response.make_conditional(request)
