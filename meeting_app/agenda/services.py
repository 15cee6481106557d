"""Building the agenda: sessions and rooms on the working copy, conflict warnings,
publishing versions, and copying an agenda to the next meeting.

The public never reads the working copy: it reads the latest AgendaVersion's
snapshot (see `published`), so organisers can rearrange freely until they publish.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from meeting_app.agenda.models import (
    AgendaSession,
    AgendaVersion,
    Room,
    SessionKind,
    SessionPerson,
    SessionRole,
)
from meeting_app.agenda.times import LocalTimeError, to_utc
from meeting_app.core.collation import collated
from meeting_app.core.database import MAX_ID
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration.models import Participant, RegistrationStatus


class AgendaError(ValueError):
    """Bad input for a session or room; `field` names the form field at fault."""

    def __init__(self, code: str, field: str | None = None, **details):
        super().__init__(code)
        self.code, self.field, self.details = code, field, details


class StaleSession(AgendaError):
    """The session changed since the form was opened."""


@dataclass
class PersonInput:
    """A participant chosen by id, or a typed name: linked to the one participant of
    the meeting with that name, or kept as a guest (no participant has it, or
    `keep_guest` says it is someone else)."""

    role: SessionRole
    participant_id: int | None = None
    guest_name: str = ""
    keep_guest: bool = False


@dataclass
class SessionInput:
    kind: SessionKind
    title: dict[str, str]
    day: date
    start: time
    end: time
    description: dict[str, str] = field(default_factory=dict)
    room_id: int | None = None
    capacity: int | None = None
    people: list[PersonInput] = field(default_factory=list)
    # Shown to approved participants only (agenda/join_links.py), never published.
    join_url: str = ""
    dial_in: str = ""


# A join link: https, a host name (no user name before it: "https://zoom.us@evil.example"
# goes to evil.example), nothing invisible; the rest of the URL is the service's own.
_JOIN_HOST = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
JOIN_URL_MAX = 500


def valid_join_url(url: str) -> bool:
    """Whether `url` may be given to participants as a join link (Zoom, Teams,
    Webex, Jitsi...): an https:// URL to a named host, at most 500 characters,
    without spaces or control characters. Refuses http:, javascript:, data: and
    anything that is not a URL."""
    if not url or len(url) > JOIN_URL_MAX or not url.isascii():
        return False
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c in '"<>\\`' for c in url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number raises
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and url[:8].lower() == "https://"
        and "@" not in parts.netloc
        and bool(parts.hostname)
        and _JOIN_HOST.match(parts.hostname) is not None
        and (port is None or 0 < port < 65536)
    )


def sessions_of(meeting: Meeting, day: date | None = None) -> list[AgendaSession]:
    """The working copy (or one local day of it), in time order, with rooms and people
    loaded (three queries whatever the number of sessions)."""
    query = (
        sa.select(AgendaSession)
        .where(AgendaSession.meeting_id == meeting.id)
        .options(
            selectinload(AgendaSession.people).joinedload(SessionPerson.participant),
            selectinload(AgendaSession.room),
        )
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    )
    if day is not None:
        tz = meeting.tz
        start = datetime.combine(day, time(0), tzinfo=tz)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        query = query.where(AgendaSession.starts_at >= start, AgendaSession.starts_at < end)
    return list(db.session.execute(query).scalars())


def rooms_of(meeting: Meeting) -> list[Room]:
    return list(
        db.session.execute(
            sa.select(Room).where(Room.meeting_id == meeting.id).order_by(collated(Room.name))
        ).scalars()
    )


def _times(meeting: Meeting, day: date, start: time, end: time) -> tuple[datetime, datetime]:
    tz = meeting.tz
    try:
        starts_at = to_utc(day, start, tz)
    except LocalTimeError as error:
        raise AgendaError(f"start_{error.problem}", "start", at=error.moment) from None
    try:
        ends_at = to_utc(day, end, tz)
    except LocalTimeError as error:
        raise AgendaError(f"end_{error.problem}", "end", at=error.moment) from None
    if ends_at <= starts_at:
        raise AgendaError("end_before_start", "end")
    return starts_at, ends_at


def _check_room(meeting: Meeting, room_id: int | None) -> None:
    if room_id is None:
        return
    room = db.session.get(Room, room_id)
    if room is None or room.meeting_id != meeting.id:
        raise AgendaError("foreign_room", "room_id")


def name_key(text: str) -> str:
    """A name as people compare it: "  sita  GURUNG" and "Sita Gurung" are the same,
    and so are "Ndèye" and "Ndeye" (an accent is often left out when typing)."""
    letters = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in letters if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def namesakes(meeting: Meeting, names) -> dict[str, list[Participant]]:
    """The participants of the meeting (not cancelled, as in the list of suggestions)
    called by each of `names`, keyed by `name_key`; a name matches in either order
    ("Sita Gurung", "GURUNG Sita"). Names nobody has are left out."""
    keys = {name_key(name) for name in names} - {""}
    if not keys:
        return {}
    # Accent-insensitive matching is done here, not in SQL: no portable collation
    # does it on both SQLite and PostgreSQL. Names only are read (5,000 participants:
    # a few tens of ms; whole rows took half a second), then the matches.
    ids: dict[str, list[int]] = defaultdict(list)
    for participant_id, given, family in db.session.execute(
        sa.select(Participant.id, Participant.given_name, Participant.family_name)
        .where(
            Participant.meeting_id == meeting.id,
            Participant.status != RegistrationStatus.CANCELLED,
        )
        .order_by(Participant.id)
    ):
        for key in {name_key(f"{given} {family}"), name_key(f"{family} {given}")} & keys:
            ids[key].append(participant_id)
    if not ids:
        return {}
    rows = {
        p.id: p
        for p in db.session.execute(
            sa.select(Participant).where(
                Participant.id.in_(sorted({i for v in ids.values() for i in v}))
            )
        ).scalars()
    }
    return {key: [rows[i] for i in matched] for key, matched in ids.items()}


def _people(meeting: Meeting, people: list[PersonInput]) -> list[SessionPerson]:
    """Raises AgendaError "ambiguous_person" with `rows` ({index in `people`: the
    participants the name fits}) when a typed name fits several participants."""
    typed = [p.guest_name for p in people if p.participant_id is None and not p.keep_guest]
    found = namesakes(meeting, typed)
    ambiguous: dict[int, list[Participant]] = {}
    resolved: list[PersonInput] = []
    for index, person in enumerate(people):
        if person.participant_id is None and not person.keep_guest:
            matches = found.get(name_key(person.guest_name), [])
            if len(matches) == 1:
                person = PersonInput(role=person.role, participant_id=matches[0].id)
            elif matches:
                ambiguous[index] = matches
        resolved.append(person)
    people = resolved
    ids = {p.participant_id for p in people if p.participant_id is not None}
    known = (
        set(
            db.session.execute(
                sa.select(Participant.id).where(
                    # A number past the id range names nobody (and the database refuses it).
                    Participant.id.in_([i for i in ids if 0 < i <= MAX_ID]),
                    Participant.meeting_id == meeting.id,
                )
            ).scalars()
        )
        if ids
        else set()
    )
    if ids - known:
        raise AgendaError("foreign_person", "people")
    if ambiguous:
        raise AgendaError("ambiguous_person", "people", rows=ambiguous)
    return [
        SessionPerson(
            participant_id=p.participant_id,
            guest_name="" if p.participant_id else p.guest_name.strip(),
            role=p.role,
            position=index,
        )
        for index, p in enumerate(people)
        if p.participant_id is not None or p.guest_name.strip()
    ]


def save_session(
    meeting: Meeting,
    data: SessionInput,
    *,
    session: AgendaSession | None = None,
    expected_revision: int | None = None,
) -> AgendaSession:
    """Creates or updates a session of the working copy. Raises AgendaError for bad
    input and StaleSession when `session` changed since `expected_revision`."""
    if session is not None:
        _check_revision(session, expected_revision)
    starts_at, ends_at = _times(meeting, data.day, data.start, data.end)
    _check_room(meeting, data.room_id)
    if data.join_url and not valid_join_url(data.join_url):
        raise AgendaError("join_url", "join_url")
    if len(data.dial_in) > 1000:
        raise AgendaError("dial_in", "dial_in")
    people = _people(meeting, data.people)
    if session is None:
        session = AgendaSession(meeting=meeting, kind=data.kind)
        db.session.add(session)
    else:
        session.revision += 1
    session.kind, session.title, session.description = data.kind, data.title, data.description
    session.starts_at, session.ends_at = starts_at, ends_at
    session.room_id, session.capacity = data.room_id, data.capacity
    session.join_url, session.dial_in = data.join_url, data.dial_in
    session.people = people
    db.session.flush()
    return session


def move_session(
    meeting: Meeting,
    session: AgendaSession,
    *,
    day: date,
    start: time,
    end: time,
    room_id: int | None,
    expected_revision: int,
) -> AgendaSession:
    """What dragging or resizing on the timetable does: new times and room, checked
    like the form."""
    _check_revision(session, expected_revision)
    starts_at, ends_at = _times(meeting, day, start, end)
    _check_room(meeting, room_id)
    session.starts_at, session.ends_at, session.room_id = starts_at, ends_at, room_id
    session.revision += 1
    db.session.flush()
    return session


def delete_session(session: AgendaSession, expected_revision: int) -> None:
    _check_revision(session, expected_revision)
    db.session.delete(session)
    db.session.flush()


def _check_revision(session: AgendaSession, expected: int | None) -> None:
    if expected is not None and expected != session.revision:
        raise StaleSession("stale", None)


def save_room(
    meeting: Meeting,
    *,
    name: str,
    capacity: int | None,
    notes: str,
    available_from: time | None,
    available_until: time | None,
    room: Room | None = None,
) -> Room:
    clash = db.session.execute(
        sa.select(Room.id).where(Room.meeting_id == meeting.id, Room.name == name)
    ).scalar_one_or_none()
    if clash is not None and (room is None or clash != room.id):
        raise AgendaError("room_exists", "name")
    if available_from and available_until and available_until <= available_from:
        raise AgendaError("room_hours", "available_until")
    if room is None:
        room = Room(meeting=meeting)
        db.session.add(room)
    room.name, room.capacity, room.notes = name, capacity, notes
    room.available_from, room.available_until = available_from, available_until
    db.session.flush()
    return room


# ---------- conflicts ----------


@dataclass(frozen=True)
class Conflict:
    kind: str  # room, person, dates, room_hours, not_approved
    session_ids: tuple[int, ...]
    subject: str = ""  # the room or person concerned
    guest: bool = False  # the person is a guest, not a registered participant


def _overlapping(sessions: list[AgendaSession]):
    ordered = sorted(sessions, key=lambda s: s.starts_at)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second.starts_at >= first.ends_at:
                break
            yield first, second


def conflicts(meeting: Meeting, sessions: list[AgendaSession] | None = None) -> list[Conflict]:
    """Everything an organiser should look at before publishing, in one pass over the
    working copy (no query per session)."""
    sessions = sessions if sessions is not None else sessions_of(meeting)
    found: list[Conflict] = []
    by_room: dict[int, list[AgendaSession]] = defaultdict(list)
    by_person: dict[str, list[AgendaSession]] = defaultdict(list)
    names: dict[str, str] = {}
    tz = meeting.tz
    for session in sessions:
        if session.room_id is not None:
            by_room[session.room_id].append(session)
        for person in session.people:
            if person.role in (SessionRole.CHAIR, SessionRole.MODERATOR, SessionRole.SPEAKER):
                key = (
                    f"p{person.participant_id}"
                    if person.participant_id
                    else "g" + person.guest_name.casefold()
                )
                if session not in by_person[key]:
                    by_person[key].append(session)
                names[key] = person.display_name
            if (
                person.participant is not None
                and person.participant.status is not RegistrationStatus.APPROVED
            ):
                found.append(Conflict("not_approved", (session.id,), person.display_name))
        start, end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
        if start.date() < meeting.start_date or end.date() > meeting.end_date:
            found.append(Conflict("dates", (session.id,)))
        room = session.room
        if room is not None and (
            (room.available_from and start.time() < room.available_from)
            or (
                room.available_until
                and (end.time() > room.available_until or end.date() > start.date())
            )
        ):
            found.append(Conflict("room_hours", (session.id,), room.name))
    for room_sessions in by_room.values():
        for first, second in _overlapping(room_sessions):
            found.append(Conflict("room", (first.id, second.id), first.room.name))
    for key, person_sessions in by_person.items():
        for first, second in _overlapping(person_sessions):
            found.append(Conflict("person", (first.id, second.id), names[key], key.startswith("g")))
    return found


# ---------- publishing ----------


def _snapshot_session(session: AgendaSession) -> dict:
    return {
        "id": session.id,
        "kind": session.kind.value,
        "title": dict(session.title),
        "description": dict(session.description),
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "room": ({"id": session.room.id, "name": session.room.name} if session.room else None),
        "capacity": session.capacity,
        "people": [
            {"role": p.role.value, "name": p.display_name, "participant_id": p.participant_id}
            for p in session.people
        ],
    }


def snapshot(meeting: Meeting, sessions: list[AgendaSession] | None = None) -> dict:
    sessions = sessions if sessions is not None else sessions_of(meeting)
    return {"sessions": [_snapshot_session(s) for s in sessions]}


def latest_version(meeting: Meeting) -> AgendaVersion | None:
    return db.session.execute(
        sa.select(AgendaVersion)
        .where(AgendaVersion.meeting_id == meeting.id)
        .order_by(AgendaVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def changes_between(old: dict | None, new: dict) -> list[dict]:
    """What a reader needs to know: sessions added, removed, moved (time or room) or
    retitled, as data the page words in the reader's language."""
    if old is None:
        return []
    before = {s["id"]: s for s in old["sessions"]}
    after = {s["id"]: s for s in new["sessions"]}
    changes = []
    for session_id, session in after.items():
        previous = before.get(session_id)
        if previous is None:
            changes.append({"change": "added", "session": session})
            continue
        moved = (previous["starts_at"], previous["ends_at"], previous["room"]) != (
            session["starts_at"],
            session["ends_at"],
            session["room"],
        )
        if moved:
            changes.append({"change": "moved", "session": session, "before": previous})
        elif previous["title"] != session["title"] or previous["people"] != session["people"]:
            changes.append({"change": "updated", "session": session})
    for session_id, previous in before.items():
        if session_id not in after:
            changes.append({"change": "removed", "session": previous})
    changes.sort(key=lambda c: c["session"]["starts_at"])
    return changes


