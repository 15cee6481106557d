"""Public agenda pages, its JSON, and each participant's own programme (/r/<token>)."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from meeting_app.agenda import attendance, feed_links, frab, ical, join_links
from meeting_app.agenda.models import AgendaSession, SessionKind
from meeting_app.agenda.published import (
    PublishedAgenda,
    as_json,
    by_day,
    published_agenda,
    shown,
)
from meeting_app.agenda.times import zone_of_days
from meeting_app.core.collation import sort_key
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import (
    current_language,
    language_from_address,
    localized,
    requested_language,
    timezone_label,
)
from meeting_app.core.security import public_base_url
from meeting_app.core.views import private_page
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.registration.services import find_by_token

bp = Blueprint("agenda", __name__)


@bp.get("/meetings/<slug>/agenda")
@language_from_address
def agenda(slug: str):
    meeting = meetings.get_public_meeting(slug)
    published = published_agenda(meeting)
    days = by_day(published.sessions, meeting)
    rooms = sorted({s.room["name"] for s in published.sessions if s.room}, key=sort_key())
    kinds = sorted({s.kind for s in published.sessions}, key=lambda k: list(SessionKind).index(k))
    chosen_day, chosen_room, chosen_kind = (
        request.args.get(k, "") for k in ("day", "room", "kind")
    )
    language = current_language()
    visible = {
        day: shown(
            [
                s
                for s in sessions
                if (not chosen_room or (s.room and s.room["name"] == chosen_room))
                and (not chosen_kind or s.kind.value == chosen_kind)
            ],
            meeting,
            language,
        )
        for day, sessions in days.items()
        if not chosen_day or day.isoformat() == chosen_day
    }
    day_zones, zone = zone_of_days(meeting.timezone, list(days) or [meeting.start_date])
    return render_template(
        "agenda/public.html",
        meeting=meeting,
        published=published,
        days=visible,
        day_zones=day_zones,
        zone=zone,
        all_days=list(days),
        rooms=rooms,
        kinds=kinds,
        chosen={"day": chosen_day, "room": chosen_room, "kind": chosen_kind},
    )


@bp.get("/meetings/<slug>/sessions/<int:session_id>")
@language_from_address
def session_detail(slug: str, session_id: int):
    meeting = meetings.get_public_meeting(slug)
    session = published_agenda(meeting).session(session_id)
    if session is None:
        abort(404)
    day = session.starts_at.astimezone(meeting.tz).date()
    return render_template(
        "agenda/session.html",
        meeting=meeting,
        session=session,
        zone=timezone_label(meeting.timezone, day),
    )


@bp.get("/meetings/<slug>/agenda.json")
def agenda_json(slug: str):
    meeting = meetings.get_public_meeting(slug)
    return jsonify(as_json(meeting, published_agenda(meeting), public_base_url()))


def _base_url() -> str:
    return public_base_url()


def _calendar_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/meetings/<slug>/agenda.ics")
def agenda_ics(slug: str):
    meeting = meetings.get_public_meeting(slug)
    language = requested_language()
    title = localized(meeting.title, meeting.default_language, language).text
    body = ical.agenda_calendar(
        meeting, published_agenda(meeting), language=language, base_url=_base_url(), name=title
    )
    return _calendar_response(body, f"{meeting.slug}.ics")


@bp.get("/meetings/<slug>/meeting.ics")
def meeting_ics(slug: str):
    meeting = meetings.get_public_meeting(slug)
    body = ical.meeting_event_calendar(
        meeting, language=requested_language(), base_url=_base_url(), stamp=meeting.updated_at
    )
    return _calendar_response(body, f"{meeting.slug}-meeting.ics")


@bp.get("/meetings/<slug>/sessions/<int:session_id>.ics")
def session_ics(slug: str, session_id: int):
    meeting = meetings.get_public_meeting(slug)
    agenda = published_agenda(meeting)
    session = agenda.session(session_id)
    if session is None:
        abort(404)
    language = requested_language()
    title = localized(session.title, meeting.default_language, language)
    # One session's file: without the cancellations the full feed carries.
    body = ical.agenda_calendar(
        meeting,
        PublishedAgenda(agenda.version, agenda.sessions),
        language=language,
        base_url=_base_url(),
        name=title.text,
        only={session_id},
    )
    return _calendar_response(body, f"{meeting.slug}-{session_id}.ics")


@bp.get("/meetings/<slug>/schedule.xml")
def schedule_xml(slug: str):
    meeting = meetings.get_public_meeting(slug)
    body = frab.schedule_xml(
        meeting, published_agenda(meeting), language=requested_language(), base_url=_base_url()
    )
    return Response(body, mimetype="application/xml")


@bp.get("/meetings/<slug>/schedule.json")
def schedule_json(slug: str):
    meeting = meetings.get_public_meeting(slug)
    return jsonify(
        frab.schedule_json(
            meeting, published_agenda(meeting), language=requested_language(), base_url=_base_url()
        )
    )


@bp.get("/r/<token>/programme.ics")
def programme_ics(token: str):
    """The participant's own feed: sessions chosen or with a role, and cancellations.
    The participant's token is the key, so a new private link revokes the feed."""
    participant = _participant(token)
    meeting = participant.meeting
    agenda = published_agenda(meeting)
    mine = {item.session.id for item in attendance.programme(participant, agenda.sessions)}
    language = participant.preferred_language
    body = ical.agenda_calendar(
        meeting,
        agenda,
        language=language,
        base_url=_base_url(),
        name=localized(meeting.title, meeting.default_language, language).text,
        only=mine,
        # Approved participants only: their sessions' join links (CONFERENCE).
        join_links=join_links.links_for(participant, mine),
        # Sessions with documents for them: a link to their documents page.
        document_links=feed_links.links(participant, mine, _base_url()),
    )
    return private_page(_calendar_response(body, f"{meeting.slug}-my-programme.ics"))


