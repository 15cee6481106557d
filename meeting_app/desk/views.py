"""The hosts' desk. Every view here requires the host or organiser role (set once
for the blueprint); hosts work at any meeting's desk, since host accounts are
not tied to one meeting (a badge or a person of another meeting is refused).

Check-in answers JSON to the scan page's script (which sends the CSRF token in
a header) and redirects with a message for the plain forms that work without it."""

import uuid
from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import for_staff_of_any_meeting, require_role
from meeting_app.core.database import as_id
from meeting_app.core.i18n import LANGUAGE_NAMES, current_language, format_clock, localized
from meeting_app.core.security import public_base_url
from meeting_app.core.tasks import commit
from meeting_app.core.uploads import MB, accepts_upload
from meeting_app.core.views import attachment, safe_next
from meeting_app.desk import arrivals, photos, services
from meeting_app.desk.forms import PhotoForm, ReprintForm, WalkInForm
from meeting_app.desk.models import CheckInMethod
from meeting_app.desk.services import BadCode, CodeProblem, Outcome
from meeting_app.documents import badges
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.registration.exports import MIMETYPES, csv_delimiter
from meeting_app.registration.models import Participant
from meeting_app.registration.services import DuplicateRegistration, delegation_choices

bp = Blueprint("desk", __name__, url_prefix="/desk")
require_role(bp, Role.HOST, services.desk_meeting)


# What an archived meeting closes at the desk (its lists and badges stay readable).
_CLOSED_WHEN_ARCHIVED = {"desk.check_in", "desk.badge_check_in", "desk.walk_in"}


@bp.before_request
def _archived_meeting_closes_the_desk():
    """Runs after the role guard, which left the page's meeting in `g.meeting`."""
    meeting = g.get("meeting")
    if meeting is None or request.endpoint not in _CLOSED_WHEN_ARCHIVED:
        return None
    if not meetings.is_archived(meeting):
        return None
    message = _("This meeting is archived: check-in and walk-in registration are closed.")
    if request.method == "GET":
        flash(message, "warning")
        return redirect(url_for(".check_in_page", slug=meeting.slug))
    return _error(message, 409, meeting.slug)


@bp.get("/")
@for_staff_of_any_meeting
def index():
    return render_template("desk/index.html", rows=services.desk_overview(current_user))


def _meeting(slug: str) -> Meeting:
    return meetings.get_meeting(slug)


def _wants_json() -> bool:
    return request.is_json


# --- Messages shown after a scan or a click ------------------------------------------


def _problem_message(error: BadCode) -> str:
    if error.problem is CodeProblem.OTHER_MEETING:
        title = localized(error.meeting.title, error.meeting.default_language).text
        return _("This badge is for another meeting: %(title)s. Not checked in.", title=title)
    return {
        CodeProblem.MALFORMED: _("This is not a badge of this meeting manager. Not checked in."),
        CodeProblem.PRIVATE_LINK: _(
            "This is a participant's private link, not a badge. Scan the QR code on the badge."
        ),
        CodeProblem.UNKNOWN: _("Unknown badge: no participant has this code. Not checked in."),
    }[error.problem]


def _result_message(result: services.CheckInResult, meeting: Meeting) -> tuple[str, str]:
    """(message, tone): ok (green), warn (amber) or bad (red)."""
    participant = result.participant
    if result.outcome is Outcome.CHECKED_IN:
        time = format_clock(result.check_in.checked_in_at, meeting.timezone)
        return _("Checked in at %(time)s.", time=time), "ok"
    if result.outcome is Outcome.ALREADY:
        time = format_clock(result.check_in.checked_in_at, meeting.timezone)
        return _("Already checked in today at %(time)s.", time=time), "warn"
    if result.outcome is Outcome.REFUSED:
        return _(
            "Not checked in. Registration status: %(status)s.", status=participant.status.label
        ), "bad"
    return _(
        "Not checked in: an organiser must first approve the registration (status: %(status)s).",
        status=participant.status.label,
    ), "warn"


def _person(participant: Participant) -> dict:
    return {
        "name": participant.badge_name or participant.full_name,
        "full_name": participant.full_name,
        "delegation": participant.delegation.country.name(current_language())
        if participant.delegation
        else "",
        "organisation": participant.organisation,
        "category": str(participant.category.label),
        "role": str(participant.role.label),
        "status": participant.status.value,
        "status_label": str(participant.status.label),
        "page": url_for("desk.badge", code=participant.badge_code),
    }


