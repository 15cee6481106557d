"""The organisers' back office. Every view here requires the organiser role."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import (
    SITE_WIDE,
    for_staff_of_any_meeting,
    meeting_from_slug,
    meetings_where,
    require_role,
)
from meeting_app.core import tasks as core_tasks
from meeting_app.core.database import requested_page
from meeting_app.core.forms import EmptyForm
from meeting_app.extensions import db
from meeting_app.mail import delivery
from meeting_app.mail import tasks as mail_tasks
from meeting_app.mail.models import MailStatus, OutgoingMail
from meeting_app.manage import services
from meeting_app.meetings import services as meetings
from meeting_app.registration.models import RegistrationStatus
from meeting_app.registration.queries import status_counts


def _meeting_of(view_args: dict):
    """A mail belongs to its meeting's organisers; one about no meeting (a staff
    invitation) to the administrators."""
    if "mail_id" in view_args:
        mail = db.session.get(OutgoingMail, view_args["mail_id"])
        if mail is None:
            return None
        return mail.meeting or SITE_WIDE
    return meeting_from_slug(view_args)


bp = Blueprint("manage", __name__, url_prefix="/manage")
require_role(bp, Role.ORGANISER, _meeting_of)


@bp.get("/")
@for_staff_of_any_meeting
def index():
    return render_template(
        "manage/index.html",
        rows=services.meetings_overview(current_user),
        statuses=list(RegistrationStatus),
    )


@bp.get("/meetings/<slug>/")
def meeting(slug: str):
    meeting = meetings.get_meeting(slug)
    return render_template(
        "manage/meeting.html",
        meeting=meeting,
        counts=status_counts(meeting),
        statuses=list(RegistrationStatus),
        form=EmptyForm(),
    )


@bp.get("/outbox")
@for_staff_of_any_meeting
def outbox():
    """The e-mails the app has sent or still holds, of the meetings one organises
    (administrators: all). In development (no mail server) this is where a newcomer
    finds the confirmation mail and its private link."""
    status = request.args.get("status", "")
    mine = meetings_where(current_user, Role.ORGANISER, OutgoingMail.meeting_id)
    query = db.select(OutgoingMail).filter(mine).order_by(OutgoingMail.id.desc())
    if status in {s.value for s in MailStatus}:
        query = query.filter(OutgoingMail.status == status)
    page = db.paginate(query, page=requested_page(), per_page=50, error_out=False)
    pending = db.session.scalar(
        db.select(db.func.count(OutgoingMail.id)).filter(
            mine, OutgoingMail.status == MailStatus.PENDING
        )
    )
    return render_template(
        "manage/outbox.html",
        page=page,
        status=status,
        pending=pending,
        statuses=list(MailStatus),
        form=EmptyForm(),
    )


@bp.get("/outbox/<int:mail_id>")
def outbox_mail(mail_id: int):
    return render_template(
        "manage/outbox_mail.html", mail=db.get_or_404(OutgoingMail, mail_id), form=EmptyForm()
    )


@bp.post("/outbox/send")
def send_pending():
    """Waiting mails are tried now, back-off or not, by a task: a web request never
    waits on the mail server."""
    if EmptyForm().validate_on_submit():
        waiting = delivery.make_due(
            meetings_where(current_user, Role.ORGANISER, OutgoingMail.meeting_id)
        )
        core_tasks.enqueue(mail_tasks.sweep)
        core_tasks.commit()
        flash(
            ngettext(
                "%(num)d waiting e-mail is being sent; this page shows when it has gone.",
                "%(num)d waiting e-mails are being sent; this page shows when they have gone.",
                waiting,
            ),
            "success",
        )
    return redirect(url_for(".outbox"))


@bp.post("/outbox/<int:mail_id>/retry")
def retry_mail(mail_id: int):
    """A mail that failed for good (refused, or too many tries) is tried again from
    the start, by a task."""
    outgoing = db.get_or_404(OutgoingMail, mail_id)
    # An erased participant's mail has no address left: nothing to try again.
    if (
        EmptyForm().validate_on_submit()
        and outgoing.status is MailStatus.FAILED
        and outgoing.recipient
    ):
        delivery.retry(outgoing)
        core_tasks.commit()
        flash(_("The e-mail is being sent again; this page shows how it went."), "success")
    return redirect(url_for(".outbox_mail", mail_id=mail_id))


# The meeting's own pages (new, settings, publish, archive, delete) on this blueprint.
from meeting_app.manage import meeting_views  # noqa: E402, F401
