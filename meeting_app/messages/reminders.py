"""Automatic reminders that a meeting switches on (issue 17), sent by the
scheduler (`messages.send_reminders`, every 15 minutes) once per person, in the
person's language, with the meeting's wording of the mail (mail/texts.py):

- `before:N` (Meeting.reminder_days_before, e.g. 7 and 1): from N days before the
  first day (the meeting's local date) until the meeting starts, to approved
  participants. A reminder goes to the people approved before its day began
  (midnight where the meeting is held): someone approved later has just had the
  approval mail, and gets the next reminder instead. So someone approved two days
  before gets the 1-day reminder, not a late 7-day one, and someone approved after
  the last reminder's day began gets none (the approval mail says what they need).
  A person gets one `before` reminder per run at most, the smallest N that is due
  (after the scheduler was stopped for a week: the 1-day one, not both); the
  larger ones are recorded as skipped (a SentReminder without a mail).
- `visa` (Meeting.visa_reminder_days): while registration is open and closes
  within that many days, to those who asked for a visa letter and have not given
  their nationality or passport number (submitted, approved or waitlisted).
- `certificate` (Meeting.certificate_reminder): once the meeting is over, for
  CERTIFICATE_DAYS days, to those checked in at least once: the certificate link.

Sending once: each mail is claimed first by inserting its SentReminder row with
INSERT ... ON CONFLICT DO NOTHING RETURNING; the unique key (participant, kind)
lets one caller insert it, whatever runs at the same time on other servers, and
only the rows this call inserted get a mail. Claims and mails are in the
caller's transaction: they commit together, or a crash rolls both back (nothing
lost, nothing sent twice). Erased people get nothing. Only published meetings
send; the caller commits.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from meeting_app.core.i18n import format_local_datetime
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.desk.services import days_attended
from meeting_app.extensions import db
from meeting_app.mail import texts
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.messages.models import SentReminder
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.registration import placeholders
from meeting_app.registration.models import Participant, RegistrationStatus

log = logging.getLogger(__name__)

# How long after the last day those checked in still get their certificate link.
CERTIFICATE_DAYS = 30
# People claimed and written to per statement: a meeting of 5,000 is not loaded at once.
BATCH = 500
# The limits of the settings page (reminder_views.py).
MAX_DAYS_BEFORE = 365
MAX_BEFORE_REMINDERS = 5
MAX_VISA_DAYS = 90

VISA, CERTIFICATE = "visa", "certificate"
# The statuses of a visa request still worth completing.
VISA_STATUSES = (
    RegistrationStatus.SUBMITTED,
    RegistrationStatus.APPROVED,
    RegistrationStatus.WAITLISTED,
)
# The wording of each kind (mail/texts.py).
TEXT_KEYS = {
    "before": "reminder_before",
    VISA: "reminder_visa",
    CERTIFICATE: "reminder_certificate",
}


def before_kind(days: int) -> str:
    return f"before:{days}"


def is_on(meeting: Meeting) -> bool:
    return bool(
        meeting.reminder_days_before
        or meeting.visa_reminder_days is not None
        or meeting.certificate_reminder
    )


def send_due(now: datetime | None = None) -> int:
    """Writes the reminders due at `now` (default: now) for every published meeting
    that has some switched on; returns how many mails it wrote."""
    now = now or utcnow()
    total = 0
    for meeting in _meetings(now):
        counts = send_for_meeting(meeting, now)
        sent = sum(counts.values())
        total += sent
        summary = ", ".join(f"{kind} {count}" for kind, count in counts.items()) or "none due"
        log.info("reminders for %s: %s", meeting.slug, summary)
        if sent:  # a line only when something went: the scheduler runs 96 times a day
            audit.record("reminders.sent", meeting=meeting, details=summary)
    return total


def _meetings(now: datetime) -> list[Meeting]:
    # Two days of margin around the UTC date: the meetings' own dates are local.
    recent = (now - timedelta(days=CERTIFICATE_DAYS + 2)).date()
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.status == MeetingStatus.PUBLISHED,
            sa.or_(Meeting.end_date >= recent, Meeting.registration_closes_at > now),
        )
        .order_by(Meeting.id)
    )
    return [m for m in meetings if is_on(m)]


def send_for_meeting(meeting: Meeting, now: datetime) -> dict[str, int]:
    """{kind: mails written} for the reminders of `meeting` due at `now`."""
    counts: dict[str, int] = {}
    due = due_before(meeting, now)
    if due is not None:
        days, skipped = due
        counts[before_kind(days)] = _send(
            meeting, before_kind(days), "before", _before_people(meeting, days), skipped
        )
    if visa_due(meeting, now):
        counts[VISA] = _send(meeting, VISA, VISA, _visa_people(meeting))
    if certificate_due(meeting, now):
        counts[CERTIFICATE] = _send(meeting, CERTIFICATE, CERTIFICATE, _certificate_people(meeting))
    return counts


def due_before(meeting: Meeting, now: datetime) -> tuple[int, list[str]] | None:
    """The `before` reminder due at `now` (the smallest N whose day has come, before
    the meeting starts) and the kinds of the larger ones, to be skipped; None when
    none is due."""
    left = (meeting.start_date - meeting.local_date(now)).days
    if left <= 0:
        return None
    due = sorted(n for n in set(meeting.reminder_days_before or ()) if left <= n)
    if not due:
        return None
    return due[0], [before_kind(n) for n in due[1:]]


def visa_due(meeting: Meeting, now: datetime) -> bool:
    closes = meeting.registration_closes_at
    return (
        meeting.visa_reminder_days is not None
        and closes is not None
        and now < closes <= now + timedelta(days=meeting.visa_reminder_days)
    )


def certificate_due(meeting: Meeting, now: datetime) -> bool:
    return (
        meeting.certificate_reminder
        and meeting.is_over(now)
        and (meeting.local_date(now) - meeting.end_date).days <= CERTIFICATE_DAYS
    )


def day_begins(meeting: Meeting, days_before: int) -> datetime:
    """Midnight (UTC) where the meeting is held, `days_before` days before its first day."""
    day = meeting.start_date - timedelta(days=days_before)
    return datetime.combine(day, time.min, tzinfo=meeting.tz).astimezone(UTC)


def _people(meeting: Meeting, kind: str):
    """Not erased, and not reminded of `kind` yet (the claim still decides)."""
    return sa.select(Participant.id).where(
        Participant.meeting_id == meeting.id,
        Participant.erased_at.is_(None),
        ~sa.exists().where(
            SentReminder.participant_id == Participant.id, SentReminder.kind == kind
        ),
    )


def _before_people(meeting: Meeting, days: int):
    return _people(meeting, before_kind(days)).where(
        Participant.status == RegistrationStatus.APPROVED,
        Participant.status_changed_at < day_begins(meeting, days),
    )


def unfinished_visa_request():
    """A visa letter asked for that lacks what the letter needs."""
    return sa.and_(
        Participant.needs_visa_letter.is_(True),
        sa.or_(Participant.nationality_code.is_(None), Participant.passport_number == ""),
    )


def _visa_people(meeting: Meeting):
    return _people(meeting, VISA).where(
        Participant.status.in_(VISA_STATUSES), unfinished_visa_request()
    )


def _certificate_people(meeting: Meeting):
    return _people(meeting, CERTIFICATE).where(
        sa.exists().where(CheckIn.participant_id == Participant.id, CheckIn.cancelled_at.is_(None))
    )


def _send(meeting, kind: str, text: str, query, skipped=()) -> int:
    """Claims and writes `kind` for the people `query` selects, batch after batch."""
    ids = list(db.session.scalars(query.order_by(Participant.id)))
    base = (current_app.config.get("PUBLIC_URL") or "http://localhost").rstrip("/")
    written = 0
    for start in range(0, len(ids), BATCH):
        claimed = _claim(meeting, kind, ids[start : start + BATCH])
        if not claimed:
            continue
        people = _load(claimed)
        mails = _write(meeting, people, kind, text, base)
        db.session.flush()  # the mails' ids
        if mails:
            db.session.execute(
                sa.update(SentReminder),
                [{"id": claimed[pid], "mail_id": mail.id} for pid, mail in mails.items()],
            )
        for other in skipped:
            _claim(meeting, other, list(claimed))
        written += len(mails)
    return written


def _insert():
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(SentReminder)


def _claim(meeting, kind: str, participant_ids: list[int]) -> dict[int, int]:
    """{participant id: SentReminder id} of the rows this call inserted; a person
    someone else has claimed (here or in another transaction) is left out."""
    if not participant_ids:
        return {}
    statement = (
        _insert()
        .values(
            [
                {
                    "meeting_id": meeting.id,
                    "participant_id": pid,
                    "kind": kind,
                    "created_at": utcnow(),
                }
                for pid in participant_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["participant_id", "kind"])
        .returning(SentReminder.participant_id, SentReminder.id)
    )
    return {pid: row_id for pid, row_id in db.session.execute(statement)}


def _load(participant_ids) -> list[Participant]:
    return list(
        db.session.scalars(
            sa.select(Participant)
            .where(Participant.id.in_(list(participant_ids)))
            .options(joinedload(Participant.delegation).joinedload(Delegation.country))
            .order_by(Participant.id)
        )
    )


def _write(meeting, people: list[Participant], kind: str, text: str, base: str) -> dict:
    """{participant id: OutgoingMail} for `people`, each in their language."""
    attended = set(days_attended([p.id for p in people])) if kind == CERTIFICATE else set()
    mails = {}
    with current_app.test_request_context(base_url=base):
        for person in people:
            language = person.preferred_language
            values = placeholders.values(person, language, base, attended)
            if kind == VISA:
                values["closes"] = format_local_datetime(
                    meeting.registration_closes_at, meeting.timezone, language
                )
            mail = texts.queue(
                person.email,
                TEXT_KEYS[text],
                language,
                values,
                kind=f"reminder:{kind}",
                meeting=meeting,
                participant=person,
            )
            if mail is not None:
                mails[person.id] = mail
    return mails


# --- Settings (the organisers' page) -------------------------------------------------


@dataclass(frozen=True)
class Settings:
    days_before: list[int]  # [] = off
    visa_days: int | None  # None = off
    certificate: bool


def configure(meeting: Meeting, settings: Settings, user) -> bool:
    """Stores the meeting's reminders (the caller checked the values); True if
    they changed (audit-logged then)."""
    days = sorted(set(settings.days_before), reverse=True)
    new = (days, settings.visa_days, settings.certificate)
    old = (
        list(meeting.reminder_days_before or ()),
        meeting.visa_reminder_days,
        meeting.certificate_reminder,
    )
    if new == old:
        return False
    meeting.reminder_days_before = days
    meeting.visa_reminder_days = settings.visa_days
    meeting.certificate_reminder = settings.certificate
    db.session.flush()
    audit.record(
        "meeting.settings",
        user=user,
        meeting=meeting,
        details=(
            f"reminders: before {','.join(map(str, days)) or 'off'}; "
            f"visa {settings.visa_days if settings.visa_days is not None else 'off'}; "
            f"certificate {'on' if settings.certificate else 'off'}"
        ),
    )
    return True


def sent_counts(meeting: Meeting) -> dict[str, int]:
    """{kind: reminders sent so far} (skipped ones aside)."""
    return dict(
        db.session.execute(
            sa.select(SentReminder.kind, sa.func.count())
            .where(SentReminder.meeting_id == meeting.id, SentReminder.mail_id.is_not(None))
            .group_by(SentReminder.kind)
        ).all()
    )
