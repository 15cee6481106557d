from flask import Blueprint, render_template

from meeting_app.communiques import services as communiques
from meeting_app.core.i18n import language_from_address
from meeting_app.meetings import services

bp = Blueprint("meetings", __name__)


@bp.get("/")
@language_from_address
def home():
    upcoming, past = services.upcoming_and_past()
    return render_template(
        "meetings/home.html",
        upcoming=upcoming,
        past=past,
        communiques=services.latest_communiques(),
    )


@bp.get("/meetings/<slug>/")
@language_from_address
def meeting_detail(slug: str):
    meeting = services.get_public_meeting(slug)
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        figures=services.public_figures(meeting),
        registration=services.registration_state(meeting),
        communiques=communiques.of_meeting(meeting),
    )