def _result_json(result: services.CheckInResult, meeting: Meeting) -> dict:
    message, tone = _result_message(result, meeting)
    check_in = result.check_in
    return {
        "outcome": result.outcome.value,
        "tone": tone,
        "message": message,
        "participant": _person(result.participant),
        "check_in": {
            "id": check_in.id,
            "time": format_clock(check_in.checked_in_at, meeting.timezone),
            "undo_url": url_for("desk.undo", slug=meeting.slug, check_in_id=check_in.id),
        }
        if check_in is not None
        else None,
    }


def _error(message: str, status: int, slug: str):
    if _wants_json():
        return jsonify({"outcome": "error", "tone": "bad", "message": message}), status
    flash(message, "error")
    return redirect(_back(slug))


def _back(slug: str | None = None) -> str:
    fallback = url_for("desk.check_in_page", slug=slug) if slug else url_for("desk.index")
    return safe_next(request.form.get("next"), fallback)


# --- Check-in --------------------------------------------------------------------------


@bp.get("/meetings/<slug>/")
def meeting_desk(slug: str):
    return redirect(url_for(".check_in_page", slug=slug))


@bp.get("/meetings/<slug>/check-in")
def check_in_page(slug: str):
    """Scan (camera, or a barcode scanner typing into the field) and search. Without
    JavaScript the field searches, and a badge URL typed there finds its person."""
    meeting = _meeting(slug)
    return render_template("desk/check_in.html", **_results(meeting), day=meeting.local_date())


@bp.get("/meetings/<slug>/search")
def search(slug: str):
    """The search results alone, for the scan page's script (no page reload, so
    the camera keeps running)."""
    return render_template("desk/_results.html", **_results(_meeting(slug)))


def _results(meeting: Meeting) -> dict:
    """What the scan page and its script's search show for the query `q`."""
    query = request.args.get("q", "").strip()[:300]
    people, problem = _lookup(meeting, query)
    return {
        "meeting": meeting,
        "query": query,
        "people": people,
        "problem": problem,
        "today": services.today_check_ins(meeting, people),
        "new_scan_id": _new_scan_id,
    }


def _lookup(meeting: Meeting, query: str) -> tuple[list[Participant], str | None]:
    if not query:
        return [], None
    if "/desk/badge/" in query or "/r/" in query or "/d/" in query:
        # A badge's URL typed by a barcode scanner (or a private link by mistake).
        try:
            return [services.find_badge(meeting, query)], None
        except BadCode as error:
            return [], _problem_message(error)
    # Anything else is a name, organisation or delegation, slashes and all
    # ("Ministère de l'Intérieur / DGSN").
    return services.search(meeting, query), None


def _new_scan_id() -> str:
    """Each check-in button carries its own id: a double submit records once."""
    return uuid.uuid4().hex


@bp.post("/meetings/<slug>/check-in")
def check_in(slug: str):
    """Checks someone in, by the badge's code (a scan) or their id (a search).
    Answers JSON to the script, else redirects back with a message."""
    meeting = _meeting(slug)
    data = request.get_json(silent=True) if _wants_json() else request.form
    if not hasattr(data, "get"):  # JSON that is not an object
        return _error(_("Scan a badge or choose a person. Nothing was recorded."), 422, slug)
    code, participant_id = data.get("code"), data.get("participant_id")
    scan_id = data.get("scan_id") or None
    if isinstance(code, str) and code.strip():
        try:
            participant = services.find_badge(meeting, code[:500])
        except BadCode as error:
            status = 404 if error.problem is CodeProblem.UNKNOWN else 422
            return _error(_problem_message(error), status, slug)
        method = CheckInMethod.SCAN
    elif str(participant_id or "").isdigit():
        row_id = as_id(participant_id)
        participant = db.session.get(Participant, row_id) if row_id else None
        if participant is None or participant.meeting_id != meeting.id:
            return _error(_("No such participant in this meeting. Not checked in."), 404, slug)
        method = CheckInMethod.SEARCH
    else:
        return _error(_("Scan a badge or choose a person. Nothing was recorded."), 422, slug)
    result = services.check_in(
        participant,
        by_user=current_user,
        method=method,
        scan_id=str(scan_id)[:64] if scan_id else None,
        now=services.scan_time(data.get("scanned_at")),
    )
    # The answer is made before the commit, which would expire what it shows.
    answer = _result_json(result, meeting) if _wants_json() else _result_message(result, meeting)
    commit()
    if _wants_json():
        return jsonify(answer)
    message, tone = answer
    flash(f"{participant.full_name}: {message}", _FLASH[tone])
    return redirect(_back(slug))


