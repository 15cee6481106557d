"""iCalendar exports (RFC 5545) built with `icalendar`: pure functions that return bytes.

Times are written in UTC ("...Z"), which every client converts to its own zone
correctly; the meeting's zone is named in X-WR-TIMEZONE for display. This avoids
hand-made VTIMEZONE rules, which are easy to get wrong around daylight saving.
"""

from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from flask_babel import force_locale, gettext
from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from meeting_app.agenda.models import SessionKind, SessionRole
from meeting_app.agenda.published import PublishedAgenda, PublishedSession
from meeting_app.agenda.services import valid_join_url
from meeting_app.core.i18n import localized
from meeting_app.meetings.models import Meeting

PRODID = "-//Meeting manager//Programme meetings//EN"
REFRESH = timedelta(hours=1)


def session_uid(meeting: Meeting, session_id: int) -> str:
    """The same session keeps this UID in every export and version."""
    return f"session-{session_id}.{meeting.slug}@meeting-manager"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting.{meeting.slug}@meeting-manager"


def _calendar(meeting: Meeting, name: str, method: str = "PUBLISH") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", meeting.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # an X- property: say it is a duration
    return calendar


def _location(meeting: Meeting, room: dict | None) -> str:
    parts = [room["name"] if room else "", meeting.venue, meeting.city]
    return ", ".join(part for part in parts if part)


# The agenda feeds are written line by line: for 300 sessions icalendar's object
# model and folding took about 90 ms, this writer takes a few. Its output is
# checked by parsing it back with icalendar and vobject (tests/agenda/test_calendars.py);
# the one-event invitation below keeps using icalendar's objects.


def _text(value: str) -> str:
    """RFC 5545 TEXT escaping. Every line break becomes \\n, lone CRs too: forms
    store LF only, but texts saved before that may hold a CR, which written raw
    makes strict parsers refuse the whole feed."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> bytes:
    """Lines of at most 75 octets, never cut inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # inside a character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # a continuation line starts with a space
    return b"\r\n ".join(parts)


def _event_lines(
    meeting: Meeting,
    session: PublishedSession,
    *,
    language: str,
    base_url: str,
    stamp: str,
    kinds: dict,
    roles: dict,
    cancelled: bool = False,
    join=None,
    labels: dict | None = None,
    documents: str = "",
) -> list[str]:
    people = [f"{roles[p['role']]}: {p['name']}" for p in session.people]
    described = localized(session.description, meeting.default_language, language)
    description = described.text
    online = _join_text(join, labels) if join is not None and not cancelled else ""
    # A blank line between the people, the text and the join link, never before one alone.
    text = "\n\n".join(part for part in ("\n".join(people), description, online, documents) if part)
    # The people's roles, the join and documents labels are in the calendar's
    # language; the session's text may be a fallback in another one.
    written_in = {language} if (people or online or documents) else set()
    written_in |= {described.language} if description else set()
    conference = (
        [_conference(join.url, labels["join"])]
        if join is not None and not cancelled and valid_join_url(join.url)
        else []
    )
    title = localized(session.title, meeting.default_language, language)
    return [
        "BEGIN:VEVENT",
        f"UID:{session_uid(meeting, session.id)}",
        f"DTSTAMP:{stamp}",
        f"SEQUENCE:{session.sequence}",
        f"DTSTART:{_utc(session.starts_at)}",
        f"DTEND:{_utc(session.ends_at)}",
        f"SUMMARY{_in(title.language)}:{_text(title.text)}",
        # Names of rooms, venues and cities: in no one language, so not tagged.
        f"LOCATION:{_text(_location(meeting, session.room))}",
        *([f"DESCRIPTION{_in(*written_in)}:{_text(text)}"] if text else []),
        f"CATEGORIES;LANGUAGE={language}:{_text(kinds[session.kind])}",
        f"URL:{base_url}/meetings/{meeting.slug}/sessions/{session.id}",
        *conference,
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]


def _in(*languages: str) -> str:
    """RFC 5545's LANGUAGE parameter (3.2.10) of a text in one language; nothing for
    a text that mixes several (a fallback description among translated labels)."""
    return f";LANGUAGE={languages[0]}" if len(languages) == 1 else ""


def _join_text(join, labels: dict) -> str:
    lines = [f"{labels['join']}: {join.url}"] if join.url else []
    if join.dial_in:
        lines.append(f"{labels['dial_in']}\n{join.dial_in}")
    return "\n".join(lines)


def _conference(url: str, label: str) -> str:
    """RFC 7986 CONFERENCE: a URI value (never TEXT-escaped: valid_join_url allows
    no space, quote or control character in it), audio and video, labelled; the
    label is a quoted parameter value, which may hold no DQUOTE nor control."""
    label = "".join(c for c in label if c != '"' and ord(c) >= 32 and ord(c) != 127)
    return f'CONFERENCE;VALUE=URI;FEATURE=AUDIO,VIDEO;LABEL="{label}":{url}'


