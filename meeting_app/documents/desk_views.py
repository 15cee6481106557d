"""Badges at the desk (/desk/meetings/<slug>/badges, hosts and organisers, set once
for the blueprint)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_roles
from meeting_app.core.i18n import LANGUAGE_NAMES, current_language
from meeting_app.core.views import attachment
from meeting_app.documents import badges
from meeting_app.documents.forms import BadgeForm, ColoursForm
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.registration.models import Category, Participant  # noqa: F401 (see below)
from meeting_app.registration.services import delegation_choices

bp = Blueprint("documents_desk", __name__, url_prefix="/desk")
require_roles(bp, [Role.HOST, Role.ORGANISER])


def _badge_form(meeting, approved) -> BadgeForm:
    people = [(str(p.id), f"{p.family_name}, {p.given_name}") for p in approved]
    form = BadgeForm(delegation_choices(meeting, current_language()), people, LANGUAGE_NAMES)
    if not form.is_submitted():
        form.language.data = meeting.default_language
    return form


@bp.route("/meetings/<slug>/badges", methods=["GET", "POST"])
def badge_page(slug: str):
    meeting = meetings.get_meeting(slug)
    approved = badges.select(meeting)  # the form's choices and the page's list
    form = _badge_form(meeting, approved)
    if form.validate_on_submit():
        selected = badges.select(
            meeting,
            delegation_id=int(form.delegation.data) if form.delegation.data else None,
            category=Category(form.category.data) if form.category.data else None,
            participant_id=int(form.participant.data) if form.participant.data else None,
            not_printed=form.not_printed.data,
        )
        if not selected:
            flash(_("No approved participant matches: no badge to print."), "warning")
        else:
            try:
                pdf = badges.badges_pdf(
                    meeting,
                    selected,
                    layout=form.layout.data,
                    language=form.language.data,
                    base_url=url_for("meetings.home", _external=True).rstrip("/"),
                )
            except RenderError:
                db.session.rollback()
                flash(
                    _(
                        "The badges could not be prepared; nothing was marked printed. "
                        "Try again, or with fewer badges."
                    ),
                    "error",
                )
            else:
                # Marked printed only once the PDF exists.
                badges.record_prints(selected, form.layout.data, current_user)
                db.session.commit()
                return attachment(
                    pdf, f"{meeting.slug}-badges-{form.layout.data}.pdf", "application/pdf"
                )
    palette = badges.colours(meeting)
    colours_form = ColoursForm(data={c.value: v for c, v in palette.items()})
    return render_template(
        "documents/badges.html",
        meeting=meeting,
        form=form,
        colours_form=colours_form,
        palette=palette,
        prints=badges.last_prints(meeting),
        people=approved,
    ), 422 if form.errors else 200


@bp.post("/meetings/<slug>/badges/colours")
def badge_colours(slug: str):
    meeting = meetings.get_meeting(slug)
    if not current_user.is_organiser:
        abort(403)
    form = ColoursForm()
    if form.validate_on_submit():
        meeting.badge_colours = {c.value: getattr(form, c.value).data for c in Category}
        db.session.commit()
        flash(_("Badge colours saved."), "success")
    else:
        flash(_("A colour such as #0b2e59."), "error")
    return redirect(url_for(".badge_page", slug=slug))


# The page a badge's QR code opens (/desk/badge/<code>) is the desk's check-in page:
# see desk/views.py. (Participant stays imported above for the badge printing code
# being written alongside, which selects participants.)
