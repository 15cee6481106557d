"""A meeting's documents, in four blueprints, each guarded once:

- `materials`: the public ones (/meetings/<slug>/documents/...), of a published
  meeting (get_public_meeting);
- `materials_private`: an approved participant's (/r/<token>/documents/...): the
  one look-up by token is the guard, and the link opens only the participants'
  and public documents (a staff document is a 404 there);
- `materials_manage`: the organisers' (/manage/meetings/<slug>/documents/...):
  list, add, edit, upload or replace a language's file, delete;
- `materials_desk`: the meeting's hosts and organisers (/desk/meetings/<slug>/
  documents/...): every document, staff ones included.

The public pages of other domains (the meeting, a session, the agenda, "My
programme") list documents through the template globals `public_documents` and
`participant_documents`, and the private page through a registration section."""

from babel.dates import format_date
from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.agenda.published import published_agenda
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import current_language, language_name, localized
from meeting_app.core.tasks import commit
from meeting_app.core.uploads import accepts_upload
from meeting_app.core.views import private_page
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.materials import services
from meeting_app.materials.forms import DocumentForm
from meeting_app.materials.models import DocumentFile, MeetingDocument, Visibility
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.privacy import audit
from meeting_app.registration import sections
from meeting_app.registration.models import Participant
from meeting_app.registration.services import find_by_token

bp = Blueprint("materials", __name__)

private_bp = Blueprint("materials_private", __name__)
private_bp.after_request(private_page)

manage_bp = Blueprint("materials_manage", __name__, url_prefix="/manage/meetings/<slug>/documents")
require_role(manage_bp, Role.ORGANISER)

desk_bp = Blueprint("materials_desk", __name__, url_prefix="/desk/meetings/<slug>/documents")
require_role(desk_bp, Role.HOST)


# --- Shared ------------------------------------------------------------------------------


def _serve(found: DocumentFile | None):
    if found is None:
        abort(404)
    return files.response(found)


def _documents_page(meeting: Meeting, visibilities, base_url: str) -> dict:
    """What a documents page shows: the shelf, then (session, start, title, documents) of
    the published sessions that have documents, in time order; and documents of
    sessions not published (staff pages show them apart; others never)."""
    language = current_language()
    published = sorted(published_agenda(meeting).sessions, key=lambda s: (s.starts_at, s.id))
    shelf = services.shelf(meeting, services.listed(meeting, visibilities), base_url, language)
    ids = {s.id for s in published}
    tz = meeting.tz
    days: dict = {}  # each day's name, made once (Babel is slow for 300 sessions)

    def when(moment) -> str:
        local = moment.astimezone(tz)
        if local.date() not in days:
            days[local.date()] = format_date(local.date(), "EEE d MMM y", locale=language)
        return f"{days[local.date()]}, {local:%H:%M}"

    return {
        "meeting": meeting,
        "shelf": shelf,
        "sessions": [
            (
                s,
                when(s.starts_at),
                localized(s.title, meeting.default_language, language),
                shelf.of_session(s.id),
            )
            for s in published
            if shelf.of_session(s.id)
        ],
        "unpublished": [
            d for sid, docs in shelf.by_session.items() if sid not in ids for d in docs
        ],
    }


