"""The published agenda in the frab schedule format read by conference apps
(`schedule.xml`, valid against shared/specs/frab-schedule.xsd) and its JSON twin."""

import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta

from meeting_app.agenda.ical import session_uid
from meeting_app.agenda.published import PublishedAgenda, by_day
from meeting_app.core.i18n import localized
from meeting_app.meetings.models import Meeting


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(meeting: Meeting, agenda: PublishedAgenda, language: str, base_url: str) -> list[dict]:
    """The structure both formats share: days, then rooms, then events."""
    tz = meeting.tz
    days = []
    for index, (day, sessions) in enumerate(by_day(agenda.sessions, meeting).items(), start=1):
        rooms: dict[str, list] = {}
        for session in sessions:
            room = session.room["name"] if session.room else (meeting.venue or meeting.city)
            start = session.starts_at.astimezone(tz)
            title = localized(session.title, meeting.default_language, language)
            rooms.setdefault(room, []).append(
                {
                    "id": session.id,
                    "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, session_uid(meeting, session.id))),
                    "room": room,
                    "title": title.text,
                    "subtitle": "",
                    "type": session.kind.value,
                    "date": start.isoformat(),
                    "start": start.strftime("%H:%M"),
                    "duration": _duration(session.ends_at - session.starts_at),
                    "abstract": localized(
                        session.description, meeting.default_language, language
                    ).text,
                    "slug": f"{meeting.slug}-{session.id}",
                    "track": session.kind.value,
                    "language": title.language,
                    "persons": [p["name"] for p in session.people],
                    "url": f"{base_url}/meetings/{meeting.slug}/sessions/{session.id}",
                }
            )
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": min(s.starts_at for s in sessions).astimezone(tz).isoformat(),
                "day_end": max(s.ends_at for s in sessions).astimezone(tz).isoformat(),
                "rooms": rooms,
            }
        )
    return days


def schedule_json(
    meeting: Meeting, agenda: PublishedAgenda, *, language: str, base_url: str
) -> dict:
    title = localized(meeting.title, meeting.default_language, language).text
    return {
        "schedule": {
            "version": str(agenda.version.number) if agenda.version else "0",
            "base_url": f"{base_url}/meetings/{meeting.slug}/",
            "conference": {
                "acronym": meeting.slug,
                "title": title,
                "start": meeting.start_date.isoformat(),
                "end": meeting.end_date.isoformat(),
                "daysCount": (meeting.end_date - meeting.start_date).days + 1,
                "timeslot_duration": "00:15",
                "time_zone_name": meeting.timezone,
                "days": _days(meeting, agenda, language, base_url),
            },
        }
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
                for name in item["persons"]:
                    ET.SubElement(persons, "person").text = name
                links = ET.SubElement(event, "links")
                ET.SubElement(links, "link", href=item["url"]).text = item["title"]
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
