"""The hosts' desk. Every view here requires the host or organiser role."""

from flask import Blueprint, render_template

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_roles
from meeting_app.desk import services

bp = Blueprint("desk", __name__, url_prefix="/desk")
require_roles(bp, [Role.HOST, Role.ORGANISER])


@bp.get("/")
def index():
    return render_template("desk/index.html", rows=services.desk_overview())
