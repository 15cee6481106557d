"""The published agenda in the frab schedule format read by conference apps
(`schedule.xml`, valid against shared/specs/frab-schedule.xsd) and its JSON twin,
shaped as pretalx emits it (the c3voc schedule JSON: https://c3voc.de/schedule/schema.json).

Both are built from one structure, so the XML and the JSON always list the same
days, events, people and links.
"""

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta

from meeting_app.agenda.ical import session_uid
from meeting_app.agenda.published import PublishedAgenda, PublishedSession, by_day
from meeting_app.core.i18n import localized
from meeting_app.meetings.models import Meeting
from meeting_app.meetings.services import slugify

SCHEMA = "https://c3voc.de/schedule/schema.json"
# The c3voc schema's patterns: an acronym of at least four characters, hyphens only
# in a year suffix ("36c3", "divoc_ptt"); event slugs of lower-case letters, digits,
# "_" and "-", ending with a letter or digit.
ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
EVENT_SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
TITLE_IN_SLUG = 50
# Guests have no row of their own: their person id is drawn from their guid, above
# any participant's id (a database id stays below 2**31).
GUEST_IDS = 2**31


def _guid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def acronym(meeting: Meeting) -> str:
    """The meeting's slug as a frab acronym: "board-2024" gives "board_2024", and a
    slug shorter than four characters ("ab") takes its year ("ab_2026"), so that
    the acronym, and the event slugs that start with it, pass the apps' checks."""
    text = meeting.slug.replace("-", "_")
    if not ACRONYM.match(text):
        text = f"{text}_{meeting.start_date.year}"
    return text


def event_slug(meeting: Meeting, session: PublishedSession) -> str:
    """As pretalx writes it: acronym, id, title (in the meeting's own language, so
    that ?lang= does not change it), e.g. "rabat-12-ouverture"."""
    title = localized(session.title, meeting.default_language, meeting.default_language).text
    words = slugify(title)[:TITLE_IN_SLUG].strip("-")
    return "-".join(part for part in (acronym(meeting), str(session.id), words) if part)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _person(meeting: Meeting, person: dict) -> dict:
    participant_id = person.get("participant_id")
    if participant_id:
        guid = _guid(f"participant-{participant_id}.{meeting.slug}@meeting-manager")
        person_id = participant_id
    else:
        guid = _guid(f"guest-{person['name'].casefold()}.{meeting.slug}@meeting-manager")
        person_id = GUEST_IDS + uuid.UUID(guid).int % GUEST_IDS
    return {
        "id": person_id,
        "guid": guid,
        "code": uuid.UUID(guid).hex[:6].upper(),
        "name": person["name"],
        "public_name": person["name"],
        "biography": None,
        "avatar": None,
    }


def _room_name(meeting: Meeting, session: PublishedSession) -> str:
    return session.room["name"] if session.room else (meeting.venue or meeting.city)


def _event(meeting: Meeting, session: PublishedSession, language: str, base_url: str) -> dict:
    start = session.starts_at.astimezone(meeting.tz)
    title = localized(session.title, meeting.default_language, language)
    url = f"{base_url}/meetings/{meeting.slug}/sessions/{session.id}"
    return {
        "id": session.id,
        "guid": _guid(session_uid(meeting, session.id)),
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "duration": _duration(session.ends_at - session.starts_at),
        "room": _room_name(meeting, session),
        "slug": event_slug(meeting, session),
        "url": url,
        "title": title.text,
        "subtitle": "",
        "track": session.kind.value,
        "type": session.kind.value,
        "language": title.language,
        "abstract": localized(session.description, meeting.default_language, language).text,
        "description": "",
        "recording_license": "",
        "persons": [_person(meeting, p) for p in session.people],
        "links": [{"title": title.text, "url": url, "type": "related"}],
        "attachments": [],
    }


def _meeting_days(meeting: Meeting, sessions: dict[date, list]) -> list[date]:
    """Every day of the meeting, as pretalx lists them (a day without sessions too),
    and any day a published session falls outside the meeting's dates."""
    days = {
        meeting.start_date + timedelta(days=n)
        for n in range((meeting.end_date - meeting.start_date).days + 1)
    }
    return sorted(days | set(sessions))


