"""Badges at the desk (/desk/meetings/<slug>/badges, hosts and organisers, set once
for the blueprint)."""

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import LANGUAGE_NAMES, current_language
from meeting_app.core.security import public_base_url
from meeting_app.core.uploads import MB, accepts_upload
from meeting_app.core.views import attachment
from meeting_app.documents import badges, jobs, logo
from meeting_app.documents.forms import BadgeForm, ColoursForm, LogoForm
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.registration.models import Category, Participant
from meeting_app.registration.services import delegation_choices

bp = Blueprint("documents_desk", __name__, url_prefix="/desk")
require_role(bp, Role.HOST)


def _badge_form(meeting, approved) -> BadgeForm:
    people = [(str(p.id), f"{p.family_name}, {p.given_name}") for p in approved]
    form = BadgeForm(delegation_choices(meeting, current_language()), people, LANGUAGE_NAMES)
    if not form.is_submitted():
        form.language.data = meeting.default_language
    return form


def _selected(meeting, form: BadgeForm) -> list[Participant]:
    return badges.select(
        meeting,
        delegation_id=int(form.delegation.data) if form.delegation.data else None,
        category=Category(form.category.data) if form.category.data else None,
        participant_id=int(form.participant.data) if form.participant.data else None,
        not_printed=form.not_printed.data,
    )


def _base_url() -> str:
    return public_base_url()


NOTHING_SELECTED = _l("No approved participant matches: no badge to print.")
RENDER_FAILED = _l(
    "The badges could not be prepared; nothing was marked printed. Try again, or with fewer badges."
)


@bp.route("/meetings/<slug>/badges", methods=["GET", "POST"])
def badge_page(slug: str):
    """Without JavaScript the form posts here and the PDF comes back in the answer;
    with it, the page starts a job (below) and shows its progress."""
    meeting = meetings.get_meeting(slug)
    approved = badges.select(meeting)  # the form's choices and the page's list
    form = _badge_form(meeting, approved)
    if form.validate_on_submit():
        selected = _selected(meeting, form)
        if not selected:
            flash(str(NOTHING_SELECTED), "warning")
        else:
            try:
                pdf = badges.badges_pdf(
                    meeting,
                    selected,
                    layout=form.layout.data,
                    language=form.language.data,
                    base_url=_base_url(),
                )
            except RenderError:
                db.session.rollback()
                flash(str(RENDER_FAILED), "error")
            else:
                # Marked printed only once the PDF exists.
                badges.record_prints(selected, form.layout.data, current_user)
                db.session.commit()
                return attachment(pdf, _filename(meeting, form.layout.data), "application/pdf")
    palette = badges.colours(meeting)
    colours_form = ColoursForm(data={c.value: v for c, v in palette.items()})
    return render_template(
        "documents/badges.html",
        meeting=meeting,
        form=form,
        colours_form=colours_form,
        logo_form=LogoForm(),
        empty_form=EmptyForm(),
        has_logo=bool(meeting.logo_png),
        palette=palette,
        prints=badges.last_prints(meeting),
        people=approved,
    ), 422 if form.errors else 200


def _filename(meeting, layout: str) -> str:
    return f"{meeting.slug}-badges-{layout}.pdf"


@bp.post("/meetings/<slug>/badges/jobs")
def start_badge_job(slug: str):
    """Starts rendering the selected badges in the background; answers at once with
    the address to follow."""
    meeting = meetings.get_meeting(slug)
    form = _badge_form(meeting, badges.select(meeting))
    if not form.validate_on_submit():
        return jsonify(errors=form.errors), 422
    selected = _selected(meeting, form)
    if not selected:
        return jsonify(message=str(NOTHING_SELECTED)), 422
    ids, user_id = [p.id for p in selected], current_user.id
    layout, language, base_url = form.layout.data, form.language.data, _base_url()

    def work(progress) -> bytes:
        # In the job's thread: its own database session, objects loaded again.
        from meeting_app.accounts.models import User

        again = db.session.get(type(meeting), meeting.id)
        people = [p for p in badges.select(again) if p.id in set(ids)]
        pdf = badges.badges_pdf(
            again, people, layout=layout, language=language, base_url=base_url, progress=progress
        )
        # Committed by the job once the PDF is stored.
        badges.record_prints(people, layout, db.session.get(User, user_id))
        return pdf

    job_id = jobs.start(
        user_id=user_id, filename=_filename(meeting, layout), total=len(ids), work=work
    )
    return jsonify(status_url=url_for(".badge_job", slug=slug, job_id=job_id), total=len(ids)), 202


def _job_or_404(job_id: str) -> jobs.Job:
    job = jobs.get(job_id, current_user.id)
    if job is None:
        abort(404)
    return job


@bp.get("/meetings/<slug>/badges/jobs/<job_id>")
def badge_job(slug: str, job_id: str):
    job = _job_or_404(job_id)
    return jsonify(
        state=job.state,
        done=job.done,
        total=job.total,
        message=str(RENDER_FAILED) if job.state == "failed" else "",
        download_url=url_for(".badge_job_pdf", slug=slug, job_id=job.id)
        if job.state == "done"
        else None,
    )


@bp.get("/meetings/<slug>/badges/jobs/<job_id>.pdf")
def badge_job_pdf(slug: str, job_id: str):
    job = _job_or_404(job_id)
    pdf = jobs.result(job) if job.state == "done" else None
    if pdf is None:
        abort(404)
    return attachment(pdf, job.filename, "application/pdf")


@bp.post("/meetings/<slug>/badges/colours")
def badge_colours(slug: str):
    meeting = meetings.get_meeting(slug)
    _organisers_only(meeting)
    form = ColoursForm()
    if form.validate_on_submit():
        meeting.badge_colours = {c.value: getattr(form, c.value).data for c in Category}
        db.session.commit()
        flash(_("Badge colours saved."), "success")
    else:
        flash(_("A colour such as #0b2e59."), "error")
    return redirect(url_for(".badge_page", slug=slug))


def _organisers_only(meeting):
    if not current_user.may(Role.ORGANISER, meeting):
        abort(403)


@bp.post("/meetings/<slug>/badges/logo")
@accepts_upload(3 * MB)  # an image of logo.MAX_BYTES (2 MiB) and the form around it
def badge_logo(slug: str):
    """The meeting's logo, on badges, letters and the booklet (organisers only)."""
    meeting = meetings.get_meeting(slug)
    _organisers_only(meeting)
    form = LogoForm()
    if form.validate_on_submit():
        try:
            meeting.logo_png = logo.prepare(form.logo.data.read(logo.MAX_BYTES + 1))
        except logo.LogoError:
            flash(_("This file is not a PNG or JPEG image of at most 2 MB."), "error")
        else:
            db.session.commit()
            flash(_("Logo saved."), "success")
    else:
        flash(" ".join(str(e) for e in form.logo.errors) or _("Choose an image file."), "error")
    return redirect(url_for(".badge_page", slug=slug))


@bp.get("/meetings/<slug>/badges/logo.png")
def badge_logo_image(slug: str):
    meeting = meetings.get_meeting(slug)
    if not meeting.logo_png:
        abort(404)
    return Response(meeting.logo_png, mimetype="image/png")


@bp.post("/meetings/<slug>/badges/logo/delete")
def delete_badge_logo(slug: str):
    meeting = meetings.get_meeting(slug)
    _organisers_only(meeting)
    if EmptyForm().validate_on_submit():
        meeting.logo_png = None
        db.session.commit()
        flash(_("Logo removed."), "success")
    return redirect(url_for(".badge_page", slug=slug))
