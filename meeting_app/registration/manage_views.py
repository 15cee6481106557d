"""Organisers' registration pages under /manage/meetings/<slug>/registrations.
Every view requires the organiser role (set once for the blueprint)."""

from datetime import UTC

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
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.database import as_id, requested_page
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import LANGUAGE_NAMES, current_language
from meeting_app.core.tasks import commit, enqueue
from meeting_app.core.uploads import MB, accepts_upload
from meeting_app.core.views import attachment
from meeting_app.documents import export_jobs, job_views, jobs, letters
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.mail.models import OutgoingMail
from meeting_app.mail.services import DELIVER_IN_REQUEST
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.privacy import audit
from meeting_app.questions import fields, filling
from meeting_app.registration import exports, importer, services
from meeting_app.registration.manage_forms import (
    ACTION_LABELS,
    ACTIONS,
    BulkForm,
    ImportConfirmForm,
    ImportUploadForm,
    OrganiserRegistrationForm,
    RegistrationSettingsForm,
    StatusForm,
)
from meeting_app.registration.models import Category, Participant, RegistrationStatus
from meeting_app.registration.queries import (
    Filters,
    answer_filter_groups,
    list_page,
    participants_query,
    status_counts,
)

bp = Blueprint("registration_manage", __name__, url_prefix="/manage/meetings/<slug>/registrations")
require_role(bp, Role.ORGANISER)

PER_PAGE = 50


def _meeting(slug: str) -> Meeting:
    return meetings.get_meeting(slug)


def _participant(meeting: Meeting, participant_id: int) -> Participant:
    return meetings.get_in_meeting(Participant, participant_id, meeting)


def _form(meeting, **kwargs) -> OrganiserRegistrationForm:
    """Every built-in field (organisers see those the meeting hides too) and every
    question, the organisers-only ones included."""
    form_class = fields.question_form(OrganiserRegistrationForm, meeting, audience=fields.ORGANISER)
    return form_class(
        services.delegation_choices(meeting, current_language()),
        LANGUAGE_NAMES,
        participation_mode=meeting.participation_mode,
        **kwargs,
    )


def _file_url(meeting, participant):
    return lambda file: url_for(
        ".answer_file", slug=meeting.slug, participant_id=participant.id, file_id=file.id
    )


def _keep_files(form) -> None:
    """A form sent back with errors: the files it accepted are stored (nobody's
    yet) so that the organiser need not send them again."""
    if form.errors and form.new_files:
        commit()


@bp.get("/")
def index(slug: str):
    meeting = _meeting(slug)
    filters = Filters.from_args(request.args)
    # One grouped count serves the counts line and, unless a filter narrows the
    # list beyond its status, the number of matches too.
    counts = status_counts(meeting)
    page = list_page(meeting, filters, requested_page(), PER_PAGE, counts)
    return render_template(
        "registration/manage/index.html",
        meeting=meeting,
        page=page,
        filters=filters,
        counts=counts,
        statuses=list(RegistrationStatus),
        categories=list(Category),
        delegations=services.delegation_choices(meeting, current_language()),
        answer_groups=answer_filter_groups(meeting, current_language()),
        sensitive_questions=exports.has_sensitive_questions(meeting),
        bulk_form=BulkForm(),
        actions=ACTION_LABELS,
    )


@bp.post("/bulk")
def bulk(slug: str):
    meeting = _meeting(slug)
    form = BulkForm()
    back = redirect(url_for(".index", slug=slug, **Filters.from_args(request.args).as_args()))
    if not form.validate_on_submit():
        flash(" ".join(str(m) for messages in form.errors.values() for m in messages), "error")
        return back
    done, refused = 0, 0
    for participant_id in form.ids.data:
        row_id = as_id(participant_id)
        participant = db.session.get(Participant, row_id) if row_id else None
        if participant is None or participant.meeting_id != meeting.id:
            continue
        try:
            done += services.change_status(
                participant,
                ACTIONS[form.action.data],
                by_user=current_user,
                reason=form.reason.data or "",
            )
        except (services.SeatUnavailable, services.StaleChange):
            refused += 1
    commit()
    flash(
        ngettext("%(num)d registration changed.", "%(num)d registrations changed.", done),
        "success",
    )
    if refused:
        flash(
            ngettext(
                "%(num)d could not be changed: the meeting or their delegation is full, "
                "or someone changed it meanwhile.",
                "%(num)d could not be changed: the meeting or their delegation is full, "
                "or someone changed them meanwhile.",
                refused,
            ),
            "warning",
        )
    return back