_FLASH = {"ok": "success", "warn": "warning", "bad": "error"}


@bp.post("/meetings/<slug>/check-ins/<int:check_in_id>/undo")
def undo(slug: str, check_in_id: int):
    meeting = _meeting(slug)
    record = services.get_check_in(meeting, check_in_id)
    if record is None:
        return _error(_("No such check-in in this meeting."), 404, slug)
    undone = services.undo(record, by_user=current_user)
    commit()
    name = record.participant.full_name
    message = (
        _("Check-in of %(name)s undone.", name=name)
        if undone
        else _("The check-in of %(name)s was already undone.", name=name)
    )
    if _wants_json():
        return jsonify({"outcome": "undone", "tone": "warn", "message": message})
    flash(message, "success" if undone else "warning")
    return redirect(_back(slug))


# --- What a badge's QR code opens -------------------------------------------------------


@bp.get("/badge/<code>")
@for_staff_of_any_meeting  # an unknown code: the view answers 404 (counted)
def badge(code: str):
    """What a badge's QR code opens (with a phone's own camera app, say): who this
    is, whether they are checked in today, and the button that checks them in.
    Reading it changes nothing."""
    participant = services.find_by_badge_code(code)
    if participant is None:
        abort(404)
    return _badge_page(participant)


def _badge_page(participant: Participant, photo_form: PhotoForm | None = None, status: int = 200):
    meeting = participant.meeting
    question = photos.desk_question(meeting.id) if participant.erased_at is None else None
    return render_template(
        "desk/badge.html",
        participant=participant,
        meeting=meeting,
        today=services.standing_check_in(participant, meeting.local_date()),
        history=services.check_ins_of(participant),
        new_scan_id=_new_scan_id,
        reprint_form=ReprintForm(),
        print_now=request.args.get("print") == "1",
        # No photo question (or a sensitive one): the page offers no photo; an
        # archived meeting shows it and takes none.
        photo_question=question,
        photo_form=None if meetings.is_archived(meeting) else (photo_form or PhotoForm()),
        photo=photos.current_photo(participant, question) if question is not None else None,
        photo_max_mb=photos.MAX_BYTES // MB,
    ), status


@bp.post("/badge/<code>/check-in")
@for_staff_of_any_meeting  # an unknown code: the view answers 404 (counted)
def badge_check_in(code: str):
    participant = services.find_by_badge_code(code)
    if participant is None:
        abort(404)
    result = services.check_in(
        participant,
        by_user=current_user,
        method=CheckInMethod.SCAN,
        scan_id=(request.form.get("scan_id") or "")[:64] or None,
    )
    commit()
    message, tone = _result_message(result, participant.meeting)
    flash(message, _FLASH[tone])
    return redirect(url_for(".badge", code=code))


# --- Reprints and walk-ins ----------------------------------------------------------------


@bp.post("/meetings/<slug>/participants/<int:participant_id>/badge.pdf")
def print_badge(slug: str, participant_id: int):
    """One badge as a PDF, recorded (a reprint when it was printed before)."""
    meeting = _meeting(slug)
    participant = meetings.get_in_meeting(Participant, participant_id, meeting)
    form = ReprintForm()
    back = url_for(".badge", code=participant.badge_code)
    if not form.validate_on_submit():
        flash(_("Choose a badge layout."), "error")
        return redirect(back)
    try:
        pdf = badges.badges_pdf(
            meeting,
            [participant],
            layout=form.layout.data,
            language=meeting.default_language,
            base_url=public_base_url(),
        )
    except RenderError:
        db.session.rollback()
        flash(_("The badge could not be prepared; nothing was recorded. Try again."), "error")
        return redirect(back)
    badges.record_prints([participant], form.layout.data, current_user)
    commit()
    return attachment(
        pdf, f"{meeting.slug}-badge-{participant.id}-{form.layout.data}.pdf", "application/pdf"
    )


# --- Photos ---------------------------------------------------------------------------------


