"""Programme booklets kept in the database, drawn ahead of the first download.

Drawing the booklet of 300 sessions takes WeasyPrint seconds, while anyone may ask
for it at any time, from any worker of any server. So each booklet is drawn once
and kept (documents.models.StoredBooklet), keyed by the meeting, the published
agenda version, the language and the paper, with the digest of everything else
it shows (`inputs`): the meeting's title, host, dates, venue, time zone and logo,
its series' programme, the listed delegates, and the templates and translations
it is drawn with. A download serves the kept booklet only if both its version and
its digest are the current ones: a new version, a new logo or a newly listed
delegate is never hidden by an older drawing, and working this out reads three
small queries, never the rebuilt HTML.

Publishing an agenda version, or changing what the booklet shows of the meeting,
asks for a task (documents.draw_booklets) once the transaction commits, which
draws the booklets of each of the meeting's languages on each paper. A change in
the listed delegates asks for the same task BOOKLET_REDRAW_DELAY seconds later,
once for all the changes within that time (tasks.enqueue_later): approvals come
by the hundred on a busy day, and redrawing six booklets for each would keep a
worker busy for nothing. A download in between draws its booklet once and keeps it
(booklet.booklet_file); without a broker, downloads draw it.

Off in tests (BOOKLETS_AHEAD), where each test that needs it turns it on.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import click
import sqlalchemy as sa
from flask import current_app

import config as app_config
from meeting_app.agenda.models import AgendaVersion
from meeting_app.core import tasks
from meeting_app.delegations.models import Delegation
from meeting_app.documents.models import StoredBooklet
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingSeries
from meeting_app.models import utcnow
from meeting_app.registration.models import Participant, RegistrationStatus

# Raise when the booklet's drawing changes in code (booklet.py, agenda/published.py,
# pdf.py's base style): every kept booklet is then drawn again. Templates and
# translations are summed up by their content (`_drawing_digest`).
FORMAT = "1"
TEMPLATES = ("pdf/booklet.html", "pdf/booklet.css")
NO_VERSION = 0  # the `version` of a meeting's booklet before any publication

# What the booklet shows of the meeting (booklet_html, templates/pdf/booklet.html,
# delegations.services.public_list's order); a change draws its booklets again.
MEETING_FIELDS = (
    "title",
    "host",
    "venue",
    "venue_address",
    "city",
    "timezone",
    "start_date",
    "end_date",
    "default_language",
    "languages",
    "series_id",
    "logo_png",
    "host_country_code",
    "host_country_first",
)
NOTED = "booklets_changed"  # session.info key: meetings already asked for in this transaction
# What the booklet's list of delegations shows of a participant, or selects them by
# (`_listed`): a change asks for a redraw a little later.
LISTED_FIELDS = (
    "status",
    "consent_public_list",
    "delegation_id",
    "role",
    "honorific",
    "given_name",
    "family_name",
    "organisation",
)


@dataclass(frozen=True)
class Inputs:
    """What a meeting's booklet is drawn from, as it is now."""

    version: int
    digest: str


def inputs(meeting: Meeting, language: str, paper: str) -> Inputs:
    """The published version and the digest of everything else the booklet shows,
    in two queries whatever the size of the agenda (the version's snapshot is not
    read: its number stands for it, versions are never changed)."""
    latest = (
        sa.select(sa.func.max(AgendaVersion.number))
        .where(AgendaVersion.meeting_id == meeting.id)
        .scalar_subquery()
    )
    logo_png, programme, number, published_at = db.session.execute(
        sa.select(
            Meeting.logo_png,
            MeetingSeries.programme,
            AgendaVersion.number,
            AgendaVersion.published_at,
        )
        .select_from(Meeting)
        .outerjoin(MeetingSeries, MeetingSeries.id == Meeting.series_id)
        .outerjoin(
            AgendaVersion,
            sa.and_(AgendaVersion.meeting_id == Meeting.id, AgendaVersion.number == latest),
        )
        .where(Meeting.id == meeting.id)
    ).one()
    digest = hashlib.sha256()
    digest.update(_drawing_digest(language).encode())
    digest.update(
        json.dumps(
            [
                language,
                paper,
                number,
                _iso(published_at),
                programme,
                *(
                    _plain(getattr(meeting, field))
                    for field in MEETING_FIELDS
                    if field != "logo_png"
                ),
            ],
            sort_keys=True,
            default=str,
        ).encode()
    )
    digest.update(hashlib.sha256(logo_png or b"").digest())
    digest.update(_delegates_digest(meeting).encode())
    return Inputs(version=number or NO_VERSION, digest=digest.hexdigest())


