"""What is held about a participant (their download), erasure, and the purge of
sensitive fields once a meeting's retention period is over.

Services change data and flush; the caller commits."""

from datetime import date, datetime

import sqlalchemy as sa

from meeting_app.agenda import attendance
from meeting_app.agenda.models import AgendaSession, Attendance
from meeting_app.core import tokens
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.documents.models import BadgePrint, BadgeRender
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.files.models import StoredFile
from meeting_app.mail.models import MailStatus, OutgoingMail
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.questions.answers import answers_of, display, is_empty, questions_of, text
from meeting_app.questions.models import FILE_TYPES, FormAnswer, FormQuestion
from meeting_app.registration.models import (
    EDITABLE_FIELDS,
    SENSITIVE_FIELDS,
    Participant,
    RegistrationChange,
    new_badge_code,
)
from meeting_app.travel import services as travel
from meeting_app.travel import sponsorship

ERASED_NAME = "Erased participant"


def _value(value):
    if hasattr(value, "value"):  # enums
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def personal_data(participant: Participant) -> dict:
    """Everything held about one participant, as plain JSON-ready values."""
    registration = {field: _value(getattr(participant, field)) for field in EDITABLE_FIELDS}
    registration.update(
        delegation=participant.delegation.country_code if participant.delegation else None,
        role=participant.role.value,
        status=participant.status.value,
        decision_reason=participant.decision_reason,
        registered_at=_value(participant.created_at),
        updated_at=_value(participant.updated_at),
    )
    check_ins = db.session.execute(
        sa.select(CheckIn).filter_by(participant_id=participant.id).order_by(CheckIn.id)
    ).scalars()
    prints = db.session.execute(
        sa.select(BadgePrint).filter_by(participant_id=participant.id).order_by(BadgePrint.id)
    ).scalars()
    sessions = db.session.execute(
        sa.select(AgendaSession, Attendance.created_at)
        .join(Attendance, Attendance.session_id == AgendaSession.id)
        .filter(Attendance.participant_id == participant.id)
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    )
    mails = db.session.execute(
        sa.select(OutgoingMail).filter_by(participant_id=participant.id).order_by(OutgoingMail.id)
    ).scalars()
    return {
        "meeting": participant.meeting.slug,
        "registration": registration,
        "status_history": [
            {
                "at": _value(change.at),
                "by": change.actor,
                "from": _value(change.from_status),
                "to": _value(change.to_status),
                "details": change.details,
            }
            for change in reversed(participant.changes)
        ],
        "check_ins": [
            {
                "day": _value(c.day),
                "at": _value(c.checked_in_at),
                "method": c.method.value,
                "undone_at": _value(c.cancelled_at),
            }
            for c in check_ins
        ],
        "badge_prints": [
            {"at": _value(p.printed_at), "layout": p.layout, "reprint": p.reprint} for p in prints
        ],
        "sessions": [
            {
                "title": session.title,
                "starts_at": _value(session.starts_at),
                "ends_at": _value(session.ends_at),
                "chosen_at": _value(chosen_at),
            }
            for session, chosen_at in sessions
        ],
        "emails": [
            {
                "subject": m.subject,
                "created_at": _value(m.created_at),
                "sent_at": _value(m.sent_at),
                "status": m.status.value,
            }
            for m in mails
        ],
        "answers": _answers(participant),
        **travel.personal_data(participant),
        "travel_support": sponsorship.personal_data(participant),
    }


def _answers(participant: Participant) -> list[dict]:
    """Every answer held about the person, in form order, archived questions'
    included: by the question's key and label (in the person's language), as stored
    and as read; a file by its name, type and size, never its content. The answers
    organisers gave to their internal questions too (data held about the person),
    marked as such."""
    meeting = participant.meeting
    language = participant.preferred_language or meeting.default_language
    given = answers_of([participant.id]).get(participant.id, {})
    found = []
    for question in questions_of(meeting.id, archived=True) if given else ():
        answer = given.get(question.id)
        if answer is None:
            continue
        entry = {
            "question": question.key,
            "label": text(question.label, meeting, language),
            "organisers_only": question.organisers_only,
            "archived": question.archived_at is not None,
        }
        if question.type in FILE_TYPES:
            if answer.file is None:
                continue
            entry["file"] = {
                "name": answer.file.filename,
                "type": answer.file.content_type,
                "size": answer.file.size,
            }
        else:
            if is_empty(answer.value):
                continue
            entry["value"] = answer.value
            entry["as_shown"] = display(question, answer, meeting, language)
        found.append(entry)
    return found


class AlreadyErased(Exception):
    pass


