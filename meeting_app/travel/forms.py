"""Forms of the travel section: a participant's travel and room (on their private
link, and as organisers edit it), a hotel, a room block, the section's switch."""

from datetime import timedelta

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from meeting_app.core.database import as_id
from meeting_app.core.forms import Form
from meeting_app.meetings.models import Meeting
from meeting_app.registration.forms import no_control_characters, no_direction_controls
from meeting_app.travel import services
from meeting_app.travel.services import DAYS_AROUND, TravelInput

NO_ROOM = "none"


def _airport(label):
    return StringField(label, validators=[Length(max=100), no_control_characters()])


def _flight(label):
    # The format is checked with the dates (services.travel_problems), in one place.
    return StringField(label, validators=[Length(max=20), no_control_characters()])


class TravelForm(Form):
    """Arrival, departure (local times where the meeting is) and the room. The
    blocks offered are given by the view: those with a room left, and the person's."""

    arrival_date = DateField(_l("Arrival date"), validators=[Optional()])
    arrival_time = TimeField(_l("Arrival time"), validators=[Optional()])
    arrival_flight = _flight(_l("Arrival flight number"))
    arrival_airport = _airport(_l("Arrival airport"))
    departure_date = DateField(_l("Departure date"), validators=[Optional()])
    departure_time = TimeField(_l("Departure time"), validators=[Optional()])
    departure_flight = _flight(_l("Departure flight number"))
    departure_airport = _airport(_l("Departure airport"))
    airport_transfer = BooleanField(_l("I need a transfer between the airport and the hotel"))
    # Any value is accepted here: a block that filled up since the page was shown
    # gets its own message from the view, another meeting's block a 404.
    block = RadioField(_l("Hotel room"), validate_choice=False, default=NO_ROOM)
    share_with = StringField(
        _l("Name of the participant you share the room with"),
        validators=[Length(max=200), no_control_characters(), no_direction_controls],
    )

    def __init__(self, meeting: Meeting, blocks, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.offer(blocks)

    def offer(self, blocks) -> None:
        """The blocks to choose from (again, after one filled up)."""
        self.blocks = blocks
        self.block.choices = [(NO_ROOM, _l("No room through the meeting"))] + [
            (str(b.id), b.room_type) for b in blocks
        ]

    def options(self) -> list:
        """Each radio button of the room choice with its block (None: no room)."""
        blocks = {str(b.id): b for b in self.blocks}
        return [(option, blocks.get(option.data)) for option in self.block]

    def fill_from(self, travel, booking) -> None:
        data = services.input_from(travel)
        for field in services.TRAVEL_FIELDS:
            getattr(self, field).data = getattr(data, field)
        self.block.data = str(booking.block_id) if booking else NO_ROOM
        self.share_with.data = booking.share_with if booking else ""

    def travel_input(self) -> TravelInput:
        return TravelInput(
            **{field: getattr(self, field).data for field in services.TRAVEL_FIELDS}
            | {
                name: (getattr(self, name).data or "")
                for name in (
                    "arrival_flight",
                    "arrival_airport",
                    "departure_flight",
                    "departure_airport",
                )
            }
        )

    def block_id(self) -> int | None:
        """The block chosen; None for no room. Raises services.UnknownBlock for a
        value that names no block (a form altered by hand)."""
        value = self.block.data or NO_ROOM
        if value == NO_ROOM:
            return None
        block_id = as_id(value)
        if block_id is None:
            raise services.UnknownBlock(value)
        return block_id

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        checked = [f for f in services.TRAVEL_FIELDS if not getattr(self, f).errors]
        if len(checked) < len(services.TRAVEL_FIELDS):
            return False
        for field, code in services.travel_problems(self.meeting, self.travel_input()).items():
            getattr(self, field).errors.append(self.problem_message(code))
            valid = False
        return valid

    def problem_message(self, code: str) -> str:
        meeting = self.meeting
        if code == "flight":
            return _(
                "Write the flight number as on the ticket: 2 to 8 letters and digits, "
                "with one space at most (for example AT 512)."
            )
        if code == "far":
            return ngettext(
                "This date is more than %(num)d day away from the meeting's dates "
                "(%(first)s to %(last)s): please check it.",
                "This date is more than %(num)d days away from the meeting's dates "
                "(%(first)s to %(last)s): please check it.",
                DAYS_AROUND,
                first=format_date(meeting.start_date - timedelta(days=DAYS_AROUND), "long"),
                last=format_date(meeting.end_date + timedelta(days=DAYS_AROUND), "long"),
            )
        if code == "time_without_date":
            return _("Give the date as well, or leave the time empty.")
        if code == "arrival_after_departure":
            return _("The arrival is after the departure: please check both dates and times.")
        return code


class HotelForm(Form):
    name = StringField(
        _l("Hotel name"),
        validators=[
            DataRequired(_l("Give the hotel's name.")),
            Length(max=200),
            no_control_characters(),
        ],
    )
    address = StringField(_l("Address"), validators=[Length(max=300), no_control_characters()])
    notes = TextAreaField(
        _l("Notes for the organisers and hosts"),
        validators=[Length(max=2000), no_control_characters(allow_newlines=True)],
    )


class BlockForm(Form):
    room_type = StringField(
        _l("Room type"),
        validators=[
            DataRequired(_l("Say what kind of room it is (single, double…).")),
            Length(max=100),
            no_control_characters(),
        ],
    )
    first_night = DateField(
        _l("First night"), validators=[InputRequired(_l("Give the first night."))]
    )
    last_night = DateField(_l("Last night"), validators=[InputRequired(_l("Give the last night."))])
    rooms = IntegerField(
        _l("Number of rooms"),
        validators=[
            InputRequired(_l("Give the number of rooms.")),
            NumberRange(min=0, max=10_000),
        ],
    )

    def problem_message(self, code: str, taken: int = 0) -> str:
        if code == "before_first":
            return _("The last night cannot be before the first night.")
        if code == "below_taken":
            return ngettext(
                "%(num)d room of this block is taken already: the block cannot be smaller.",
                "%(num)d rooms of this block are taken already: the block cannot be smaller.",
                taken,
            )
        return code


class SwitchForm(Form):
    enabled = BooleanField(_l("Ask participants for their arrival, departure and hotel room"))