def _participant(token: str):
    participant = find_by_token(token)
    if participant is None:
        abort(404)
    return participant


@bp.get("/r/<token>/programme")
def programme(token: str):
    participant = _participant(token)
    meeting = participant.meeting
    published = published_agenda(meeting)
    chosen = attendance.chosen_session_ids(participant)
    days = by_day(published.sessions, meeting)
    day_zones, zone = zone_of_days(meeting.timezone, list(days) or [meeting.start_date])
    return private_page(
        render_template(
            "agenda/programme.html",
            participant=participant,
            meeting=meeting,
            days=days,
            day_zones=day_zones,
            zone=zone,
            chosen=chosen,
            items=attendance.programme(participant, published.sessions),
            links=join_links.links_for(participant, [s.id for s in published.sessions]),
            form=EmptyForm(),
        )
    )


@bp.post("/r/<token>/programme/<int:session_id>")
def choose(token: str, session_id: int):
    participant = _participant(token)
    published = published_agenda(participant.meeting).session(session_id)
    session = db.session.get(AgendaSession, session_id)
    if published is None or session is None or session.meeting_id != participant.meeting_id:
        abort(404)
    if EmptyForm().validate_on_submit():
        if request.form.get("attend") == "1":
            try:
                attendance.attend(participant, session)
            except attendance.AttendanceError as error:
                db.session.rollback()
                flash(
                    {
                        "full": _("This session is full."),
                        "already": _("This session is already in your programme."),
                        "approval": _(
                            "This session has a limited number of places: you can choose it "
                            "once the organisers have approved your registration."
                        ),
                    }.get(str(error), _("Your registration does not allow choosing sessions.")),
                    "error",
                )
            else:
                db.session.commit()
        else:
            attendance.leave(participant, session)
            db.session.commit()
    return redirect(url_for(".programme", token=token) + f"#session-{session_id}")
