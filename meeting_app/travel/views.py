"""The travel section's pages, in three blueprints, each guarded once:

- `travel`: the participant's own travel and room, on their private link
  (/r/<token>/travel; the one look-up by token is the guard);
- `travel_manage`: the organisers' (/manage/meetings/<slug>/travel/...): the
  section's switch, hotels and room blocks, everyone's travel;
- `travel_desk`: the host's lists (/desk/meetings/<slug>/travel/...): airport
  pick-ups, departures and the rooming list, as pages and CSV, XLSX, PDF.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import current_language, zone_name
from meeting_app.core.tasks import commit
from meeting_app.core.views import attachment, private_page
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.privacy import audit
from meeting_app.registration.exports import MIMETYPES, csv_delimiter
from meeting_app.registration.models import Participant
from meeting_app.registration.services import find_by_token
from meeting_app.travel import exports, services
from meeting_app.travel.forms import NO_ROOM, BlockForm, HotelForm, SwitchForm, TravelForm
from meeting_app.travel.models import Hotel, RoomBlock

bp = Blueprint("travel", __name__)
# Every page here is reached by a private link and carries the person's data.
bp.after_request(private_page)

manage_bp = Blueprint("travel_manage", __name__, url_prefix="/manage/meetings/<slug>/travel")
require_role(manage_bp, Role.ORGANISER)

desk_bp = Blueprint("travel_desk", __name__, url_prefix="/desk/meetings/<slug>/travel")
require_role(desk_bp, Role.HOST)


# --- Shared by the participant's page and the organisers' ------------------------------


def _travel_form(participant: Participant) -> TravelForm:
    booking = services.booking_of(participant)
    meeting = participant.meeting
    form = TravelForm(
        meeting, services.blocks_to_choose(meeting, booking.block if booking else None)
    )
    if not form.is_submitted():
        form.fill_from(services.travel_of(participant), booking)
    return form


def _save_travel(participant: Participant, form: TravelForm, by_user=None) -> list[str] | None:
    """Saves a valid form; None, with the reason on the form, when it could not be
    saved (a block full at that moment, a save of the same person's at the same
    moment). Another meeting's block is a 404."""
    try:
        changed = services.save(
            participant,
            form.travel_input(),
            form.block_id(),
            form.share_with.data or "",
            by_user=by_user,
        )
    except services.UnknownBlock:
        db.session.rollback()
        abort(404)
    except services.BlockFull:
        db.session.rollback()
        _room_refused(
            participant,
            form,
            _(
                "No room left in that block: someone took the last one a moment ago. "
                "Choose another room, or none. Nothing was saved yet: save again to "
                "keep your travel details."
            ),
        )
        return None
    except IntegrityError:
        # The same person's other request (a double click, another tab) took a room
        # first: that one is stored, this one changed nothing.
        db.session.rollback()
        _room_refused(
            participant,
            form,
            _(
                "Your travel details were just saved from another window or tab. "
                "Check your choices here and save again."
            ),
        )
        return None
    except services.TravelError as error:  # checked by the form already; a safety net
        db.session.rollback()
        for field, code in error.problems.items():
            getattr(form, field).errors.append(form.problem_message(code))
        return None
    commit()
    return changed


def _room_refused(participant: Participant, form: TravelForm, message: str) -> None:
    """What was typed stays in the form; the blocks are offered again as they are
    now (a full one leaves), with the room the person holds chosen, if any, so that
    saving again keeps it."""
    booking = services.booking_of(participant)
    form.offer(services.blocks_to_choose(participant.meeting, booking.block if booking else None))
    form.block.data = str(booking.block_id) if booking else NO_ROOM
    form.block.errors = [message]


def _page_context(meeting: Meeting) -> dict:
    return {"zone": zone_name(meeting.timezone), "nights": services.nights}


# --- The participant's page --------------------------------------------------------------


@bp.route("/r/<token>/travel", methods=["GET", "POST"])
def own_travel(token: str):
    participant = find_by_token(token)
    if participant is None:
        abort(404)
    if not services.may_travel(participant):
        flash(_("Travel and hotel details cannot be given or changed here."), "info")
        return redirect(url_for("registration.private_page", token=token))
    meeting = participant.meeting
    form = _travel_form(participant)
    if form.validate_on_submit() and _save_travel(participant, form) is not None:
        flash(_("Your travel details are saved."), "success")
        return redirect(url_for("registration.private_page", token=token))
    return render_template(
        "travel/own.html",
        participant=participant,
        meeting=meeting,
        form=form,
        booking=services.booking_of(participant),
        **_page_context(meeting),
    ), 422 if form.errors else 200


# --- The organisers' pages ---------------------------------------------------------------


def _hotel(meeting: Meeting, hotel_id: int) -> Hotel:
    return meetings.get_in_meeting(Hotel, hotel_id, meeting)


def _block(meeting: Meeting, block_id: int) -> RoomBlock:
    block = services.block_in(meeting, block_id)
    if block is None:
        abort(404)
    return block