def _cached(key: str, build):
    """One shelf per page, however many times its template asks."""
    cache = g.setdefault("materials_shelves", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


@bp.app_template_global()
def public_documents(meeting: Meeting) -> services.Shelf:
    """The meeting's public documents for the page being drawn (meeting, session
    and agenda pages: they only show published meetings and sessions)."""
    return _cached(
        f"public-{meeting.id}",
        lambda: services.shelf(
            meeting,
            services.listed(meeting, services.PUBLIC),
            url_for("materials.public_list", slug=meeting.slug),
            current_language(),
        ),
    )


@bp.app_template_global()
def participant_documents(participant: Participant) -> services.Shelf:
    """What the person's private link opens, for their pages ("My programme")."""
    return _cached(f"participant-{participant.id}", lambda: _participant_shelf(participant))


def _participant_shelf(participant: Participant) -> services.Shelf:
    meeting = participant.meeting
    return services.shelf(
        meeting,
        services.listed(meeting, services.visible_to_participant(participant)),
        url_for("materials_private.own_list", token=participant.token),
        current_language(),
    )


@sections.section(30)
def _private_section(participant: Participant):
    """The private page's documents: the meeting's own listed, the sessions' counted
    with a link to the documents page."""
    shelf = participant_documents(participant)
    if not len(shelf):
        return None
    return "materials/_section.html", {"shelf": shelf}


# --- Public ------------------------------------------------------------------------------


@bp.get("/meetings/<slug>/documents/")
def public_list(slug: str):
    meeting = meetings.get_public_meeting(slug)
    page = _documents_page(meeting, services.PUBLIC, url_for(".public_list", slug=slug))
    return render_template("materials/public.html", **page)


@bp.get("/meetings/<slug>/documents/<int:document_id>/<language>")
def public_file(slug: str, document_id: int, language: str):
    meeting = meetings.get_public_meeting(slug)
    return _serve(services.current_file(meeting, document_id, language, services.PUBLIC))


# --- A participant's -----------------------------------------------------------------------


def _participant(token: str) -> Participant:
    participant = find_by_token(token)
    if participant is None:
        abort(404)
    return participant


@private_bp.get("/r/<token>/documents/")
def own_list(token: str):
    participant = _participant(token)
    visible = services.visible_to_participant(participant)
    page = _documents_page(participant.meeting, visible, url_for(".own_list", token=token))
    return render_template("materials/own.html", participant=participant, **page)


@private_bp.get("/r/<token>/documents/<int:document_id>/<language>")
def own_file(token: str, document_id: int, language: str):
    participant = _participant(token)
    visible = services.visible_to_participant(participant)
    return _serve(services.current_file(participant.meeting, document_id, language, visible))


# --- Hosts' and organisers' ----------------------------------------------------------------


@desk_bp.get("/")
def desk_list(slug: str):
    meeting = meetings.get_meeting(slug)
    page = _documents_page(meeting, services.STAFF, url_for(".desk_list", slug=slug))
    return render_template("materials/desk.html", **page)


@desk_bp.get("/<int:document_id>/<language>")
def desk_file(slug: str, document_id: int, language: str):
    meeting = meetings.get_meeting(slug)
    return _serve(services.current_file(meeting, document_id, language, services.STAFF))


# --- Organisers' ---------------------------------------------------------------------------


def _document(meeting: Meeting, document_id: int) -> MeetingDocument:
    document = services.get_document(meeting, document_id)
    if document is None:
        abort(404)
    return document


def _form(meeting: Meeting) -> DocumentForm:
    return DocumentForm(meeting.languages, services.session_choices(meeting))


def _upload_limit() -> int:
    # Three files, one per language, and the rest of the form.
    return 3 * services.max_bytes() + files.MB


def _store_files(form: DocumentForm, document: MeetingDocument, meeting: Meeting) -> bool:
    """Stores each file chosen; False, with the reason under its field, if one is
    refused (then nothing of the form is kept: the caller rolls back)."""
    stored = []
    for language, field in form.uploads():
        try:
            stored.append(
                services.add_file(
                    document,
                    meeting,
                    language,
                    field.data.filename or "",
                    field.data.read(),
                    current_user.email,
                )
            )
        except files.FileRefused as error:
            field.errors.append(services.message(error))
    if any(field.errors for field in form.file_fields()):
        return False
    for file in stored:
        audit.record(
            "material.uploaded",
            user=current_user,
            meeting=meeting,
            details=f"document {document.id}, {file.language}, {file.content_type}",
        )
    return True


def _form_page(meeting: Meeting, form: DocumentForm, document: MeetingDocument | None = None):
    page = render_template(
        "materials/manage/form.html",
        meeting=meeting,
        form=form,
        document=document,
        max_mb=format_decimal(round(services.max_bytes() / files.MB, 1)),
    )
    return page, 422 if form.errors else 200


def _session_refused(form: DocumentForm) -> None:
    form.session_id.errors.append(_("Choose a session of this meeting."))


@manage_bp.get("/")
def index(slug: str):
    meeting = meetings.get_meeting(slug)
    return render_template(
        "materials/manage/index.html",
        meeting=meeting,
        documents=services.listed(meeting, services.STAFF),
        sessions=dict(services.session_choices(meeting)),
        language_names={lang: language_name(lang) for lang in meeting.languages},
    )


@manage_bp.route("/new", methods=["GET", "POST"])
@accepts_upload(_upload_limit)
def new(slug: str):
    meeting = meetings.get_meeting(slug)
    form = _form(meeting)
    if not form.is_submitted():
        form.visibility.data = Visibility.PUBLIC.value
    if form.validate_on_submit():
        try:
            document = services.create_document(meeting, form.values())
        except services.MaterialsError:
            db.session.rollback()
            _session_refused(form)
        else:
            if _store_files(form, document, meeting):
                commit()
                flash(_("Document added."), "success")
                return redirect(url_for(".edit", slug=slug, document_id=document.id))
            db.session.rollback()
    return _form_page(meeting, form)


@manage_bp.route("/<int:document_id>/", methods=["GET", "POST"])
@accepts_upload(_upload_limit)
def edit(slug: str, document_id: int):
    meeting = meetings.get_meeting(slug)
    document = _document(meeting, document_id)
    form = _form(meeting)
    if not form.is_submitted():
        form.fill_from(document)
    if form.validate_on_submit():
        try:
            services.update_document(document, meeting, form.values())
        except services.MaterialsError:
            db.session.rollback()
            _session_refused(form)
        else:
            if _store_files(form, document, meeting):
                commit()
                flash(_("Document saved."), "success")
                return redirect(url_for(".edit", slug=slug, document_id=document.id))
            db.session.rollback()
        document = _document(meeting, document_id)
    return _form_page(meeting, form, document)


@manage_bp.get("/<int:document_id>/files/<int:version_id>")
def file(slug: str, document_id: int, version_id: int):
    """Any version of a document's file, superseded ones included."""
    meeting = meetings.get_meeting(slug)
    return _serve(services.any_file(meeting, document_id, version_id))


@manage_bp.route("/<int:document_id>/delete", methods=["GET", "POST"])
def delete(slug: str, document_id: int):
    meeting = meetings.get_meeting(slug)
    document = _document(meeting, document_id)
    form = EmptyForm()
    if form.validate_on_submit():
        title = localized(document.title, meeting.default_language).text
        audit.record(
            "material.deleted",
            user=current_user,
            meeting=meeting,
            details=f"document {document.id}, {document.kind.value}",
        )
        services.delete_document(document)
        commit()
        flash(_("Document deleted: %(title)s.", title=title), "success")
        return redirect(url_for(".index", slug=slug))
    return render_template(
        "materials/manage/delete.html", meeting=meeting, document=document, form=form
    )
