"""The hosts' desk: finding who is at the door, checking them in (once per day of
the meeting), undoing a mistake, and registering walk-ins.

Services change data and flush; the view commits once."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import SITE_WIDE, meeting_from_slug, meetings_where
from meeting_app.core.collation import collated
from meeting_app.core.folding import contains, folded_words, search_text
from meeting_app.core.folding import fold as fold  # its former home: callers may import it here
from meeting_app.core.i18n import LANGUAGES
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn, CheckInMethod
from meeting_app.extensions import db
from meeting_app.meetings.models import Country, Meeting, MeetingStatus
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.registration import services as registration
from meeting_app.registration.models import Participant, RegistrationStatus

Status = RegistrationStatus

# Who may be let in: an approved registration. The others are shown, and not
# checked in: cancelled and declined in red, the undecided in amber.
ADMITTED = frozenset({Status.APPROVED})
REFUSED = frozenset({Status.CANCELLED, Status.DECLINED})


@dataclass(frozen=True)
class DeskRow:
    meeting: Meeting
    expected: int
    arrived: int


def desk_overview(user) -> list[DeskRow]:
    """The published meetings whose desk `user` may work, newest first, with approved
    participants and how many of them have arrived (checked in on any day, undone
    check-ins aside)."""
    meetings = (
        db.session.execute(
            db.select(Meeting)
            .filter(Meeting.status == MeetingStatus.PUBLISHED, meetings_where(user, Role.HOST))
            .order_by(Meeting.start_date.desc())
        )
        .scalars()
        .all()
    )
    approved = dict(
        db.session.execute(
            db.select(Participant.meeting_id, sa.func.count())
            .filter(Participant.status == RegistrationStatus.APPROVED)
            .group_by(Participant.meeting_id)
        ).all()
    )
    arrived = dict(
        db.session.execute(
            db.select(Participant.meeting_id, sa.func.count(sa.distinct(CheckIn.participant_id)))
            .join(CheckIn, CheckIn.participant_id == Participant.id)
            .filter(CheckIn.cancelled_at.is_(None))
            .group_by(Participant.meeting_id)
        ).all()
    )
    return [DeskRow(m, approved.get(m.id, 0), arrived.get(m.id, 0)) for m in meetings]


def meeting_days(meeting: Meeting) -> list[date]:
    return [
        date.fromordinal(n)
        for n in range(meeting.start_date.toordinal(), meeting.end_date.toordinal() + 1)
    ]


# --- Reading a badge -------------------------------------------------------------------


class CodeProblem(StrEnum):
    MALFORMED = "malformed"  # not a badge of this application at all
    PRIVATE_LINK = "private_link"  # a participant's private link, not a badge
    UNKNOWN = "unknown"  # the right shape, but no such badge (forged, or deleted)
    OTHER_MEETING = "other_meeting"


class BadCode(Exception):
    def __init__(self, problem: CodeProblem, meeting: Meeting | None = None):
        super().__init__(problem.value)
        self.problem = problem
        self.meeting = meeting  # the badge's own meeting, for OTHER_MEETING


# A badge code is secrets.token_urlsafe(12): 16 URL-safe characters. Somewhat wider
# here, so that codes of another length are told "unknown" rather than "malformed".
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
_BADGE_PATH = re.compile(r"/desk/badge/([^/?#\s]+)/?(?:[?#].*)?$")
_PRIVATE_PATH = re.compile(r"/(?:r|d)/[A-Za-z0-9_-]+")


def badge_code_of(text: str) -> str:
    """The badge code in what a scanner read: the URL printed in the QR code
    (whatever the host name, since the app may be reached under several), a path,
    or the bare code. Raises BadCode(MALFORMED or PRIVATE_LINK)."""
    text = text.strip()
    match = _BADGE_PATH.search(text)
    if match:
        code = match.group(1)
    elif _PRIVATE_PATH.search(text):
        raise BadCode(CodeProblem.PRIVATE_LINK)
    elif "/" in text or ":" in text:
        raise BadCode(CodeProblem.MALFORMED)
    else:
        code = text
    if not _CODE.match(code):
        raise BadCode(CodeProblem.MALFORMED)
    return code


def find_badge(meeting: Meeting, text: str) -> Participant:
    """The participant whose badge was read, checked to belong to `meeting`.
    Raises BadCode."""
    code = badge_code_of(text)
    participant = db.session.execute(
        db.select(Participant)
        .filter_by(badge_code=code)
        .options(joinedload(Participant.delegation).joinedload(Delegation.country))
    ).scalar_one_or_none()
    if participant is None:
        # A private link's token is longer than a badge code, but a guess of the
        # right length is simply unknown.
        raise BadCode(CodeProblem.UNKNOWN)
    if participant.meeting_id != meeting.id:
        raise BadCode(CodeProblem.OTHER_MEETING, participant.meeting)
    return participant


def find_by_badge_code(code: str) -> Participant | None:
    if not _CODE.match(code):
        return None
    return db.session.execute(
        db.select(Participant).filter_by(badge_code=code)
    ).scalar_one_or_none()


def desk_meeting(view_args: dict):
    """The meeting a desk page is about, for the role guard: its `<slug>`, or the
    meeting of the badge whose `<code>` it shows. An unknown code is left to the
    view, whose 404 counts against the limit on guessing codes (core/limits.py)."""
    if "code" in view_args:
        participant = find_by_badge_code(view_args["code"])
        return participant.meeting if participant is not None else SITE_WIDE
    return meeting_from_slug(view_args)


# --- Checking in -----------------------------------------------------------------------


class Outcome(StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"  # checked in earlier the same day
    REFUSED = "refused"  # cancelled or declined registration
    NOT_APPROVED = "not_approved"  # submitted or on the waiting list


@dataclass(frozen=True)
class CheckInResult:
    outcome: Outcome
    participant: Participant
    check_in: CheckIn | None  # the standing check-in of the day, if any

    @property
    def recorded(self) -> bool:
        return self.outcome is Outcome.CHECKED_IN


SCAN_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _insert(values: dict):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the new check-in: the unique index
    (one standing check-in per participant and day) and the unique scan id decide
    between concurrent requests, on SQLite and PostgreSQL alike, without an error
    to recover from. Returns None when the insert was skipped."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    statement = insert(CheckIn).values(**values).on_conflict_do_nothing().returning(CheckIn)
    return db.session.execute(statement).scalars().first()


def check_in(
    participant: Participant,
    *,
    by_user=None,
    method: CheckInMethod = CheckInMethod.SCAN,
    scan_id: str | None = None,
    now: datetime | None = None,
) -> CheckInResult:
    """Records `participant`'s arrival for today (the meeting's day), once.

    A scan id already recorded (the same scan sent again) answers as the first
    time did, without recording anything; a second scan the same day answers
    ALREADY with the first time. Registrations that are not approved are not
    checked in. The common case (a new arrival) is one INSERT."""
    if scan_id is not None and not SCAN_ID.match(scan_id):
        scan_id = None  # a malformed id only loses the retry protection
    if participant.status in REFUSED:
        return CheckInResult(Outcome.REFUSED, participant, None)
    if participant.status not in ADMITTED:
        return CheckInResult(Outcome.NOT_APPROVED, participant, None)
    moment = now or utcnow()
    day = participant.meeting.local_date(moment)
    values = {
        "participant_id": participant.id,
        "day": day,
        "checked_in_at": moment,
        "method": method,
        "by_user_id": by_user.id if by_user else None,
    }
    for _attempt in range(3):
        created = _insert({**values, "scan_id": scan_id})
        if created is not None:
            return CheckInResult(Outcome.CHECKED_IN, participant, created)
        standing = standing_check_in(participant, day)
        if standing is not None:
            # The same scan sent again answers as the first time did.
            retry = scan_id is not None and standing.scan_id == scan_id
            return CheckInResult(
                Outcome.CHECKED_IN if retry else Outcome.ALREADY, participant, standing
            )
        if scan_id is not None:
            earlier = db.session.execute(
                db.select(CheckIn).filter_by(scan_id=scan_id)
            ).scalar_one_or_none()
            if earlier is not None and earlier.participant_id == participant.id:
                return CheckInResult(Outcome.CHECKED_IN, participant, earlier)  # a retry
            if earlier is not None:
                scan_id = None  # an id reused for someone else: record without it
        # Otherwise the day's check-in was undone meanwhile by someone else: again.
    raise RuntimeError("check-in neither recorded nor found")


# How old a scan made offline may be and still keep its own time (a connection
# down for the morning); anything else gets the time it reaches the server.
OFFLINE_SCAN_AGE = timedelta(hours=12)


def scan_time(value, now: datetime | None = None) -> datetime | None:
    """The moment the browser read the badge (ISO 8601 with an offset), when it is
    plausible: not in the future, not older than OFFLINE_SCAN_AGE. None otherwise,
    so that the server's clock is used."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    now = now or utcnow()
    if not now - OFFLINE_SCAN_AGE <= moment <= now + timedelta(minutes=1):
        return None
    return min(moment, now)