def _number_changes(previous: dict | None, current: dict) -> None:
    """Calendar bookkeeping kept in the snapshot: each session's SEQUENCE rises when
    its time or place changes, and sessions removed after publication stay listed as
    cancelled (with a higher SEQUENCE) so that subscribed calendars delete them."""
    before = {s["id"]: s for s in previous["sessions"]} if previous else {}
    for session in current["sessions"]:
        old = before.get(session["id"])
        session["sequence"] = (
            0
            if old is None
            else old.get("sequence", 0)
            + (
                (old["starts_at"], old["ends_at"], old["room"])
                != (session["starts_at"], session["ends_at"], session["room"])
            )
        )
    kept = {s["id"] for s in current["sessions"]}
    current["cancelled"] = [
        *(previous or {}).get("cancelled", []),
        *(
            dict(old, sequence=old.get("sequence", 0) + 1)
            for session_id, old in before.items()
            if session_id not in kept
        ),
    ]


def publish(meeting: Meeting, *, by_user=None) -> AgendaVersion:
    """Records the working copy as the next published version, with the changes since
    the previous one."""
    previous = latest_version(meeting)
    current = snapshot(meeting)
    _number_changes(previous.snapshot if previous else None, current)
    version = AgendaVersion(
        meeting_id=meeting.id,
        number=(previous.number + 1) if previous else 1,
        published_at=utcnow(),
        published_by_id=by_user.id if by_user else None,
        snapshot=current,
        changes=changes_between(previous.snapshot if previous else None, current),
    )
    db.session.add(version)
    db.session.flush()
    return version