def published_version(meeting_id: int) -> int:
    """The number of the meeting's latest published agenda version, or NO_VERSION."""
    number = db.session.scalar(
        sa.select(sa.func.max(AgendaVersion.number)).where(AgendaVersion.meeting_id == meeting_id)
    )
    return number or NO_VERSION


# What the booklet's list of delegations is made of (public_list: approved members
# who agreed to be listed, by delegation, heads first): only the columns it shows or
# sorts by.
LISTED_COLUMNS = (
    Participant.id,
    Participant.delegation_id,
    Participant.role,
    Participant.honorific,
    Participant.given_name,
    Participant.family_name,
    Participant.organisation,
    Delegation.country_code,
    Delegation.head_id,
)


def _listed(meeting: Meeting, *columns) -> sa.Select:
    return (
        sa.select(*columns)
        .select_from(Participant)
        .join(Delegation, Delegation.id == Participant.delegation_id)
        .where(
            Delegation.meeting_id == meeting.id,
            Participant.status == RegistrationStatus.APPROVED,
            Participant.consent_public_list.is_(True),
        )
    )


def _delegates_digest(meeting: Meeting) -> str:
    """The digest of the listed delegates, in a stable order. PostgreSQL sums them
    up itself: 5,000 rows fetched into Python would take 40 ms of a download."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        text = sa.func.concat_ws(
            "\x1f", *(sa.func.coalesce(sa.cast(c, sa.Text), "") for c in LISTED_COLUMNS)
        )
        every = sa.func.string_agg(text, aggregate_order_by(sa.literal("\x1e"), Participant.id))
        return db.session.scalar(_listed(meeting, sa.func.md5(every))) or ""
    digest = hashlib.md5(usedforsecurity=False)
    rows = db.session.execute(_listed(meeting, *LISTED_COLUMNS).order_by(Participant.id))
    for row in rows:
        digest.update("\x1f".join("" if v is None else str(v) for v in row).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def _plain(value):
    return _iso(value) if isinstance(value, datetime) else value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@lru_cache(maxsize=8)
def _drawing_digest(language: str) -> str:
    """The templates and the language's translations, read once per process: a
    deployment that changes them draws every booklet again."""
    digest = hashlib.sha256(FORMAT.encode())
    for name in TEMPLATES:
        digest.update((app_config.BASE_DIR / "templates" / name).read_bytes())
    catalogue = (
        app_config.BASE_DIR / "meeting_app/translations" / language / "LC_MESSAGES/messages.mo"
    )
    if catalogue.exists():
        digest.update(catalogue.read_bytes())
    return digest.hexdigest()


def _key(meeting_id: int, version: int, language: str, paper: str):
    return (
        StoredBooklet.meeting_id == meeting_id,
        StoredBooklet.version == version,
        StoredBooklet.language == language,
        StoredBooklet.paper == paper,
    )


def find(meeting_id: int, current: Inputs, language: str, paper: str) -> bytes | None:
    """The kept booklet drawn from `current`, or None (not drawn yet, or drawn
    before a change)."""
    return db.session.scalar(
        sa.select(StoredBooklet.pdf).where(
            *_key(meeting_id, current.version, language, paper),
            StoredBooklet.digest == current.digest,
        )
    )


def keep(meeting_id: int, drawn_from: Inputs, language: str, paper: str, pdf: bytes) -> None:
    """Keeps a booklet drawn from `drawn_from` (flushed, for the caller's commit),
    replacing the one kept for the same version, language and paper. One statement
    that cannot collide on the unique constraint, whoever else keeps the same
    booklet at once (INSERT ... ON CONFLICT DO UPDATE), as badges.keep does."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(StoredBooklet).values(
        meeting_id=meeting_id,
        version=drawn_from.version,
        language=language,
        paper=paper,
        digest=drawn_from.digest,
        pdf=pdf,
        drawn_at=utcnow(),
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["meeting_id", "version", "language", "paper"],
            set_={
                "digest": statement.excluded.digest,
                "pdf": statement.excluded.pdf,
                "drawn_at": statement.excluded.drawn_at,
            },
        )
    )