def _days(meeting: Meeting, agenda: PublishedAgenda, language: str, base_url: str) -> list[dict]:
    """The structure both formats share: days, then rooms, then events."""
    tz = meeting.tz
    sessions_by_day = by_day(agenda.sessions, meeting)
    days = []
    for index, day in enumerate(_meeting_days(meeting, sessions_by_day), start=1):
        sessions = sessions_by_day.get(day, [])
        rooms: dict[str, list] = {}
        for session in sessions:
            event = _event(meeting, session, language, base_url)
            rooms.setdefault(event["room"], []).append(event)
        if sessions:
            first = min(s.starts_at for s in sessions).astimezone(tz)
            last = max(s.ends_at for s in sessions).astimezone(tz)
        else:
            first = datetime.combine(day, time(0), tzinfo=tz)
            last = datetime.combine(day, time(23, 59), tzinfo=tz)
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": first.isoformat(),
                "day_end": last.isoformat(),
                "rooms": rooms,
            }
        )
    return days


def _rooms(meeting: Meeting, agenda: PublishedAgenda) -> list[dict]:
    seen: dict[str, dict] = {}
    for session in sorted(agenda.sessions, key=lambda s: (s.starts_at, s.id)):
        name = _room_name(meeting, session)
        key = f"room-{session.room['id']}" if session.room else "venue"
        seen.setdefault(
            name,
            {
                "name": name,
                "guid": _guid(f"{key}.{meeting.slug}@meeting-manager"),
                "description": None,
                "capacity": None,
            },
        )
    return list(seen.values())


def schedule_json(
    meeting: Meeting, agenda: PublishedAgenda, *, language: str, base_url: str
) -> dict:
    title = localized(meeting.title, meeting.default_language, language).text
    days = _days(meeting, agenda, language, base_url)
    return {
        "$schema": SCHEMA,
        "generator": {"name": "meeting-manager"},
        "schedule": {
            "url": f"{base_url}/meetings/{meeting.slug}/agenda",
            "version": str(agenda.version.number) if agenda.version else "0",
            "base_url": f"{base_url}/meetings/{meeting.slug}/",
            "conference": {
                "acronym": acronym(meeting),
                "title": title,
                "start": meeting.start_date.isoformat(),
                "end": meeting.end_date.isoformat(),
                "daysCount": len(days),
                "timeslot_duration": "00:15",
                "time_zone_name": meeting.timezone,
                "url": f"{base_url}/meetings/{meeting.slug}/",
                "rooms": _rooms(meeting, agenda),
                "tracks": [
                    {"name": kind} for kind in sorted({s.kind.value for s in agenda.sessions})
                ],
                "days": days,
            },
        },
    }


def schedule_xml(
    meeting: Meeting, agenda: PublishedAgenda, *, language: str, base_url: str
) -> bytes:
    data = schedule_json(meeting, agenda, language=language, base_url=base_url)["schedule"]
    conference = data["conference"]
    root = ET.Element("schedule")
    ET.SubElement(root, "version").text = data["version"]
    head = ET.SubElement(root, "conference")
    for key in ("title", "acronym", "start", "end"):
        ET.SubElement(head, key).text = conference[key]
    ET.SubElement(head, "days").text = str(conference["daysCount"])
    ET.SubElement(head, "timeslot_duration").text = conference["timeslot_duration"]
    for day in conference["days"]:
        day_element = ET.SubElement(
            root,
            "day",
            index=str(day["index"]),
            date=day["date"],
            start=day["day_start"],
            end=day["day_end"],
        )
        for room, events in day["rooms"].items():
            room_element = ET.SubElement(day_element, "room", name=room)
            for item in events:
                event = ET.SubElement(room_element, "event", id=str(item["id"]), guid=item["guid"])
                for key in (
                    "room",
                    "title",
                    "subtitle",
                    "type",
                    "date",
                    "start",
                    "duration",
                    "abstract",
                    "slug",
                    "track",
                    "language",
                ):
                    ET.SubElement(event, key).text = item[key]
                persons = ET.SubElement(event, "persons")
                for person in item["persons"]:
                    ET.SubElement(persons, "person", id=str(person["id"])).text = person[
                        "public_name"
                    ]
                links = ET.SubElement(event, "links")
                for link in item["links"]:
                    ET.SubElement(links, "link", href=link["url"]).text = link["title"]
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