@manage_bp.route("/", methods=["GET", "POST"])
def index(slug: str):
    meeting = meetings.get_meeting(slug)
    form = SwitchForm()
    if form.validate_on_submit():
        services.switch(meeting, form.enabled.data, by_user=current_user)
        commit()
        flash(
            _("Participants are asked for their travel and hotel.")
            if form.enabled.data
            else _("Participants are no longer asked for their travel and hotel."),
            "success",
        )
        return redirect(url_for(".index", slug=slug))
    if not form.is_submitted():
        form.enabled.data = meeting.travel_enabled
    return render_template(
        "travel/manage/index.html",
        meeting=meeting,
        form=form,
        hotels=services.hotels_of(meeting),
        empty_form=EmptyForm(),
        **_page_context(meeting),
    )


@manage_bp.route("/hotels/new", methods=["GET", "POST"])
def new_hotel(slug: str):
    meeting = meetings.get_meeting(slug)
    form = HotelForm()
    if form.validate_on_submit():
        hotel = services.save_hotel(
            meeting,
            name=form.name.data,
            address=form.address.data or "",
            notes=form.notes.data or "",
            by_user=current_user,
        )
        commit()
        flash(_("Hotel added. Now add its room blocks."), "success")
        return redirect(url_for(".hotel", slug=slug, hotel_id=hotel.id))
    return render_template(
        "travel/manage/hotel_new.html", meeting=meeting, form=form
    ), 422 if form.errors else 200


def _hotel_page(meeting, hotel, hotel_form, block_form, status=200):
    return render_template(
        "travel/manage/hotel.html",
        meeting=meeting,
        hotel=hotel,
        form=hotel_form,
        block_form=block_form,
        empty_form=EmptyForm(),
        **_page_context(meeting),
    ), 422 if hotel_form.errors or block_form.errors else status


@manage_bp.route("/hotels/<int:hotel_id>", methods=["GET", "POST"])
def hotel(slug: str, hotel_id: int):
    meeting = meetings.get_meeting(slug)
    hotel = _hotel(meeting, hotel_id)
    form = HotelForm(obj=hotel if request.method == "GET" else None)
    block_form = BlockForm(formdata=None)
    if form.validate_on_submit():
        services.save_hotel(
            meeting,
            name=form.name.data,
            address=form.address.data or "",
            notes=form.notes.data or "",
            hotel=hotel,
            by_user=current_user,
        )
        commit()
        flash(_("Hotel saved."), "success")
        return redirect(url_for(".hotel", slug=slug, hotel_id=hotel.id))
    return _hotel_page(meeting, hotel, form, block_form)


@manage_bp.post("/hotels/<int:hotel_id>/blocks")
def add_block(slug: str, hotel_id: int):
    meeting = meetings.get_meeting(slug)
    hotel = _hotel(meeting, hotel_id)
    block_form = BlockForm()
    if block_form.validate_on_submit() and _save_block(hotel, block_form, None):
        flash(_("Room block added."), "success")
        return redirect(url_for(".hotel", slug=slug, hotel_id=hotel.id))
    return _hotel_page(meeting, hotel, HotelForm(obj=hotel, formdata=None), block_form)


def _save_block(hotel: Hotel, form: BlockForm, block: RoomBlock | None) -> bool:
    taken = block.rooms_taken if block else 0
    try:
        services.save_block(
            hotel,
            room_type=form.room_type.data,
            first_night=form.first_night.data,
            last_night=form.last_night.data,
            rooms_count=form.rooms.data,
            block=block,
            by_user=current_user,
        )
    except services.TravelError as error:
        db.session.rollback()
        if block is not None:
            taken = block.rooms_taken  # read again: someone may have taken one meanwhile
        for field, code in error.problems.items():
            getattr(form, field).errors.append(form.problem_message(code, taken))
        return False
    commit()
    return True


@manage_bp.route("/blocks/<int:block_id>", methods=["GET", "POST"])
def block(slug: str, block_id: int):
    meeting = meetings.get_meeting(slug)
    block = _block(meeting, block_id)
    form = BlockForm(obj=block if request.method == "GET" else None)
    if form.validate_on_submit() and _save_block(block.hotel, form, block):
        flash(_("Room block saved."), "success")
        return redirect(url_for(".hotel", slug=slug, hotel_id=block.hotel_id))
    return render_template(
        "travel/manage/block.html",
        meeting=meeting,
        block=block,
        form=form,
        **_page_context(meeting),
    ), 422 if form.errors else 200


@manage_bp.post("/hotels/<int:hotel_id>/delete")
def delete_hotel(slug: str, hotel_id: int):
    meeting = meetings.get_meeting(slug)
    hotel = _hotel(meeting, hotel_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for(".hotel", slug=slug, hotel_id=hotel.id))
    try:
        services.delete_hotel(hotel, by_user=current_user)
    except services.BlockInUse:
        db.session.rollback()
        flash(
            _("Participants hold rooms in this hotel: move them to other rooms first."),
            "error",
        )
        return redirect(url_for(".hotel", slug=slug, hotel_id=hotel_id))
    commit()
    flash(_("Hotel deleted."), "success")
    return redirect(url_for(".index", slug=slug))


