"""Writing, checking, previewing and sending messages (the caller commits).

Sending is taken by one conditional UPDATE (draft or scheduled -> sending): a
double click, a reload or two schedulers at once find the message taken and do
nothing. The `messages.send` task then writes every mail as a plain row in one
statement and the recipients with them, and marks the message sent.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from meeting_app.core import tasks as core_tasks
from meeting_app.desk.services import days_attended
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.mail import services as mail
from meeting_app.mail.models import OutgoingMail
from meeting_app.messages import attachments, filters, placeholders
from meeting_app.messages.models import OPEN_STATES, Message, MessageRecipient, MessageState
from meeting_app.models import utcnow
from meeting_app.privacy import audit

log = logging.getLogger(__name__)

BODY_MAX = 100_000
SUBJECT_MAX = 300
MAIL_KIND = "message"


class MessageError(Exception):
    """Bad input: `field` names the form field, `code` the problem."""

    def __init__(self, code: str, field: str = "", **details):
        super().__init__(code)
        self.code, self.field, self.details = code, field, details


def check(meeting, texts: dict, criteria: filters.Criteria, send_at: datetime | None) -> list:
    """Every problem that keeps the message from being sent (MessageError list)."""
    problems = []
    default = meeting.default_language
    for language in meeting.languages:
        text = texts.get(language) or {}
        subject, body = text.get("subject", ""), text.get("body", "")
        if language == default and not subject.strip():
            problems.append(MessageError("empty_subject", f"subject_{language}", language=language))
        if language == default and not body.strip():
            problems.append(MessageError("empty_body", f"body_{language}", language=language))
        if len(body) > BODY_MAX:
            problems.append(MessageError("body_too_long", f"body_{language}", language=language))
        names = placeholders.unknown(subject, body)
        if names:
            problems.append(
                MessageError(
                    "unknown_placeholders", f"body_{language}", language=language, names=names
                )
            )
    if send_at is not None and send_at <= utcnow():
        problems.append(MessageError("in_past", "send_at"))
    if criteria.heads_of_delegations and not criteria.delegations:
        problems.append(MessageError("heads_without_delegations", "heads_of_delegations"))
    if filters.count(meeting, criteria) == 0:
        problems.append(MessageError("nobody"))
    return problems


def language_for(meeting, participant, texts: dict) -> str:
    """The participant's language if the message is written in it, else the default."""
    language = participant.preferred_language
    text = texts.get(language) or {}
    if (
        language in meeting.languages
        and text.get("subject", "").strip()
        and text.get("body", "").strip()
    ):
        return language
    return meeting.default_language


def render(meeting, participant, texts: dict, base_url: str, attended: set[int]) -> tuple:
    """(language, subject, body) as `participant` receives it."""
    language = language_for(meeting, participant, texts)
    text = texts[language]
    values = placeholders.values(participant, language, base_url, attended)
    # A subject is one line: a line break from a value or the text goes.
    subject = " ".join(placeholders.fill(text["subject"], values).split())
    return language, subject[:SUBJECT_MAX], placeholders.fill(text["body"], values).strip() + "\n"


@dataclass
class Preview:
    recipients: list
    # {language: (participant, subject, body)}: one real recipient of each language used.
    samples: dict = field(default_factory=dict)
    fallback: list = field(default_factory=list)  # who gets the default language instead
    missing: dict = field(default_factory=dict)  # {placeholder: [participants lacking it]}


def preview(meeting, texts: dict, criteria: filters.Criteria, base_url: str) -> Preview:
    people = filters.recipients(meeting, criteria)
    result = Preview(recipients=people)
    if not (texts.get(meeting.default_language) or {}).get("subject"):
        return result
    attended = _attended(people)
    used = set()
    for text in texts.values():
        used |= placeholders.used(text.get("subject", ""), text.get("body", ""))
    for person in people:
        language = language_for(meeting, person, texts)
        if language != person.preferred_language:
            result.fallback.append(person)
        values = placeholders.values(person, language, base_url, attended)
        for name in placeholders.OPTIONAL:
            if name in used and not values[name]:
                result.missing.setdefault(name, []).append(person)
        if language not in result.samples:
            result.samples[language] = (
                person,
                *render(meeting, person, texts, base_url, attended)[1:],
            )
    return result


def _attended(people) -> set[int]:
    return set(days_attended([p.id for p in people]))


def save(
    message: Message,
    *,
    texts: dict,
    criteria: filters.Criteria,
    send_at,
    user,
    files: list[dict] | None = None,
) -> Message:
    """`files`: what goes with it, as Message.attachments lists them."""
    message.texts = texts
    message.criteria = criteria.to_dict()
    message.send_at = send_at
    message.attachments = list(files or ())
    if message.author_id is None and user is not None:
        message.author, message.author_email = user, user.email
    db.session.add(message)
    db.session.flush()
    return message


