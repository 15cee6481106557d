"""Organisers' agenda pages under /manage/meetings/<slug>/agenda (organiser role,
set once for the blueprint): the timetable, session and room forms, conflicts,
publishing and copying. The timetable's drag-and-drop posts to `move`, which goes
through the same service and checks as the forms."""

from datetime import date, datetime, time, timedelta

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.agenda import services
from meeting_app.agenda.forms import RoomForm, SessionForm, person_label
from meeting_app.agenda.models import AgendaSession, Room
from meeting_app.agenda.notify import notify_changes
from meeting_app.agenda.timetable import build_timetable
from meeting_app.core.collation import collated
from meeting_app.core.database import as_id
from meeting_app.core.forms import EmptyForm
from meeting_app.core.tasks import commit
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.registration.models import Participant, RegistrationStatus

bp = Blueprint("agenda_manage", __name__, url_prefix="/manage/meetings/<slug>/agenda")
require_role(bp, Role.ORGANISER)


def error_message(error: services.AgendaError) -> str:
    at = error.details.get("at")
    return {
        "end_before_start": _("The session must end after it starts."),
        "start_nonexistent": _(
            "This start time does not exist on that day in the meeting's "
            "time zone (the clocks jump forward)."
        ),
        "end_nonexistent": _(
            "This end time does not exist on that day in the meeting's "
            "time zone (the clocks jump forward)."
        ),
        "start_ambiguous": _(
            "This start time happens twice on that day in the meeting's "
            "time zone (the clocks go back): choose another."
        ),
        "end_ambiguous": _(
            "This end time happens twice on that day in the meeting's "
            "time zone (the clocks go back): choose another."
        ),
        "foreign_room": _("Choose a room of this meeting."),
        "foreign_person": _("Choose people registered for this meeting, or type a guest's name."),
        "ambiguous_person": _(
            "Some names fit several participants: say which one is meant in the rows marked."
        ),
        "room_exists": _("This meeting already has a room with that name."),
        "room_hours": _("The room must close after it opens."),
        "join_url": _(
            "Give the join link as a full https:// address, e.g. https://zoom.us/j/123456789."
        ),
        "dial_in": _("At most 1000 characters."),
        "stale": _(
            "Someone changed this session after you opened it. Your changes were not "
            "saved: here is the session as it is now."
        ),
    }.get(error.code, error.code) + (f" ({at:%Y-%m-%d %H:%M})" if at else "")


def _people_choices(meeting) -> list[str]:
    rows = db.session.execute(
        db.select(Participant)
        .where(
            Participant.meeting_id == meeting.id, Participant.status != RegistrationStatus.CANCELLED
        )
        .order_by(collated(Participant.family_name), collated(Participant.given_name))
    ).scalars()
    return [person_label(p) for p in rows]


def _session(meeting, session_id: int) -> AgendaSession:
    return meetings.get_in_meeting(AgendaSession, session_id, meeting)


