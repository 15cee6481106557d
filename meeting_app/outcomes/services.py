"""Published versions of the outcome record (minutes per session, the meeting's
decisions): numbered from 1 per subject, each a snapshot of what was published and
to whom, like the agenda's versions.

A version goes to the approved participants (through their private link) or to
the public; participants read every version, the public only the public ones, so
the changes a reader is shown are always between two versions they may read.
Services change data and flush; the view commits once."""

from dataclasses import dataclass

import sqlalchemy as sa

from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.outcomes.models import OutcomeVersion
from meeting_app.privacy import audit

PARTICIPANTS = "participants"
PUBLIC = "public"
AUDIENCES = (PARTICIPANTS, PUBLIC)
DECISIONS = "decisions"


class OutcomeError(Exception):
    """A change refused; `code` names why (the view words it)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


def minutes_subject(session_id: int) -> str:
    return f"minutes:{session_id}"


def versions(meeting: Meeting, subject: str, audience: str | None = None) -> list[OutcomeVersion]:
    """The published versions of `subject`, oldest first; `audience` PUBLIC keeps the
    public ones only (what the public may read)."""
    query = db.select(OutcomeVersion).where(
        OutcomeVersion.meeting_id == meeting.id, OutcomeVersion.subject == subject
    )
    if audience == PUBLIC:
        query = query.where(OutcomeVersion.audience == PUBLIC)
    return list(db.session.execute(query.order_by(OutcomeVersion.number)).scalars())


def latest(meeting: Meeting, subject: str, audience: str | None = None) -> OutcomeVersion | None:
    found = versions(meeting, subject, audience)
    return found[-1] if found else None


@dataclass(frozen=True)
class Shown:
    """The version a reader gets and the one before it that they may read too."""

    version: OutcomeVersion
    previous: OutcomeVersion | None


def shown(meeting: Meeting, subject: str, audience: str) -> Shown | None:
    """What a reader of `audience` sees of `subject`: its newest version for them and
    the previous one (for the changes), or None when nothing was published to them."""
    found = versions(meeting, subject, PUBLIC if audience == PUBLIC else None)
    if not found:
        return None
    return Shown(found[-1], found[-2] if len(found) > 1 else None)


def latest_by_subject(meeting: Meeting, audience: str) -> dict[str, Shown]:
    """Every subject's newest version (and the one before) for `audience`, in one
    query: the outcome pages list all sessions' minutes at once."""
    query = db.select(OutcomeVersion).where(OutcomeVersion.meeting_id == meeting.id)
    if audience == PUBLIC:
        query = query.where(OutcomeVersion.audience == PUBLIC)
    by_subject: dict[str, list[OutcomeVersion]] = {}
    for version in db.session.execute(
        query.order_by(OutcomeVersion.subject, OutcomeVersion.number)
    ).scalars():
        by_subject.setdefault(version.subject, []).append(version)
    return {
        subject: Shown(found[-1], found[-2] if len(found) > 1 else None)
        for subject, found in by_subject.items()
    }


def publish(meeting: Meeting, subject: str, snapshot: dict, audience: str, user) -> OutcomeVersion:
    """Records `snapshot` as the next version of `subject` for `audience`. Refused
    (OutcomeError) for an unknown audience, or when neither the content nor the
    audience changed since the newest version. Two organisers publishing at once:
    the second is told (the version numbers are unique)."""
    if audience not in AUDIENCES:
        raise OutcomeError("audience")
    previous = latest(meeting, subject)
    if previous is not None and previous.snapshot == snapshot and previous.audience == audience:
        raise OutcomeError("unchanged", number=previous.number)
    version = OutcomeVersion(
        meeting_id=meeting.id,
        subject=subject,
        number=previous.number + 1 if previous else 1,
        audience=audience,
        snapshot=snapshot,
        published_by=user.email if user is not None else "",
    )
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except sa.exc.IntegrityError as error:
        raise OutcomeError("conflict") from error
    audit.record(
        "outcomes.published",
        user=user,
        meeting=meeting,
        details=f"{subject}, version {version.number}, {audience}",
    )
    return version