def forget_older(meeting_id: int, version: int) -> int:
    """Drops the booklets of versions before `version`: never served again."""
    return db.session.execute(
        sa.delete(StoredBooklet)
        .where(StoredBooklet.meeting_id == meeting_id, StoredBooklet.version < version)
        .execution_options(synchronize_session=False)
    ).rowcount


# Asking for the drawing after the changes that call for it.


def listen() -> None:
    """Once per process, as ahead.listen: the listener holds for every app's
    sessions, each app's BOOKLETS_AHEAD deciding."""
    if not sa.event.contains(db.session, "after_flush", _note_changes):
        sa.event.listen(db.session, "after_flush", _note_changes)
        sa.event.listen(db.session, "after_commit", _forget)
        sa.event.listen(db.session, "after_rollback", _forget)


def _note_changes(session, _flush_context) -> None:
    """After a flush: the meetings with a newly published agenda version, or whose
    booklet shows something that changed."""
    changed = {obj.meeting_id for obj in session.new if isinstance(obj, AgendaVersion)}
    for obj in session.dirty:
        if isinstance(obj, Meeting):
            attributes = sa.inspect(obj).attrs
            if any(attributes[field].history.has_changes() for field in MEETING_FIELDS):
                changed.add(obj.id)
    noted = session.info.setdefault(NOTED, set())
    for meeting_id in changed - noted - {None}:
        noted.add(meeting_id)
        request(meeting_id)
    # A participant added or removed matters only if listed (approved, consenting);
    # one changed, if what the list shows or selects by changed.
    delegates = {
        obj.meeting_id
        for obj in (*session.new, *session.deleted)
        if isinstance(obj, Participant)
        and obj.status == RegistrationStatus.APPROVED
        and obj.consent_public_list
    } | {
        obj.meeting_id
        for obj in session.dirty
        if isinstance(obj, Participant)
        and any(sa.inspect(obj).attrs[f].history.has_changes() for f in LISTED_FIELDS)
    }
    for meeting_id in delegates - noted - {None}:
        noted.add(meeting_id)
        request(meeting_id, later=True)


def _forget(session) -> None:
    session.info.pop(NOTED, None)


def request(meeting_id: int, later: bool = False) -> None:
    """Draws the meeting's booklets in a task, once this transaction commits (or,
    `later`, BOOKLET_REDRAW_DELAY seconds after, once for every ask in between)."""
    app = current_app
    if not app.config.get("BOOKLETS_AHEAD"):
        return
    # Embedded, the task would run in this process: not in a command, which would
    # wait at its exit for the drawing (the first download draws it instead).
    if tasks.embedded(app) and click.get_current_context(silent=True):
        return
    from meeting_app.documents.tasks import draw_booklets

    if later:
        tasks.enqueue_later(draw_booklets, meeting_id, delay=app.config["BOOKLET_REDRAW_DELAY"])
    else:
        tasks.enqueue(draw_booklets, meeting_id)