@manage_bp.post("/blocks/<int:block_id>/delete")
def delete_block(slug: str, block_id: int):
    meeting = meetings.get_meeting(slug)
    block = _block(meeting, block_id)
    hotel_id = block.hotel_id
    if not EmptyForm().validate_on_submit():
        return redirect(url_for(".hotel", slug=slug, hotel_id=hotel_id))
    try:
        services.delete_block(block, by_user=current_user)
    except services.BlockInUse:
        db.session.rollback()
        flash(_("Participants hold rooms in this block: move them to other rooms first."), "error")
    else:
        commit()
        flash(_("Room block deleted."), "success")
    return redirect(url_for(".hotel", slug=slug, hotel_id=hotel_id))


@manage_bp.post("/recount")
def recount(slug: str):
    meeting = meetings.get_meeting(slug)
    if EmptyForm().validate_on_submit():
        services.recount(meeting, by_user=current_user)
        commit()
        flash(_("The rooms taken were counted again from the bookings."), "success")
    return redirect(url_for(".index", slug=slug))


@manage_bp.get("/people")
def people(slug: str):
    meeting = meetings.get_meeting(slug)
    return render_template(
        "travel/manage/people.html",
        meeting=meeting,
        rows=services.everyones_travel(meeting, current_language()),
        **_page_context(meeting),
    )


@manage_bp.route("/people/<int:participant_id>", methods=["GET", "POST"])
def person(slug: str, participant_id: int):
    meeting = meetings.get_meeting(slug)
    participant = meetings.get_in_meeting(Participant, participant_id, meeting)
    if participant.erased_at is not None:
        abort(404)
    form = _travel_form(participant)
    if form.validate_on_submit():
        changed = _save_travel(participant, form, by_user=current_user)
        if changed is not None:
            flash(_("Travel details saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".people", slug=slug))
    return render_template(
        "travel/manage/person.html",
        meeting=meeting,
        participant=participant,
        form=form,
        booking=services.booking_of(participant),
        **_page_context(meeting),
    ), 422 if form.errors else 200


# --- The host's lists ----------------------------------------------------------------------

ARRIVAL, DEPARTURE = "arrival", "departure"


@desk_bp.get("/pickups")
def pickups(slug: str):
    return _movements_page(slug, ARRIVAL)


@desk_bp.get("/departures")
def departures(slug: str):
    return _movements_page(slug, DEPARTURE)


def _movements_page(slug: str, way: str):
    meeting = meetings.get_meeting(slug)
    return render_template(
        "travel/desk/movements.html",
        meeting=meeting,
        way=way,
        heading=_("Airport pick-ups") if way == ARRIVAL else _("Departures"),
        listed=services.movements(meeting, way, current_language()),
        **_page_context(meeting),
    )


@desk_bp.get("/rooming")
def rooming(slug: str):
    meeting = meetings.get_meeting(slug)
    return render_template(
        "travel/desk/rooming.html",
        meeting=meeting,
        hotels=services.rooming(meeting, current_language()),
        share_labels=exports.SHARE_LABELS,
        **_page_context(meeting),
    )


@desk_bp.get("/pickups.<any(csv, xlsx, pdf):fmt>")
def pickups_export(slug: str, fmt: str):
    return _export(slug, "pickups", fmt)


@desk_bp.get("/departures.<any(csv, xlsx, pdf):fmt>")
def departures_export(slug: str, fmt: str):
    return _export(slug, "departures", fmt)


@desk_bp.get("/rooming.<any(csv, xlsx, pdf):fmt>")
def rooming_export(slug: str, fmt: str):
    return _export(slug, "rooming", fmt)


def _export(slug: str, kind: str, fmt: str):
    meeting = meetings.get_meeting(slug)
    language = current_language()
    if kind == "rooming":
        data = services.rooming(meeting, language)
        build = exports.rooming_file
    else:
        data = services.movements(meeting, ARRIVAL if kind == "pickups" else DEPARTURE, language)
        build = exports.pickups_file if kind == "pickups" else exports.departures_file
    try:
        content = build(
            meeting, data, fmt, language, csv_delimiter(request.args.get("sep"), language)
        )
    except RenderError:
        db.session.rollback()
        flash(_("The PDF could not be made. Please try again."), "error")
        return redirect(url_for(f".{kind}", slug=slug))
    audit.record("travel.exported", user=current_user, meeting=meeting, details=f"{kind}, {fmt}")
    commit()
    mimetype = MIMETYPES.get(fmt, "application/pdf")
    return attachment(content, f"{meeting.slug}-{kind}.{fmt}", mimetype)
