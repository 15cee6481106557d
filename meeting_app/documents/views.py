"""Letters and certificates: a participant's own from their private link, and
organisers' downloads (one person or everyone entitled); the official list of
participants."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import current_language, requested_language
from meeting_app.core.tasks import commit, enqueue
from meeting_app.core.views import attachment, private_page
from meeting_app.documents import export_jobs, job_views, jobs, letters, participant_list
from meeting_app.documents.pdf import RenderError
from meeting_app.documents.tasks import CERTIFICATES, LETTER_KINDS, LETTERS
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
        commit()
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


ROUTES = job_views.Routes(
    page="documents_manage.documents_job",
    status="documents_manage.documents_job_status",
    pdf="documents_manage.documents_job_pdf",
    retry="documents_manage.retry_documents_job",
    kinds=(LETTERS, CERTIFICATES),
)


@manage_bp.post("/<any(letters, certificates):kind>/jobs")
def start_documents_job(slug: str, kind: str):
    """Every letter, or every certificate, as one PDF: rendered by tasks, in
    chunks, while the job's page shows the progress."""
    meeting = meetings.get_meeting(slug)
    people = (
        letters.letter_recipients(meeting)
        if kind == LETTERS
        else letters.certificate_recipients(meeting)
    )
    if not people:
        flash(_("Nobody is entitled to this document yet."), "warning")
        return redirect(url_for("registration_manage.index", slug=slug))
    name = "invitation-letters" if kind == LETTERS else "certificates"
    job = jobs.create(
        meeting,
        current_user,
        kind=kind,
        parameters={
            "ids": [p.id for p in people],
            "language": requested_language(meeting.default_language),
        },
        total=len(people),
        filename=f"{slug}-{name}.pdf",
    )
    return job_views.started(meeting, job, ROUTES)


@manage_bp.get("/jobs/<job_id>")
def documents_job(slug: str, job_id: str):
    meeting = meetings.get_meeting(slug)
    job = job_views.job_or_404(meeting, job_id, ROUTES)
    return job_views.page(meeting, job, ROUTES, url_for("registration_manage.index", slug=slug))


@manage_bp.get("/jobs/<job_id>.json")
def documents_job_status(slug: str, job_id: str):
    meeting = meetings.get_meeting(slug)
    return jsonify(job_views.status(meeting, job_views.job_or_404(meeting, job_id, ROUTES), ROUTES))


@manage_bp.get("/jobs/<job_id>.pdf")
def documents_job_pdf(slug: str, job_id: str):
    """The finished PDF, each download written to the audit log."""
    meeting = meetings.get_meeting(slug)
    job = job_views.job_or_404(meeting, job_id, ROUTES)
    response = job_views.download(job)
    ids = job.parameters["ids"]
    audit.record(
        "documents.downloaded",
        user=current_user,
        meeting=meeting,
        participant=db.session.get(Participant, ids[0]) if len(ids) == 1 else None,
        details=f"{LETTER_KINDS[job.kind]}, {job.total}",
    )
    commit()
    return response


@manage_bp.post("/jobs/<job_id>/retry")
def retry_documents_job(slug: str, job_id: str):
    meeting = meetings.get_meeting(slug)
    job = job_views.job_or_404(meeting, job_id, ROUTES)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return job_views.retry(meeting, job, ROUTES)


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


@manage_bp.get("/list-of-participants")
def list_of_participants_page(slug: str):
    """Choosing the language, the edition and the format of the official list."""
    meeting = meetings.get_meeting(slug)
    return render_template(
        "documents/list_of_participants_page.html",
        meeting=meeting,
        language=participant_list.choose_language(
            None, meeting.languages, current_language(), meeting.default_language
        ),
        editions=participant_list.EDITION_LABELS,
        unlisted=participant_list.unlisted_count(meeting),
    )