def pending_changes(meeting: Meeting) -> list[dict]:
    """What publishing now would announce (compared with the published version)."""
    previous = latest_version(meeting)
    current = snapshot(meeting)
    if previous is None:
        return [{"change": "added", "session": s} for s in current["sessions"]]
    return changes_between(previous.snapshot, current)


# ---------- copying ----------


def copy_agenda(source: Meeting, target: Meeting, *, people: bool = True) -> int:
    """Copies rooms and sessions of `source` into `target` as a starting point: the
    same local times, shifted by the number of days between the two meetings'
    first days. People are copied as guest names (they are not registered yet),
    or not at all without `people` (a new meeting started from an old one)."""
    shift = target.start_date - source.start_date
    rooms = {room.name: room for room in rooms_of(target)}
    mapping: dict[int, Room] = {}
    for room in rooms_of(source):
        mapping[room.id] = rooms.get(room.name) or save_room(
            target,
            name=room.name,
            capacity=room.capacity,
            notes=room.notes,
            available_from=room.available_from,
            available_until=room.available_until,
        )
    copied = 0
    for session in sessions_of(source):
        start = session.starts_at.astimezone(source.tz)
        end = session.ends_at.astimezone(source.tz)
        day = start.date() + shift
        end_day = end.date() + shift
        try:
            starts_at = to_utc(day, start.time(), target.tz)
            ends_at = to_utc(end_day, end.time(), target.tz)
        except LocalTimeError:
            # The same wall-clock time does not exist on the new date: keep the duration.
            starts_at = (start + timedelta(days=shift.days)).astimezone(target.tz)
            ends_at = starts_at + (session.ends_at - session.starts_at)
        db.session.add(
            AgendaSession(
                meeting=target,
                kind=session.kind,
                title=dict(session.title),
                description=dict(session.description),
                starts_at=starts_at,
                ends_at=ends_at,
                room=mapping.get(session.room_id),
                capacity=session.capacity,
                people=[
                    SessionPerson(guest_name=p.display_name, role=p.role, position=p.position)
                    for p in session.people
                ]
                if people
                else [],
            )
        )
        copied += 1
    db.session.flush()
    return copied