@bp.get("/<int:participant_id>")
def detail(slug: str, participant_id: int):
    meeting = _meeting(slug)
    participant = _participant(meeting, participant_id)
    mails = (
        db.session.execute(
            db.select(OutgoingMail)
            .filter_by(participant_id=participant.id)
            .order_by(OutgoingMail.id.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "registration/manage/detail.html",
        meeting=meeting,
        participant=participant,
        status_form=StatusForm(),
        empty_form=EmptyForm(),
        mails=mails,
        private_link=services.private_link(participant),
        held=services.held_on_waiting_list(participant),
        documents=letters.documents_for(participant),
        answers=filling.shown_answers(participant, organisers=True),
        file_url=_file_url(meeting, participant),
    )


@bp.get("/<int:participant_id>/files/<int:file_id>")
def answer_file(slug: str, participant_id: int, file_id: int):
    """A file the person (or an organiser) gave as an answer, as an attachment."""
    participant = _participant(_meeting(slug), participant_id)
    found = filling.own_file(participant, file_id, organisers=True)
    if found is None:
        abort(404)
    return files.response(found)


@bp.post("/<int:participant_id>/status")
def change_status(slug: str, participant_id: int):
    meeting = _meeting(slug)
    participant = _participant(meeting, participant_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.change_status(
                participant,
                ACTIONS[form.action.data],
                by_user=current_user,
                reason=form.reason.data or "",
            )
        except services.SeatUnavailable as error:
            db.session.rollback()
            flash(
                _("No seat is free: the meeting is full.")
                if str(error) == "meeting_full"
                else _("No seat is free: the delegation is full."),
                "error",
            )
        except services.StaleChange:
            db.session.rollback()
            flash(
                _("Someone changed this registration meanwhile: check it and try again."), "warning"
            )
        else:
            commit()
            flash(
                _("The registration is now: %(status)s.", status=participant.status.label),
                "success",
            )
    return redirect(url_for(".detail", slug=slug, participant_id=participant_id))


@bp.post("/<int:participant_id>/resend")
def resend(slug: str, participant_id: int):
    participant = _participant(_meeting(slug), participant_id)
    if EmptyForm().validate_on_submit():
        services.resend_confirmation(participant)
        commit()
        flash(_("The confirmation e-mail is sent again."), "success")
    return redirect(url_for(".detail", slug=slug, participant_id=participant_id))


@bp.post("/<int:participant_id>/token")
def new_token(slug: str, participant_id: int):
    participant = _participant(_meeting(slug), participant_id)
    if EmptyForm().validate_on_submit():
        services.regenerate_token(participant, by_user=current_user)
        commit()
        flash(_("A new private link is made; the old one no longer works."), "success")
    return redirect(url_for(".detail", slug=slug, participant_id=participant_id))


@bp.route("/<int:participant_id>/edit", methods=["GET", "POST"])
@accepts_upload(fields.upload_limit)
def edit(slug: str, participant_id: int):
    meeting = _meeting(slug)
    participant = _participant(meeting, participant_id)
    form = _form(meeting, answers=filling.stored_answers(participant))
    if not form.is_submitted():
        form.fill_from(participant)
        form.fill_answers()
    if form.validate_on_submit():
        values = form.values()
        role = values.pop("role")
        answers, chosen = form.answers()
        try:
            services.update_registration(
                participant,
                values,
                answers=answers,
                files=chosen,
                questions=form.questions,
                by_user=current_user,
            )
        except services.DuplicateRegistration:
            db.session.rollback()
            form.forget_kept_files()
            form.email.errors.append(_("Another registration of this meeting has this address."))
        except services.DelegationFull:
            db.session.rollback()
            form.forget_kept_files()
            form.delegation_id.errors.append(_("This delegation is full."))
        except services.InPersonFull:
            db.session.rollback()
            form.forget_kept_files()
            form.attendance_mode.errors.append(_("The meeting has no in-person place left."))
        else:
            participant.role = role
            commit()
            flash(_("The registration is saved."), "success")
            return redirect(url_for(".detail", slug=slug, participant_id=participant_id))
    _keep_files(form)
    return render_template(
        "registration/manage/form.html",
        meeting=meeting,
        form=form,
        participant=participant,
        question_groups=form.groups(file_url=_file_url(meeting, participant)),
    ), 422 if form.errors else 200


@bp.route("/new", methods=["GET", "POST"])
@accepts_upload(fields.upload_limit)
def new(slug: str):
    meeting = _meeting(slug)
    form = _form(meeting)
    if not form.is_submitted():
        form.preferred_language.data = meeting.default_language
    if form.validate_on_submit():
        answers, chosen = form.answers()
        try:
            participant = services.register(
                meeting,
                form.values(),
                answers=answers,
                files=chosen,
                questions=form.questions,
                by_user=current_user,
            )
        except services.DuplicateRegistration:
            db.session.rollback()
            form.forget_kept_files()
            form.email.errors.append(_("This address is already registered for this meeting."))
        else:
            commit()
            flash(_("Registered: %(status)s.", status=participant.status.label), "success")
            return redirect(url_for(".detail", slug=slug, participant_id=participant.id))
    _keep_files(form)
    return render_template(
        "registration/manage/form.html",
        meeting=meeting,
        form=form,
        participant=None,
        question_groups=form.groups(),
    ), 422 if form.errors else 200


@bp.route("/import", methods=["GET", "POST"])
# importer.MAX_ROWS rows, sent again (percent-encoded) with the confirmation.
@accepts_upload(16 * MB)
def import_csv(slug: str):
    meeting = _meeting(slug)
    upload, confirm = ImportUploadForm(), ImportConfirmForm()
    rows, content, error = None, None, None
    if "content" in request.form and confirm.validate_on_submit():
        content = confirm.content.data
        try:
            rows = importer.check(meeting, content)
        except importer.ImportFileError as problem:
            error = str(problem)
        else:
            try:
                count = importer.import_rows(meeting, rows, by_user=current_user)
            except services.DuplicateRegistration:
                db.session.rollback()
                error = _(
                    "Someone registered with one of these addresses meanwhile: "
                    "nothing was imported. Check the file again."
                )
            else:
                commit()
                flash(
                    ngettext(
                        "%(num)d registration imported.", "%(num)d registrations imported.", count
                    ),
                    "success",
                )
                if count > DELIVER_IN_REQUEST:
                    flash(
                        _(
                            "Their confirmation e-mails leave from the outbox over the "
                            "next few minutes."
                        ),
                        "info",
                    )
                return redirect(url_for(".index", slug=slug))
    elif upload.validate_on_submit():
        try:
            content = importer.decode(upload.file.data.read())
            rows = importer.check(meeting, content)
        except importer.ImportFileError as problem:
            error = str(problem)
        confirm.content.data = content
    return render_template(
        "registration/manage/import.html",
        meeting=meeting,
        upload=upload,
        confirm=confirm,
        rows=rows,
        error=error,
        columns=importer.COLUMNS,
        questions=importer.question_help(meeting, current_language()),
        good=sum(1 for r in rows or [] if not r.errors),
    ), 422 if error or upload.errors else 200


@bp.route("/settings", methods=["GET", "POST"])
def settings(slug: str):
    meeting = _meeting(slug)
    form = RegistrationSettingsForm()
    tz = meeting.tz
    if not form.is_submitted():
        form.opens_at.data = _local(meeting.registration_opens_at, tz)
        form.closes_at.data = _local(meeting.registration_closes_at, tz)
        form.capacity.data = meeting.capacity
        form.requires_approval.data = meeting.requires_approval
        form.requires_approval_of_changes.data = meeting.requires_approval_of_changes
        form.desk_approves_walk_ins.data = meeting.desk_approves_walk_ins
        form.retention_days_after_end.data = meeting.retention_days_after_end
    if form.validate_on_submit():
        try:
            promoted = services.update_registration_settings(
                meeting,
                opens_at=form.opens_at.data.replace(tzinfo=tz).astimezone(UTC),
                closes_at=form.closes_at.data.replace(tzinfo=tz).astimezone(UTC),
                capacity=form.capacity.data,
                requires_approval=form.requires_approval.data,
                requires_approval_of_changes=form.requires_approval_of_changes.data,
            )
        except services.CapacityTooLow:
            db.session.rollback()
            form.capacity.errors.append(
                ngettext(
                    "%(num)d seat is already held: the capacity cannot be lower.",
                    "%(num)d seats are already held: the capacity cannot be lower.",
                    meeting.seats_taken,
                )
            )
        else:
            meeting.desk_approves_walk_ins = form.desk_approves_walk_ins.data
            if form.retention_days_after_end.data is not None:
                meeting.retention_days_after_end = form.retention_days_after_end.data
            commit()
            flash(_("Registration settings saved."), "success")
            if promoted:
                flash(
                    ngettext(
                        "%(num)d person moved up from the waiting list.",
                        "%(num)d people moved up from the waiting list.",
                        len(promoted),
                    ),
                    "info",
                )
            return redirect(url_for(".index", slug=slug))
    return render_template("registration/manage/settings.html", meeting=meeting, form=form), (
        422 if form.errors else 200
    )


def _local(value, tz):
    return value.astimezone(tz).replace(tzinfo=None) if value else None


@bp.get("/export.<any(csv, xlsx):fmt>")
def export(slug: str, fmt: str):
    """The list as filtered, streamed as it is read; more people than
    EXPORT_IN_REQUEST_MAX_ROWS are written by a task instead, followed on the
    export's page (a request that long would meet the web worker's timeout)."""
    meeting = _meeting(slug)
    filters = Filters.from_args(request.args)
    query = participants_query(meeting, filters)
    language = current_language()
    # The answers to sensitive questions only when asked for, and logged apart.
    sensitive = request.args.get("sensitive") == "1"
    delimiter = exports.csv_delimiter(request.args.get("sep"), language)
    total = export_jobs.count(query)
    audit.record(
        "participants.exported_sensitive" if sensitive else "participants.exported",
        user=current_user,
        meeting=meeting,
        details=f"{fmt}, {total}",
    )
    if total > current_app.config["EXPORT_IN_REQUEST_MAX_ROWS"]:
        job = export_jobs.create(
            meeting,
            current_user,
            fmt=fmt,
            filters=filters,
            language=language,
            sensitive=sensitive,
            delimiter=delimiter,
            total=total,
        )
        return _export_started(meeting, job)
    commit()
    filename = f"{meeting.slug}-participants.{fmt}"
    if fmt == "csv":
        body = stream_with_context(_csv(meeting.id, filters, language, sensitive, delimiter))
        return attachment(body, filename, exports.MIMETYPES[fmt])
    header, rows = exports.participant_export(meeting, query, language, sensitive=sensitive)
    # A zip is made whole before it can be sent: in a temporary file, sent from it
    # (the response closes it).
    file, _count = exports.xlsx_file(header, rows, meeting.slug)
    return attachment(wrap_file(request.environ, file), filename, exports.MIMETYPES[fmt])


def _csv(meeting_id: int, filters: Filters, language: str, sensitive: bool, delimiter: str):
    """The CSV, read and written as the response is sent: by then the request's
    session has ended (stream_with_context gives a new one), so nothing loaded
    before is used."""
    meeting = db.get_or_404(Meeting, meeting_id)
    query = participants_query(meeting, filters)
    header, rows = exports.participant_export(meeting, query, language, sensitive=sensitive)
    yield from exports.csv_chunks(header, rows, delimiter)


EXPORT_JOBS = job_views.Routes(
    page="registration_manage.export_job",
    status="registration_manage.export_job_status",
    pdf="registration_manage.export_job_file",
    retry="registration_manage.retry_export_job",
    kinds=(export_jobs.PARTICIPANTS,),
)


def _export_started(meeting: Meeting, job):
    """Sends the export's task once the job is stored; the job's page follows it."""
    enqueue(export_jobs.export_participants, job.id)
    commit()
    if job_views.wants_json():
        return jsonify(job_views.status(meeting, job, EXPORT_JOBS)), 202
    return redirect(url_for(".export_job", slug=meeting.slug, job_id=job.id), 303)


@bp.get("/exports/<job_id>")
def export_job(slug: str, job_id: str):
    meeting = _meeting(slug)
    job = job_views.job_or_404(meeting, job_id, EXPORT_JOBS)
    return render_template(
        "registration/manage/export_job.html",
        meeting=meeting,
        job=job,
        title=_("Export XLSX") if job.parameters["fmt"] == "xlsx" else _("Export CSV"),
        job_status=job_views.status(meeting, job, EXPORT_JOBS),
        empty_form=EmptyForm(),
    )


@bp.get("/exports/<job_id>.json")
def export_job_status(slug: str, job_id: str):
    meeting = _meeting(slug)
    job = job_views.job_or_404(meeting, job_id, EXPORT_JOBS)
    return jsonify(job_views.status(meeting, job, EXPORT_JOBS))


@bp.get("/exports/<job_id>/file")
def export_job_file(slug: str, job_id: str):
    """The finished export, read from the database a piece at a time."""
    meeting = _meeting(slug)
    job = job_views.job_or_404(meeting, job_id, EXPORT_JOBS)
    if job.state != jobs.DONE:
        abort(404)
    body = stream_with_context(export_jobs.pieces(job.id, job.parts))
    return attachment(body, job.filename, exports.MIMETYPES[job.parameters["fmt"]])


@bp.post("/exports/<job_id>/retry")
def retry_export_job(slug: str, job_id: str):
    """The same export again (the failed job stays failed)."""
    meeting = _meeting(slug)
    job = job_views.job_or_404(meeting, job_id, EXPORT_JOBS)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if job.state != jobs.FAILED:
        abort(409)
    return _export_started(meeting, jobs.again(job, meeting, current_user))