def erase(participant: Participant, *, by_user) -> None:
    """Anonymises a participant: personal fields replaced by neutral values, the
    private link and badge code replaced by secrets nobody has, e-mails emptied,
    the change log's details cleared, the places in the sessions they chose given
    back (someone else may take them). The row stays with its status, delegation,
    category, check-ins and badge prints, so that the meeting's counts (its seats
    included) stay as they were: to free the meeting seat, cancel first."""
    if participant.erased_at is not None:
        raise AlreadyErased()
    travel.forget(participant)
    sponsorship.forget_texts(participant)
    participant.honorific = None
    participant.given_name = ""
    participant.family_name = ERASED_NAME
    participant.badge_name = ERASED_NAME
    # Unique per meeting and never deliverable (.invalid is reserved, RFC 2606).
    participant.email = f"erased-{participant.id}@erased.invalid"
    for field in (
        "phone",
        "organisation",
        "position",
        "gender",
        "dietary_needs",
        "accessibility_needs",
    ):
        setattr(participant, field, "")
    participant.passport_number = ""
    participant.nationality_code = None
    participant.needs_visa_letter = False
    participant.consent_public_list = False
    participant.decision_reason = ""
    participant.token = tokens.new_token()
    participant.badge_code = new_badge_code()
    participant.erased_at = utcnow()
    # A head of delegation also holds the delegation's read-only link: it goes too.
    heads = db.session.execute(sa.select(Delegation).filter_by(head_id=participant.id)).scalars()
    for delegation in heads:
        delegation.head_id = None
        delegation.view_token = tokens.new_token()
    db.session.execute(
        sa.update(RegistrationChange)
        .where(RegistrationChange.participant_id == participant.id)
        .values(details="")
    )
    attendance.leave_all(participant)
    # The answers to the form's questions and the files uploaded with them.
    db.session.execute(sa.delete(FormAnswer).where(FormAnswer.participant_id == participant.id))
    db.session.execute(
        sa.delete(StoredFile)
        .where(StoredFile.participant_id == participant.id)
        .execution_options(synchronize_session=False)
    )
    # Badges drawn ahead of printing show the name.
    db.session.execute(sa.delete(BadgeRender).where(BadgeRender.participant_id == participant.id))
    # Mails not yet sent can no longer be: they go. Those sent keep their subject,
    # date and status (what was sent when), not their text nor the address.
    db.session.execute(
        sa.delete(OutgoingMail).where(
            OutgoingMail.participant_id == participant.id,
            OutgoingMail.status == MailStatus.PENDING,
        )
    )
    db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.participant_id == participant.id)
        .values(recipient="", body_text="", body_html="", calendar="", last_error="")
    )
    audit.record("participant.erased", user=by_user, participant=participant)
    db.session.flush()


def purge_due(meetings: list[Meeting], now: datetime | None = None) -> list[Meeting]:
    """The meetings whose retention period is over (in each meeting's own time zone)."""
    return [m for m in meetings if m.local_date(now) >= m.purge_date]


def purge_all_due() -> tuple[list[tuple[Meeting, dict[str, int]]], int]:
    """Purges every meeting past its retention period (the daily task and
    `flask privacy purge`): each with what was deleted, and how many were not due.
    Files left from forms never sent again (nobody's after a day) go too."""
    files.purge_unowned()
    meetings = db.session.execute(sa.select(Meeting).order_by(Meeting.end_date)).scalars().all()
    due = purge_due(meetings)
    return [(meeting, purge(meeting)) for meeting in due], len(meetings) - len(due)


def purge(
    meeting: Meeting, fields=SENSITIVE_FIELDS, *, answers: bool = True, by_user=None
) -> dict[str, int]:
    """Blanks `fields` of the meeting's participants and, with `answers`, deletes
    the answers to the form's sensitive questions and their files; returns {field:
    how many values were deleted} (the answers as "sensitive_answers"). Running it
    again deletes nothing more (and logs nothing)."""
    counts = {}
    for field in fields:
        column = getattr(Participant, field)
        result = db.session.execute(
            sa.update(Participant)
            .where(Participant.meeting_id == meeting.id, column != "")
            .values({field: ""})
            .execution_options(synchronize_session="fetch")
        )
        counts[field] = result.rowcount
    if answers:
        counts["sensitive_answers"] = _purge_sensitive_answers(meeting)
    if any(counts.values()):
        audit.record(
            "meeting.purged",
            user=by_user,
            meeting=meeting,
            details=", ".join(f"{field}: {n}" for field, n in counts.items()),
        )
    return counts


def sensitive_question_labels(meeting: Meeting, language: str) -> list[str]:
    """The questions participants see whose answers the purge deletes (the privacy page)."""
    return [
        text(q.label, meeting, language) or q.key
        for q in questions_of(meeting.id)
        if q.sensitive and q.asks and not q.organisers_only
    ]


def _purge_sensitive_answers(meeting: Meeting) -> int:
    """Deletes the answers to the meeting's sensitive questions (archived ones
    included) and the files given with them; returns how many answers."""
    sensitive = sa.select(FormQuestion.id).where(
        FormQuestion.meeting_id == meeting.id, FormQuestion.sensitive.is_(True)
    )
    file_ids = list(
        db.session.scalars(
            sa.select(FormAnswer.file_id).where(
                FormAnswer.question_id.in_(sensitive), FormAnswer.file_id.is_not(None)
            )
        )
    )
    result = db.session.execute(
        sa.delete(FormAnswer)
        .where(FormAnswer.question_id.in_(sensitive))
        .execution_options(synchronize_session=False)
    )
    if file_ids:
        db.session.execute(
            sa.delete(StoredFile)
            .where(StoredFile.id.in_(file_ids))
            .execution_options(synchronize_session=False)
        )
    return result.rowcount