def agenda_calendar(
    meeting: Meeting,
    agenda: PublishedAgenda,
    *,
    language: str,
    base_url: str,
    name: str,
    only: set[int] | None = None,
    join_links: dict | None = None,
    document_links: dict[int, str] | None = None,
) -> bytes:
    """Published sessions (all, or the ids in `only`) and the sessions cancelled since
    they were published, in `language`, as a METHOD:PUBLISH calendar. `join_links`
    ({session id: join_links.JoinLink}) is for an approved participant's own feed
    only: each such session gets a CONFERENCE property and the link and dial-in
    details in its description. Public feeds never pass it."""
    join_links = join_links or {}
    with force_locale(language):
        kinds = {kind: str(kind.label) for kind in SessionKind}
        roles = {role.value: str(role.label) for role in SessionRole}
        labels = {"join": gettext("Join online"), "dial_in": gettext("Dial-in:")}
        documents_label = gettext("Documents:")
    # {session id: the participant's documents page}: their own feed only.
    document_links = document_links or {}
    stamp = _utc(agenda.version.published_at if agenda.version else meeting.updated_at)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{_text(name)}",
        f"X-WR-CALNAME:{_text(name)}",
        f"X-WR-TIMEZONE:{meeting.timezone}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    chosen = [s for s in agenda.sessions if only is None or s.id in only]
    for session, cancelled in [
        *((s, False) for s in chosen),
        *((s, True) for s in agenda.cancelled),
    ]:
        lines += _event_lines(
            meeting,
            session,
            language=language,
            base_url=base_url,
            stamp=stamp,
            kinds=kinds,
            roles=roles,
            cancelled=cancelled,
            join=join_links.get(session.id),
            labels=labels,
            documents=(
                f"{documents_label} {document_links[session.id]}"
                if session.id in document_links and not cancelled
                else ""
            ),
        )
    lines.append("END:VCALENDAR")
    return b"\r\n".join(_fold(line) for line in lines) + b"\r\n"


def _organizer(sender: str) -> vCalAddress:
    """The sender as the mail header has it ("Secrétariat <meetings@example.org>" or a
    bare address) as ORGANIZER;CN="Secrétariat":mailto:meetings@example.org; a
    display name inside the mailto: URI makes the invitation invalid."""
    name, email = parseaddr(sender)
    address = vCalAddress(f"mailto:{email or sender}")
    if name:
        address.params["cn"] = vText(name)
    return address


def meeting_event_calendar(
    meeting: Meeting,
    *,
    language: str,
    base_url: str,
    stamp: datetime,
    method: str = "PUBLISH",
    organizer: str | None = None,
    attendee: tuple[str, str] | None = None,
) -> bytes:
    """The whole meeting as one all-day event; with method REQUEST, an organizer and
    an attendee (e-mail, name), it is an invitation."""
    stamp = stamp.replace(microsecond=0)  # what DTSTAMP keeps
    facts = (
        meeting.id, meeting.slug, meeting.timezone, meeting.default_language,
        repr(meeting.title), repr(meeting.description),
        meeting.start_date, meeting.end_date, meeting.venue, meeting.city,
    )  # fmt: skip
    key = (facts, language, base_url, stamp, method, organizer)
    body = _recent_bodies.get(key)
    if body is None:
        body = _meeting_event(meeting, language, base_url, stamp, method, organizer)
        if len(_recent_bodies) >= 64:
            _recent_bodies.clear()
        _recent_bodies[key] = body
    if not attendee:
        return body
    # Only the attendee differs between the invitations of one meeting: serialising the
    # calendar again for each of thousands (an import) took half of the import's time.
    email, name = attendee
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["partstat"] = vText("ACCEPTED")
    address.params["rsvp"] = vText("FALSE")
    line = Event().content_line("ATTENDEE", address)
    head, tail = body.rsplit(b"END:VEVENT\r\n", 1)
    return head + line.to_ical() + b"\r\nEND:VEVENT\r\n" + tail


# The serialised event of the latest meetings, languages and stamps (to the second).
_recent_bodies: dict[tuple, bytes] = {}


def _meeting_event(meeting, language, base_url, stamp, method, organizer) -> bytes:
    titled = localized(meeting.title, meeting.default_language, language)
    title = titled.text
    calendar = _calendar(meeting, title, method)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", stamp)
    event.add("sequence", 0)
    event.add("dtstart", meeting.start_date)
    event.add("dtend", meeting.end_date + timedelta(days=1))
    event.add("summary", title, parameters={"LANGUAGE": titled.language})
    event.add("location", ", ".join(p for p in (meeting.venue, meeting.city) if p))
    event.add("url", f"{base_url}/meetings/{meeting.slug}/")
    described = localized(meeting.description, meeting.default_language, language)
    if described.text:
        # icalendar escapes every line break
        event.add("description", described.text, parameters={"LANGUAGE": described.language})
    event.add("transp", "TRANSPARENT")
    if organizer:
        event.add("organizer", _organizer(organizer))
    calendar.add_component(event)
    return calendar.to_ical()