def send_test(
    texts: dict,
    meeting,
    criteria: filters.Criteria,
    user,
    base_url: str,
    files: list[dict] | None = None,
):
    """Queues one mail to the organiser: the message as its first recipient gets
    it, with its files (the booklet in that person's language)."""
    people = filters.recipients(meeting, criteria)
    if not people:
        return None
    person = people[0]
    language, subject, body = render(meeting, person, texts, base_url, _attended([person]))
    uploads = _upload_ids(meeting, files)
    booklet_language = attachments.booklet_language(person, language)
    booklets = _booklets(meeting, files, [booklet_language])
    return mail.queue_written(
        user.email,
        f"[TEST] {subject}",
        body,
        language,
        kind=MAIL_KIND,
        meeting=meeting,
        attachment_ids=uploads + booklets.get(booklet_language, []),
    )


def _upload_ids(meeting, files) -> list[int]:
    """The organiser's files of a message that still exist."""
    return [a.id for a in attachments.uploads(meeting, attachments.upload_ids(files))]


def _booklets(meeting, files, languages) -> dict[str, list[int]]:
    """{language: [the booklet's MailAttachment id]} if the message carries it. A
    booklet WeasyPrint cannot draw is logged and left out: the message, written
    and due, still goes."""
    if not attachments.wants_booklet(files):
        return {}
    try:
        made = attachments.booklets(meeting, languages)
    except RenderError:
        log.exception("Programme booklet for a message of %s failed", meeting.slug)
        return {}
    return {language: [attachment_id] for language, attachment_id in made.items()}


def take(message_id: int, from_states=OPEN_STATES, due_before: datetime | None = None) -> bool:
    """Marks the message `sending` if nobody has: True for the one caller that did."""
    condition = [Message.id == message_id, Message.state.in_(from_states)]
    if due_before is not None:
        condition += [Message.state == MessageState.SCHEDULED, Message.send_at <= due_before]
    result = db.session.execute(
        sa.update(Message)
        .where(*condition)
        .values(state=MessageState.SENDING, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def start_sending(message: Message, base_url: str, user) -> bool:
    """Send now (the view): False if it was taken already (a double click)."""
    from meeting_app.messages import tasks

    message.base_url = base_url
    db.session.flush()
    if not take(message.id):
        return False
    audit.record(
        "message.sent", user=user, meeting=message.meeting, details=f"message {message.id}"
    )
    core_tasks.enqueue(tasks.send, message.id)
    return True


def cancel(message: Message) -> bool:
    result = db.session.execute(
        sa.update(Message)
        .where(Message.id == message.id, Message.state.in_(OPEN_STATES))
        .values(state=MessageState.CANCELLED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(message)
    return result.rowcount == 1


def deliver(message_id: int) -> int:
    """The task's work: a mail per recipient, and the recipients. Returns their number."""
    message = db.session.get(Message, message_id)
    if message is None or message.state is not MessageState.SENDING:
        return 0
    meeting = message.meeting
    criteria = filters.Criteria.from_dict(message.criteria)
    base = message.base_url or current_app.config.get("PUBLIC_URL") or "http://localhost"
    people = filters.recipients(meeting, criteria)
    attended = _attended(people)
    uploads = _upload_ids(meeting, message.attachments)
    mails, languages = [], []
    with current_app.test_request_context(base_url=base.rstrip("/")):
        for person in people:
            language, subject, body = render(
                meeting, person, message.texts, base.rstrip("/"), attended
            )
            languages.append(language)
            mails.append(
                dict(
                    recipient=person.email,
                    subject=subject,
                    body=body,
                    language=language,
                    participant_id=person.id,
                )
            )
        # The booklet in each person's language: one PDF per language, for everyone.
        wanted = [
            attachments.booklet_language(p, lang) for p, lang in zip(people, languages, strict=True)
        ]
        booklets = _booklets(meeting, message.attachments, wanted)
    if attachments.wants_booklet(message.attachments) and not booklets:
        # Not drawn (or the agenda withdrawn since): the log says what went.
        message.attachments = [
            a for a in message.attachments if a.get("kind") != attachments.BOOKLET
        ]
    for values, booklet_language in zip(mails, wanted, strict=True):
        values["attachment_ids"] = uploads + booklets.get(booklet_language, [])
    ids = mail.store_written(mails, kind=MAIL_KIND, meeting=meeting)
    if ids:
        db.session.execute(
            sa.insert(MessageRecipient.__table__),
            [
                {
                    "message_id": message.id,
                    "participant_id": p.id,
                    "language": lang,
                    "mail_id": mail_id,
                }
                for p, lang, mail_id in zip(people, languages, ids, strict=True)
            ],
        )
    message.state = MessageState.SENT
    message.sent_at = utcnow()
    message.recipient_count = len(people)
    return len(people)


def due_ids(now: datetime | None = None) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Message.id).where(
                Message.state == MessageState.SCHEDULED, Message.send_at <= (now or utcnow())
            )
        )
    )


def delivery_rows(message: Message):
    """(recipient, mail) for the log, sorted by name."""
    rows = db.session.execute(
        sa.select(MessageRecipient, OutgoingMail)
        .outerjoin(OutgoingMail, OutgoingMail.id == MessageRecipient.mail_id)
        .where(MessageRecipient.message_id == message.id)
        .options(sa.orm.joinedload(MessageRecipient.participant))
    ).all()
    from meeting_app.core.collation import sort_key

    key = sort_key()
    return sorted(
        rows, key=lambda r: (key(r[0].participant.family_name), key(r[0].participant.given_name))
    )