@bp.post("/meetings/<slug>/participants/<int:participant_id>/photo")
@accepts_upload(photos.MAX_BYTES + MB)  # the photo and the form around it
def take_photo(slug: str, participant_id: int):
    """Takes (or replaces) the person's photo: from the page's camera script, which
    sends a JPEG cropped to 35:45, or a file chosen in the plain form."""
    meeting = _meeting(slug)
    participant = meetings.get_in_meeting(Participant, participant_id, meeting)
    question = photos.desk_question(meeting.id)
    if question is None or participant.erased_at is not None:
        abort(404)
    if meetings.is_archived(meeting):  # after the person is found: another's is a 404
        flash(_("This meeting is archived: its photos can no longer change."), "warning")
        return redirect(url_for(".badge", code=participant.badge_code))
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            photos.take_photo(
                participant,
                question,
                form.photo.data.read(photos.MAX_BYTES + 1),
                by_user=current_user,
            )
        except files.FileRefused as error:
            db.session.rollback()
            form.photo.errors.append(files.message(error))
        else:
            commit()
            flash(
                _("Photo saved. Print the badge again to put it on.")
                if meeting.photo_on_badges
                else _("Photo saved."),
                "success",
            )
            return redirect(url_for(".badge", code=participant.badge_code))
    return _badge_page(participant, form, 422)


@bp.get("/meetings/<slug>/participants/<int:participant_id>/photo.jpg")
def photo(slug: str, participant_id: int):
    """The person's photo, for the desk's page (staff of the meeting only, set
    for the blueprint)."""
    meeting = _meeting(slug)
    participant = meetings.get_in_meeting(Participant, participant_id, meeting)
    question = photos.desk_question(meeting.id)
    stored = photos.current_photo(participant, question) if question is not None else None
    if stored is None:
        abort(404)
    return files.response(stored, inline=True)


@bp.route("/meetings/<slug>/walk-in", methods=["GET", "POST"])
def walk_in(slug: str):
    """Registers someone at the door; approved ones are checked in at once, and the
    next page prints their badge."""
    meeting = _meeting(slug)
    form = WalkInForm(delegation_choices(meeting, current_language()), LANGUAGE_NAMES)
    if not form.is_submitted():
        form.preferred_language.data = meeting.default_language
    if form.validate_on_submit():
        try:
            participant, result = services.register_walk_in(
                meeting, form.values(), by_user=current_user
            )
        except DuplicateRegistration:
            db.session.rollback()
            form.email.errors.append(
                _("This address is already registered for this meeting: search for the person.")
            )
        else:
            commit()
            if result is not None and result.recorded:
                flash(
                    _("%(name)s is registered and checked in.", name=participant.full_name),
                    "success",
                )
            else:
                flash(
                    _(
                        "%(name)s is registered (%(status)s): not checked in until an "
                        "organiser approves the registration.",
                        name=participant.full_name,
                        status=participant.status.label,
                    ),
                    "warning",
                )
            return redirect(url_for(".badge", code=participant.badge_code, print=1))
    return render_template(
        "desk/walk_in.html",
        meeting=meeting,
        form=form,
        approved=services.walk_in_status(meeting).value == "approved",
    ), 422 if form.errors else 200


# --- Arrivals ---------------------------------------------------------------------------


def _day(meeting: Meeting, days: list[date]) -> date:
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return arrivals.default_day(meeting, days)
    return day if day in days else arrivals.default_day(meeting, days)


def _arrivals(slug: str, template: str):
    meeting = _meeting(slug)
    days = arrivals.board_days(meeting)
    return render_template(
        template,
        meeting=meeting,
        board=arrivals.board(meeting, _day(meeting, days), current_language()),
        counted_at=utcnow(),
    )


@bp.get("/meetings/<slug>/arrivals")
def arrivals_board(slug: str):
    return _arrivals(slug, "desk/arrivals.html")


@bp.get("/meetings/<slug>/arrivals/figures")
def arrivals_figures(slug: str):
    """The board's figures alone, which its script fetches to update the board in
    place (a reload would lose a screen reader's place on the page)."""
    response = make_response(_arrivals(slug, "desk/_arrivals_figures.html"))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/meetings/<slug>/arrivals.csv")
def arrivals_export(slug: str):
    meeting = _meeting(slug)
    language = current_language()
    content = arrivals.arrivals_csv(
        meeting, language, csv_delimiter(request.args.get("sep"), language)
    )
    audit.record("arrivals.exported", user=current_user, meeting=meeting, details="csv")
    commit()
    return attachment(content, f"{meeting.slug}-arrivals.csv", MIMETYPES["csv"])