def standing_check_in(participant: Participant, day: date) -> CheckIn | None:
    return db.session.execute(
        db.select(CheckIn).filter_by(participant_id=participant.id, day=day, cancelled_at=None)
    ).scalar_one_or_none()


def check_ins_of(participant: Participant) -> list[CheckIn]:
    """Every check-in of a participant, undone ones included, newest first."""
    return list(
        db.session.execute(
            db.select(CheckIn)
            .filter_by(participant_id=participant.id)
            .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())
        ).scalars()
    )


def undo(check_in: CheckIn, *, by_user=None, now: datetime | None = None) -> bool:
    """Cancels a mistaken check-in, keeping it as a record (who undid it, when).
    Returns False when it was already undone (a double click)."""
    result = db.session.execute(
        db.update(CheckIn)
        .where(CheckIn.id == check_in.id, CheckIn.cancelled_at.is_(None))
        .values(cancelled_at=now or utcnow(), cancelled_by_user_id=by_user.id if by_user else None)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        return False
    audit.record(
        "check_in.undone",
        user=by_user,
        participant=check_in.participant,
        details=check_in.day.isoformat(),
    )
    return True


def days_attended(participant_ids) -> dict[int, list[date]]:
    """{participant id: the meeting days they were checked in}, undone check-ins
    aside (for certificates of attendance, say)."""
    ids = list(participant_ids)
    if not ids:
        return {}
    days: dict[int, list[date]] = {}
    for participant_id, day in db.session.execute(
        db.select(CheckIn.participant_id, CheckIn.day)
        .filter(CheckIn.participant_id.in_(ids), CheckIn.cancelled_at.is_(None))
        .order_by(CheckIn.participant_id, CheckIn.day)
    ):
        days.setdefault(participant_id, []).append(day)
    return days


def get_check_in(meeting: Meeting, check_in_id: int) -> CheckIn | None:
    """A check-in of one of `meeting`'s participants (None for another meeting's)."""
    return db.session.execute(
        db.select(CheckIn)
        .join(Participant, CheckIn.participant_id == Participant.id)
        .filter(CheckIn.id == check_in_id, Participant.meeting_id == meeting.id)
    ).scalar_one_or_none()


# --- Search ----------------------------------------------------------------------------

SEARCH_LIMIT = 20


def search(meeting: Meeting, query: str, limit: int = SEARCH_LIMIT) -> list[Participant]:
    """Participants whose name, badge name, e-mail, organisation or delegation (in
    any of the three languages) contains every word of `query`, accents and case
    aside; the first `limit` by name.

    One query on the folded column (Participant.search_text, a trigram index on
    PostgreSQL) with a LIMIT: neither time nor memory grows with the meeting. The
    delegations' countries (a few hundred at most) are matched here first."""
    words = folded_words(query)
    if not words:
        return []
    in_delegations = _delegations_named(meeting, words)
    conditions = []
    for word in words:
        condition = contains(Participant.search_text, word)
        if in_delegations[word]:
            condition = sa.or_(condition, Participant.delegation_id.in_(in_delegations[word]))
        conditions.append(condition)
    return list(
        db.session.execute(
            db.select(Participant)
            .filter(Participant.meeting_id == meeting.id, *conditions)
            .options(joinedload(Participant.delegation).joinedload(Delegation.country))
            .order_by(
                collated(Participant.family_name),
                collated(Participant.given_name),
                Participant.id,
            )
            .limit(limit)
        ).scalars()
    )


def _delegations_named(meeting: Meeting, words: list[str]) -> dict[str, list[int]]:
    """{word: the meeting's delegations whose country's name, in any language,
    contains it}."""
    found: dict[str, list[int]] = {word: [] for word in words}
    for delegation_id, *names in db.session.execute(
        db.select(Delegation.id, *(Country.name_column(code) for code in LANGUAGES))
        .join(Country, Delegation.country_code == Country.code)
        .filter(Delegation.meeting_id == meeting.id)
    ):
        haystack = search_text(names)
        for word in words:
            if word in haystack:
                found[word].append(delegation_id)
    return found


def today_check_ins(meeting: Meeting, participants, now: datetime | None = None) -> dict:
    """{participant id: today's standing check-in} for the participants listed."""
    ids = [p.id for p in participants]
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(CheckIn).filter(
            CheckIn.participant_id.in_(ids),
            CheckIn.day == meeting.local_date(now),
            CheckIn.cancelled_at.is_(None),
        )
    ).scalars()
    return {c.participant_id: c for c in rows}


# --- Walk-ins --------------------------------------------------------------------------


def walk_in_status(meeting: Meeting) -> RegistrationStatus:
    """Approved when the meeting approves nobody, or lets its desk approve walk-ins;
    otherwise submitted, for an organiser to decide."""
    if not meeting.requires_approval or meeting.desk_approves_walk_ins:
        return Status.APPROVED
    return Status.SUBMITTED


def register_walk_in(
    meeting: Meeting, values: dict, *, by_user, now: datetime | None = None
) -> tuple[Participant, CheckInResult | None]:
    """Registers someone at the door and, when the registration is approved (and
    got a seat), checks them in. Raises registration's DuplicateRegistration."""
    participant = registration.register(
        meeting, values, by_user=by_user, status=walk_in_status(meeting), actor="host"
    )
    db.session.flush()
    result = None
    if participant.status in ADMITTED:
        result = check_in(participant, by_user=by_user, method=CheckInMethod.WALK_IN, now=now)
    return participant, result