@manage_bp.get("/list-of-participants.<any(pdf, xlsx, docx):fmt>")
def list_of_participants(slug: str, fmt: str):
    """The official list; a language the meeting has not, or an unknown edition,
    is a document that does not exist (404). A list of more people than
    LIST_IN_REQUEST_MAX_PEOPLE is drawn by a task instead, followed on the job's
    page (drawn in the request, it would meet the web worker's timeout)."""
    meeting = meetings.get_meeting(slug)
    language = participant_list.choose_language(
        request.args.get("language"),
        meeting.languages,
        current_language(),
        meeting.default_language,
    )
    edition = participant_list.choose_edition(request.args.get("edition"))
    if language is None or edition is None:
        abort(404)
    total = participant_list.listed_count(meeting, edition)
    if total > current_app.config["LIST_IN_REQUEST_MAX_PEOPLE"]:
        job = export_jobs.create_list(
            meeting, current_user, fmt=fmt, language=language, edition=edition, total=total
        )
        _list_exported(meeting, fmt, language, edition, total)
        return _list_started(meeting, job)
    document = participant_list.build(meeting, language=language, edition=edition)
    try:
        body = participant_list.EXPORTERS[fmt](document)
    except RenderError:
        flash(_("The document could not be prepared. Please try again in a moment."), "error")
        return redirect(url_for("documents_manage.list_of_participants_page", slug=slug))
    _list_exported(meeting, fmt, language, edition, document.count)
    commit()
    return attachment(body, document.filename(fmt), participant_list.MIMETYPES[fmt])


def _list_exported(
    meeting, fmt: str, language: str, edition: participant_list.Edition, people: int
) -> None:
    """The audit entry of a list asked for: once, when it is drawn in the request
    or when its job starts (a retry or a download of the job's file adds none)."""
    audit.record(
        "participants.exported",
        user=current_user,
        meeting=meeting,
        details=f"list of participants, {fmt}, {language}, {edition.value}, {people}",
    )


LIST_JOBS = job_views.Routes(
    page="documents_manage.list_of_participants_job",
    status="documents_manage.list_of_participants_job_status",
    pdf="documents_manage.list_of_participants_job_file",
    retry="documents_manage.retry_list_of_participants_job",
    kinds=(export_jobs.PARTICIPANT_LIST,),
)


def _list_started(meeting, job):
    """Sends the list's task once the job is stored; the job's page follows it
    (JSON for the page's script)."""
    enqueue(export_jobs.export_participant_list, job.id)
    commit()
    if job_views.wants_json():
        return jsonify(job_views.status(meeting, job, LIST_JOBS)), 202
    return redirect(url_for(LIST_JOBS.page, slug=meeting.slug, job_id=job.id), 303)


@manage_bp.get("/list-of-participants/jobs/<job_id>")
def list_of_participants_job(slug: str, job_id: str):
    meeting = meetings.get_meeting(slug)
    job = job_views.job_or_404(meeting, job_id, LIST_JOBS)
    return render_template(
        "documents/list_of_participants_job.html",
        meeting=meeting,
        job=job,
        edition=participant_list.EDITION_LABELS[
            participant_list.Edition(job.parameters["edition"])
        ],
        job_status=job_views.status(meeting, job, LIST_JOBS),
        empty_form=EmptyForm(),
    )


@manage_bp.get("/list-of-participants/jobs/<job_id>.json")
def list_of_participants_job_status(slug: str, job_id: str):
    meeting = meetings.get_meeting(slug)
    job = job_views.job_or_404(meeting, job_id, LIST_JOBS)
    return jsonify(job_views.status(meeting, job, LIST_JOBS))


@manage_bp.get("/list-of-participants/jobs/<job_id>/file")
def list_of_participants_job_file(slug: str, job_id: str):
    """The finished list, read from the database a piece at a time."""
    meeting = meetings.get_meeting(slug)
    job = job_views.job_or_404(meeting, job_id, LIST_JOBS)
    if job.state != jobs.DONE:
        abort(404)
    body = stream_with_context(export_jobs.pieces(job.id, job.parts))
    return attachment(body, job.filename, participant_list.MIMETYPES[job.parameters["fmt"]])


@manage_bp.post("/list-of-participants/jobs/<job_id>/retry")
def retry_list_of_participants_job(slug: str, job_id: str):
    """The same list again (the failed job stays failed)."""
    meeting = meetings.get_meeting(slug)
    job = job_views.job_or_404(meeting, job_id, LIST_JOBS)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if job.state != jobs.FAILED:
        abort(409)
    return _list_started(meeting, jobs.again(job, meeting, current_user))