def previous_meetings(meeting: Meeting) -> list[Meeting]:
    """Meetings of the same series before this one, newest first (copy sources)."""
    if meeting.series_id is None:
        return []
    return list(
        db.session.execute(
            sa.select(Meeting)
            .where(
                Meeting.series_id == meeting.series_id,
                Meeting.id != meeting.id,
                Meeting.start_date < meeting.start_date,
            )
            .order_by(Meeting.start_date.desc())
        ).scalars()
    )


# ---------- a change of the meeting's time zone ----------


def _same_wall_time(moment: datetime, old_tz, new_tz) -> datetime:
    """The UTC instant showing, in `new_tz`, the wall-clock time `moment` shows in
    `old_tz`. A time skipped or repeated in the new zone keeps its first offset."""
    wall = moment.astimezone(old_tz)
    try:
        return to_utc(wall.date(), wall.time().replace(tzinfo=None), new_tz)
    except LocalTimeError:
        return wall.replace(tzinfo=new_tz, fold=0).astimezone(UTC)


def sessions_moved_by_zone(meeting: Meeting, new_zone: str) -> int:
    """How many sessions of the working copy change their UTC times when the meeting
    moves to `new_zone` while keeping their local times."""
    old_tz, new_tz = meeting.tz, ZoneInfo(new_zone)
    return sum(
        1
        for session in sessions_of(meeting)
        if _same_wall_time(session.starts_at, old_tz, new_tz) != session.starts_at
    )


def keep_local_times(meeting: Meeting, old_zone: str) -> int:
    """After `meeting.timezone` changed from `old_zone`: every session of the working
    copy keeps its local time (09:00 stays 09:00) and so gets new UTC times; returns
    how many moved. The public sees them once the agenda is published again."""
    old_tz, new_tz = ZoneInfo(old_zone), meeting.tz
    moved = 0
    for session in sessions_of(meeting):
        starts_at = _same_wall_time(session.starts_at, old_tz, new_tz)
        ends_at = _same_wall_time(session.ends_at, old_tz, new_tz)
        if ends_at <= starts_at:  # a night that a change of offset swallowed
            ends_at = starts_at + (session.ends_at - session.starts_at)
        if (starts_at, ends_at) != (session.starts_at, session.ends_at):
            session.starts_at, session.ends_at = starts_at, ends_at
            session.revision += 1
            moved += 1
    db.session.flush()
    return moved