@bp.get("/")
def index(slug: str):
    meeting = meetings.get_meeting(slug)
    rooms = services.rooms_of(meeting)
    days = [
        meeting.start_date + timedelta(days=n)
        for n in range((meeting.end_date - meeting.start_date).days + 1)
    ]
    day = _arg_date("day") or days[0]
    # Overlaps happen within a day: the day's sessions are all the grid needs.
    sessions = services.sessions_of(meeting, day)
    found = services.conflicts(meeting, sessions)
    timetable = build_timetable(meeting, day, sessions, rooms)
    return render_template(
        "agenda/manage/timetable.html",
        meeting=meeting,
        day=day,
        days=days,
        timetable=timetable,
        conflicted={i for c in found for i in c.session_ids},
        conflict_count=len(found),
        version=services.latest_version(meeting),
        move_form=EmptyForm(),
        new_url=url_for(".new_session", slug=slug),
        # Worked out once per slot, not once per cell (40 rooms × 44 slots).
        slots=[
            (slot.strftime("%H:%M"), _("New session at %(time)s", time=slot.strftime("%H:%M")))
            for slot in timetable.slot_times()
        ],
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
def new_session(slug: str):
    meeting = meetings.get_meeting(slug)
    form = SessionForm(services.rooms_of(meeting), languages=meeting.languages)
    if not form.is_submitted():
        form.day.data = _arg_date("day") or meeting.start_date
        start = _arg_time("start") or time(9, 0)
        form.start.data = start
        form.end.data = (datetime.combine(date.today(), start) + timedelta(hours=1)).time()
        form.room_id.data = request.args.get("room", "")
    return _save(meeting, form, None)


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
def edit_session(slug: str, session_id: int):
    meeting = meetings.get_meeting(slug)
    session = _session(meeting, session_id)
    form = SessionForm(services.rooms_of(meeting), languages=meeting.languages)
    if not form.is_submitted():
        form.fill_from(session, meeting.tz)
    return _save(meeting, form, session)


def _save(meeting, form: SessionForm, session):
    if form.validate_on_submit():
        try:
            saved = services.save_session(
                meeting,
                form.data_for_service(),
                session=session,
                expected_revision=int(form.revision.data) if session else None,
            )
        except services.StaleSession as error:
            db.session.rollback()
            flash(error_message(error), "error")
            return redirect(url_for(".edit_session", slug=meeting.slug, session_id=session.id))
        except services.AgendaError as error:
            if error.code == "ambiguous_person":
                form.ask_which(error.details["rows"])  # before the rollback expires them
            db.session.rollback()
            target = getattr(form, error.field, None) if error.field != "people" else None
            (target.errors if target is not None else form.form_errors).append(error_message(error))
        else:
            commit()
            flash(_("Session saved (working copy: publish to show it)."), "success")
            day = saved.starts_at.astimezone(meeting.tz).date().isoformat()
            return redirect(url_for(".index", slug=meeting.slug, day=day))
    session_conflicts = [
        c
        for c in services.conflicts(meeting)
        if session is not None and session.id in c.session_ids
    ]
    form.note_namesakes(services.namesakes(meeting, form.guest_names()))
    return render_template(
        "agenda/manage/session_form.html",
        meeting=meeting,
        form=form,
        session=session,
        people=_people_choices(meeting),
        conflicts=session_conflicts,
        delete_form=EmptyForm(),
    ), (422 if form.errors else 200)


@bp.post("/sessions/<int:session_id>/delete")
def delete_session(slug: str, session_id: int):
    meeting = meetings.get_meeting(slug)
    session = _session(meeting, session_id)
    if EmptyForm().validate_on_submit():
        try:
            services.delete_session(session, request.form.get("revision", 0, type=int))
        except services.StaleSession as error:
            db.session.rollback()
            flash(error_message(error), "error")
            return redirect(url_for(".edit_session", slug=slug, session_id=session_id))
        commit()
        flash(_("Session deleted from the working copy."), "success")
    return redirect(url_for(".index", slug=slug))


@bp.post("/sessions/<int:session_id>/move")
def move(slug: str, session_id: int):
    """Drag-and-drop: JSON in ({start, end: "YYYY-MM-DDTHH:MM" local, room_id, revision}),
    JSON out; the CSRF token comes in the X-CSRFToken header."""
    meeting = meetings.get_meeting(slug)
    session = _session(meeting, session_id)
    payload = request.get_json(silent=True) or {}
    try:
        start = datetime.fromisoformat(str(payload["start"]))
        end = datetime.fromisoformat(str(payload["end"]))
        room_id = int(payload["room_id"]) if payload.get("room_id") not in (None, "") else None
        revision = int(payload["revision"])
    except (KeyError, ValueError, TypeError):
        return jsonify(error=_("The move could not be read.")), 400
    if end.date() != start.date():
        return jsonify(error=_("A session must end on the day it starts.")), 422
    try:
        services.move_session(
            meeting,
            session,
            day=start.date(),
            start=start.time(),
            end=end.time(),
            room_id=room_id,
            expected_revision=revision,
        )
    except services.StaleSession:
        db.session.rollback()
        return jsonify(
            error=_(
                "Someone changed this session after this page was opened: "
                "reload the page to see it as it is now."
            )
        ), 409
    except services.AgendaError as error:
        db.session.rollback()
        return jsonify(error=error_message(error)), 422
    commit()
    return jsonify(revision=session.revision, conflicts=len(services.conflicts(meeting)))


@bp.route("/rooms", methods=["GET", "POST"])
def rooms(slug: str):
    meeting = meetings.get_meeting(slug)
    editing = _room(meeting, request.args.get("room"))  # ?room=<id> edits that room
    form = RoomForm(obj=editing if editing and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.save_room(
                meeting,
                name=form.name.data,
                capacity=form.capacity.data,
                notes=form.notes.data or "",
                available_from=form.available_from.data,
                available_until=form.available_until.data,
                room=editing,
            )
        except services.AgendaError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error_message(error))
        else:
            commit()
            flash(_("Room saved."), "success")
            return redirect(url_for(".rooms", slug=slug))
    return render_template(
        "agenda/manage/rooms.html",
        meeting=meeting,
        form=form,
        editing=editing,
        rooms=services.rooms_of(meeting),
    ), 422 if form.errors else 200


def _room(meeting, room_id: str | None) -> Room | None:
    row_id = as_id(room_id)
    return meetings.get_in_meeting(Room, row_id, meeting) if row_id else None


@bp.get("/conflicts")
def conflicts(slug: str):
    meeting = meetings.get_meeting(slug)
    sessions = services.sessions_of(meeting)
    by_id = {s.id: s for s in sessions}
    return render_template(
        "agenda/manage/conflicts.html",
        meeting=meeting,
        conflicts=services.conflicts(meeting, sessions),
        sessions=by_id,
    )


@bp.route("/publish", methods=["GET", "POST"])
def publish(slug: str):
    meeting = meetings.get_meeting(slug)
    form = EmptyForm()
    if form.validate_on_submit():
        version = services.publish(meeting, by_user=current_user)
        notified = notify_changes(meeting, version) if request.form.get("notify") else 0
        commit()
        flash(_("Version %(number)d of the agenda is published.", number=version.number), "success")
        if notified:
            flash(
                ngettext(
                    "%(num)d participant was told by e-mail that their sessions changed.",
                    "%(num)d participants were told by e-mail that their sessions changed.",
                    notified,
                ),
                "info",
            )
        return redirect(url_for(".index", slug=slug))
    return render_template(
        "agenda/manage/publish.html",
        meeting=meeting,
        form=form,
        changes=services.pending_changes(meeting),
        conflicts=services.conflicts(meeting),
        version=services.latest_version(meeting),
    )


@bp.route("/copy", methods=["GET", "POST"])
def copy(slug: str):
    meeting = meetings.get_meeting(slug)
    sources = services.previous_meetings(meeting)
    form = EmptyForm()
    if form.validate_on_submit():
        source = next((m for m in sources if str(m.id) == request.form.get("source")), None)
        if source is None:
            flash(_("Choose a previous meeting of the same series."), "error")
        else:
            count = services.copy_agenda(source, meeting)
            commit()
            flash(
                ngettext(
                    "%(num)d session copied into the working copy.",
                    "%(num)d sessions copied into the working copy.",
                    count,
                ),
                "success",
            )
            return redirect(url_for(".index", slug=slug))
    return render_template("agenda/manage/copy.html", meeting=meeting, form=form, sources=sources)


def _arg_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _arg_time(name: str) -> time | None:
    try:
        return time.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
