"""The host's lists as files: airport pick-ups, departures and the rooming list,
as CSV and XLSX (registration/exports.py's tables, with its formula escaping) and
as PDF (WeasyPrint, documents/pdf.py, from templates/pdf/travel.html). Pure
functions: the data in, bytes out; the views only wrap them."""

from collections.abc import Sequence

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from meeting_app.core.i18n import localized, zone_name
from meeting_app.documents.badges import direction
from meeting_app.documents.pdf import render_pdf
from meeting_app.meetings.models import Meeting
from meeting_app.registration.exports import spreadsheet, yes_no
from meeting_app.registration.models import Participant
from meeting_app.travel.services import HotelRooming, MovementList, nights

# How the name someone shares with matches the meeting's participants.
SHARE_LABELS = {
    "same_block": _l("a participant with a room in the same block"),
    "other_block": _l("a participant with a room in another block"),
    "no_room": _l("a participant without a room yet"),
    "several": _l("several participants have this name"),
    "unknown": _l("no participant of this name"),
}


def delegation_name(participant: Participant, language: str) -> str:
    return participant.delegation.country.name(language) if participant.delegation else ""


def share_label(code: str) -> str:
    return str(SHARE_LABELS[code]) if code else ""


def movements_table(
    listed: MovementList, way: str, timezone: str, language: str
) -> tuple[list[str], list[list]]:
    """One row per arrival (`way` "arrival") or departure, in the list's order."""
    with force_locale(language):
        zone = zone_name(timezone, language)
        header = [
            _("Date"),
            _("Time (%(zone)s)", zone=zone),
            _("Flight"),
            _("Airport"),
            _("Airport transfer"),
            _("Family name"),
            _("Given name"),
            _("Delegation"),
            _("Phone"),
            _("Status"),
        ]
        rows = [
            [
                m.day,
                m.time,
                m.flight,
                m.airport,
                yes_no(m.transfer),
                m.participant.family_name,
                m.participant.given_name,
                delegation_name(m.participant, language),
                m.participant.phone,
                str(m.participant.status.label),
            ]
            for m in listed.movements
        ]
    return header, rows


def rooming_table(hotels: Sequence[HotelRooming], language: str) -> tuple[list[str], list[list]]:
    """One row per person holding a room, hotel by hotel, block by block."""
    with force_locale(language):
        header = [
            _("Hotel"),
            _("Room type"),
            _("First night"),
            _("Last night"),
            _("Nights"),
            _("Family name"),
            _("Given name"),
            _("Delegation"),
            _("Shares with"),
            _("Shared with: found"),
            _("Status"),
        ]
        rows = [
            [
                rooming.hotel.name,
                block.block.room_type,
                block.block.first_night,
                block.block.last_night,
                nights(block.block),
                person.participant.family_name,
                person.participant.given_name,
                delegation_name(person.participant, language),
                person.share_with,
                share_label(person.match),
                str(person.participant.status.label),
            ]
            for rooming in hotels
            for block in rooming.blocks
            for person in block.people
        ]
    return header, rows


TITLES = {
    "pickups": _l("Airport pick-ups"),
    "departures": _l("Departures"),
    "rooming": _l("Rooming list"),
}


def _title(kind: str, language: str) -> str:
    with force_locale(language):
        return str(TITLES[kind])


def pickups_file(
    meeting: Meeting, listed: MovementList, fmt: str, language: str, delimiter: str = ","
) -> bytes:
    return _movements_file(meeting, listed, "pickups", fmt, language, delimiter)


def departures_file(
    meeting: Meeting, listed: MovementList, fmt: str, language: str, delimiter: str = ","
) -> bytes:
    return _movements_file(meeting, listed, "departures", fmt, language, delimiter)


def _movements_file(meeting, listed, kind, fmt, language, delimiter) -> bytes:
    if fmt == "pdf":
        return _pdf(meeting, kind, language, listed=listed)
    way = "arrival" if kind == "pickups" else "departure"
    header, rows = movements_table(listed, way, meeting.timezone, language)
    return spreadsheet(fmt, header, rows, _title(kind, language), delimiter)


def rooming_file(
    meeting: Meeting,
    hotels: Sequence[HotelRooming],
    fmt: str,
    language: str,
    delimiter: str = ",",
) -> bytes:
    if fmt == "pdf":
        return _pdf(meeting, "rooming", language, hotels=hotels)
    header, rows = rooming_table(hotels, language)
    return spreadsheet(fmt, header, rows, _title("rooming", language), delimiter)


def _pdf(meeting: Meeting, kind: str, language: str, **data) -> bytes:
    with force_locale(language):
        html = render_template(
            "pdf/travel.html",
            meeting=meeting,
            kind=kind,
            title=str(TITLES[kind]),
            meeting_title=localized(meeting.title, meeting.default_language, language).text,
            zone=zone_name(meeting.timezone, language),
            language=language,
            direction=direction,
            delegation_name=lambda p: delegation_name(p, language),
            share_label=share_label,
            nights=nights,
            **data,
        )
    return render_pdf(html)
