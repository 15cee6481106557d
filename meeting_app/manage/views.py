"""The organisers' back office. Every view here requires the organiser role."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_roles
from meeting_app.core.database import requested_page
from meeting_app.core.forms import EmptyForm
from meeting_app.extensions import db
from meeting_app.mail import services as mail
from meeting_app.mail.models import MailStatus, OutgoingMail
from meeting_app.manage import services
from meeting_app.meetings import services as meetings
from meeting_app.registration.models import RegistrationStatus
from meeting_app.registration.queries import status_counts

bp = Blueprint("manage", __name__, url_prefix="/manage")
require_roles(bp, [Role.ORGANISER])


@bp.get("/")
def index():
    return render_template(
        "manage/index.html", rows=services.meetings_overview(), statuses=list(RegistrationStatus)
    )


@bp.get("/meetings/<slug>/")
def meeting(slug: str):
    meeting = meetings.get_meeting(slug)
    return render_template(
        "manage/meeting.html",
        meeting=meeting,
        counts=status_counts(meeting),
        statuses=list(RegistrationStatus),
    )


@bp.get("/outbox")
def outbox():
    """Every e-mail the app has sent or still holds. In development (no mail server)
    this is where a newcomer finds the confirmation mail and its private link."""
    status = request.args.get("status", "")
    query = db.select(OutgoingMail).order_by(OutgoingMail.id.desc())
    if status in {s.value for s in MailStatus}:
        query = query.filter(OutgoingMail.status == status)
    page = db.paginate(query, page=requested_page(), per_page=50, error_out=False)
    pending = db.session.scalar(
        db.select(db.func.count(OutgoingMail.id)).filter_by(status=MailStatus.PENDING)
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
    return render_template("manage/outbox_mail.html", mail=db.get_or_404(OutgoingMail, mail_id))


@bp.post("/outbox/send")
def send_pending():
    if EmptyForm().validate_on_submit():
        done, still = mail.deliver_pending()
        flash(
            _("%(done)d e-mails sent, %(still)d still waiting.", done=done, still=still),
            "success" if not still else "warning",
        )
    return redirect(url_for(".outbox"))
