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
from meeting_app.documents import badges, job_views, logo
from meeting_app.documents.forms import BadgeForm, ColoursForm, LogoForm
from meeting_app.documents.tasks import BADGES, badge_print
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


NOTHING_SELECTED = _l("No approved participant matches: no badge to print.")
ROUTES = job_views.Routes(
    page="documents_desk.badge_job",
    status="documents_desk.badge_job_status",
    pdf="documents_desk.badge_job_pdf",
    retry="documents_desk.retry_badge_job",
    kinds=(BADGES,),
)


@bp.get("/meetings/<slug>/badges")
def badge_page(slug: str):
    """The form starts a print job (below): its script follows the job on this page;
    without JavaScript the browser goes to the job's page."""
    meeting = meetings.get_meeting(slug)
    approved = badges.select(meeting)  # the form's choices and the page's list
    return _page(meeting, _badge_form(meeting, approved), approved)


def _page(meeting, form: BadgeForm, approved, status: int = 200):
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
    ), status


@bp.post("/meetings/<slug>/badges/jobs")
def start_badge_job(slug: str):
    """Starts a print of the selected badges, drawn by tasks; answers at once with
    the address to follow (JSON for the page's script, or the job's page)."""
    meeting = meetings.get_meeting(slug)
    approved = badges.select(meeting)
    form = _badge_form(meeting, approved)
    if not form.validate_on_submit():
        if job_views.wants_json():
            return jsonify(errors=form.errors), 422
        return _page(meeting, form, approved, 422)
    selected = _selected(meeting, form)
    if not selected:
        if job_views.wants_json():
            return jsonify(message=str(NOTHING_SELECTED)), 422
        flash(str(NOTHING_SELECTED), "warning")
        return _page(meeting, form, approved, 422)
    job = badge_print(
        meeting,
        current_user,
        selected,
        layout=form.layout.data,
        language=form.language.data,
        base_url=public_base_url(),
    )
    return job_views.started(meeting, job, ROUTES)


@bp.get("/meetings/<slug>/badges/jobs/<job_id>")
def badge_job(slug: str, job_id: str):
    meeting = meetings.get_meeting(slug)
    job = job_views.job_or_404(meeting, job_id, ROUTES)
    return job_views.page(meeting, job, ROUTES, url_for(".badge_page", slug=slug))


@bp.get("/meetings/<slug>/badges/jobs/<job_id>.json")
def badge_job_status(slug: str, job_id: str):
    meeting = meetings.get_meeting(slug)
    return jsonify(job_views.status(meeting, job_views.job_or_404(meeting, job_id, ROUTES), ROUTES))


@bp.get("/meetings/<slug>/badges/jobs/<job_id>.pdf")
def badge_job_pdf(slug: str, job_id: str):
    meeting = meetings.get_meeting(slug)
    return job_views.download(job_views.job_or_404(meeting, job_id, ROUTES))


@bp.post("/meetings/<slug>/badges/jobs/<job_id>/retry")
def retry_badge_job(slug: str, job_id: str):
    meeting = meetings.get_meeting(slug)
    job = job_views.job_or_404(meeting, job_id, ROUTES)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return job_views.retry(meeting, job, ROUTES)


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
