"""The organisers' back office. Every view here requires the organiser role."""

from flask import Blueprint, render_template

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_roles
from meeting_app.manage import services
from meeting_app.registration.models import RegistrationStatus

bp = Blueprint("manage", __name__, url_prefix="/manage")
require_roles(bp, [Role.ORGANISER])


@bp.get("/")
def index():
    return render_template(
        "manage/index.html", rows=services.meetings_overview(), statuses=list(RegistrationStatus)
    )
