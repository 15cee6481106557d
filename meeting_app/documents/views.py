"""Letters and certificates: a participant's own from their private link, and
organisers' downloads (one person or everyone entitled)."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.i18n import requested_language
from meeting_app.core.views import attachment, private_page
from meeting_app.documents import letters
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.privacy import audit
from meeting_app.registration import services as registrations
from meeting_app.registration.models import Participant

bp = Blueprint("documents", __name__)
bp.after_request(private_page)  # reached by a private link; carries passport data

manage_bp = Blueprint("documents_manage", __name__, url_prefix="/manage/meetings/<slug>")
require_role(manage_bp, Role.ORGANISER)
manage_bp.after_request(private_page)

ENTITLED = {
    letters.LETTER: letters.entitled_to_letter,
    letters.CERTIFICATE: letters.entitled_to_certificate,
}
FILENAMES = {letters.LETTER: "invitation-letter", letters.CERTIFICATE: "certificate"}


def _pdf(meeting, kind: str, people: list[Participant], language: str, filename: str, back: str):
    try:
        pdf = letters.documents_pdf(meeting, kind, people, language)
    except RenderError:
        flash(_("The document could not be prepared. Please try again in a moment."), "error")
        return redirect(back)
    return attachment(pdf, filename, "application/pdf")


def _staff_pdf(meeting, kind: str, people: list[Participant], language: str, filename: str, back):
    """An organiser's download, written to the audit log once it is made."""
    response = _pdf(meeting, kind, people, language, filename, back)
    if response.mimetype == "application/pdf":
        audit.record(
            "documents.downloaded",
            user=current_user,
            meeting=meeting,
            participant=people[0] if len(people) == 1 else None,
            details=f"{kind}, {len(people)}",
        )
        db.session.commit()
    return response


@bp.get("/r/<token>/<any(letter, certificate):kind>.pdf")
def own_document(token: str, kind: str):
    """A participant's own letter or certificate; the same 404 for an unknown link
    and for a document they are not entitled to."""
    participant = registrations.find_by_token(token)
    if participant is None or not ENTITLED[kind](participant):
        abort(404)
    return _pdf(
        participant.meeting,
        kind,
        [participant],
        requested_language(participant.preferred_language),
        f"{participant.meeting.slug}-{FILENAMES[kind]}.pdf",
        url_for("registration.private_page", token=token),
    )


@manage_bp.get("/<any(letters, certificates):kind>.pdf")
def all_documents(slug: str, kind: str):
    meeting = meetings.get_meeting(slug)
    kind = letters.LETTER if kind == "letters" else letters.CERTIFICATE
    people = (
        letters.letter_recipients(meeting)
        if kind == letters.LETTER
        else letters.certificate_recipients(meeting)
    )
    back = url_for("registration_manage.index", slug=slug)
    if not people:
        flash(_("Nobody is entitled to this document yet."), "warning")
        return redirect(back)
    name = "invitation-letters" if kind == letters.LETTER else "certificates"
    return _staff_pdf(
        meeting,
        kind,
        people,
        requested_language(meeting.default_language),
        f"{slug}-{name}.pdf",
        back,
    )


@manage_bp.get("/registrations/<int:participant_id>/<any(letter, certificate):kind>.pdf")
def one_document(slug: str, participant_id: int, kind: str):
    meeting = meetings.get_meeting(slug)
    participant = meetings.get_in_meeting(Participant, participant_id, meeting)
    back = url_for("registration_manage.detail", slug=slug, participant_id=participant_id)
    if not ENTITLED[kind](participant):
        flash(_("This participant is not entitled to this document."), "warning")
        return redirect(back)
    return _staff_pdf(
        meeting,
        kind,
        [participant],
        requested_language(participant.preferred_language),
        f"{slug}-{FILENAMES[kind]}-{participant.id}.pdf",
        back,
    )
