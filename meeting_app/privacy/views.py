"""The privacy page of a meeting, a participant's data download, and the
organisers' erasure and audit log pages."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import (
    for_staff_of_any_meeting,
    meetings_where,
    require_role,
)
from meeting_app.core.i18n import current_language
from meeting_app.core.tasks import commit
from meeting_app.core.views import private_page
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.privacy import audit, services
from meeting_app.privacy.forms import EraseForm
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration import services as registrations
from meeting_app.registration.models import Participant

bp = Blueprint("privacy", __name__)

manage_bp = Blueprint("privacy_manage", __name__, url_prefix="/manage")
require_role(manage_bp, Role.ORGANISER)

AUDIT_PER_PAGE = 50


@bp.get("/meetings/<slug>/privacy")
def meeting_privacy(slug: str):
    meeting = meetings.get_public_meeting(slug)
    return render_template(
        "privacy/meeting.html",
        meeting=meeting,
        sensitive_questions=services.sensitive_question_labels(meeting, current_language()),
    )


@bp.get("/r/<token>/data.json")
def data_download(token: str):
    """Everything held about the link's owner; the same 404 for any other link."""
    participant = registrations.find_by_token(token)
    if participant is None:
        abort(404)
    body = json.dumps(services.personal_data(participant), ensure_ascii=False, indent=2)
    response = Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{participant.meeting.slug}-my-data.json"'
        },
    )
    return private_page(response)


@manage_bp.route(
    "/meetings/<slug>/registrations/<int:participant_id>/erase", methods=["GET", "POST"]
)
def erase(slug: str, participant_id: int):
    meeting = meetings.get_meeting(slug)
    participant = meetings.get_in_meeting(Participant, participant_id, meeting)
    back = url_for("registration_manage.detail", slug=slug, participant_id=participant_id)
    if participant.erased_at is not None:
        flash(_("This participant's personal data is already erased."), "info")
        return redirect(back)
    form = EraseForm()
    if form.validate_on_submit():
        services.erase(participant, by_user=current_user)
        commit()
        flash(_("The participant's personal data is erased."), "success")
        return redirect(back)
    return render_template(
        "privacy/erase.html", meeting=meeting, participant=participant, form=form
    ), 422 if form.errors else 200


@manage_bp.get("/audit")
@for_staff_of_any_meeting
def audit_log():
    """Staff actions, newest first, in the meetings one organises (administrators:
    all, and those about no meeting); `?meeting=<slug>` narrows it."""
    slug = request.args.get("meeting", "")
    meeting = None
    if slug:
        meeting = db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one_or_none()
        if meeting is None or not current_user.may(Role.ORGANISER, meeting):
            abort(404)
    query = audit.entries_query(meeting).filter(
        meetings_where(current_user, Role.ORGANISER, AuditEntry.meeting_id)
    )
    page = db.paginate(query, per_page=AUDIT_PER_PAGE, error_out=False)
    all_meetings = db.session.execute(
        db.select(Meeting)
        .filter(meetings_where(current_user, Role.ORGANISER))
        .order_by(Meeting.start_date.desc())
    )
    return render_template(
        "privacy/audit.html",
        page=page,
        meeting=meeting,
        meetings=all_meetings.scalars().all(),
        label=audit.label,
    )
