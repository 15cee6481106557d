"""Delivery of the stored mails: claimed by one worker, sent once, retried with
back-off.

A worker first *claims* the mails it will send (`claim`): it writes its token and
a lease (MAIL_CLAIM_SECONDS) into the rows and commits, so that no other worker,
server or cron job takes them meanwhile (PostgreSQL: SELECT ... FOR UPDATE SKIP
LOCKED; SQLite: one conditional UPDATE, atomic). If it dies, the lease lapses and
the mails are taken again. It then sends them over one SMTP connection (`send`),
each with the Message-ID stored in its row, and commits each result at once: a
mail the server accepted is marked sent before the next one goes, so that a
database fail-over in the middle of a batch sends nothing twice.

Temporary failures (4xx, timeouts, refused or cut connections) are tried again
later, each time after twice as long; permanent ones (5xx for that message), or
MAX_ATTEMPTS temporary ones, mark the mail FAILED with the reason, shown in the
outbox with a button to try again. Nothing is deleted.
"""

import base64
import logging
import secrets
import smtplib
import time
from collections import Counter
from datetime import timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from email.utils import formatdate, parseaddr

import sqlalchemy as sa
from flask import current_app

from meeting_app.extensions import db
from meeting_app.mail import services
from meeting_app.mail.models import MailAttachment, MailStatus, OutgoingMail
from meeting_app.models import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# Back-off after the n-th failed try: FIRST_RETRY * 2**(n-1), at most LAST_RETRY.
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
# Mails per claim: one SMTP connection each.
BATCH = 100
# Writing a result again after the database cut the connection (a fail-over):
# the delays between tries, in seconds (about 6 s in all).
DATABASE_RETRIES = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)


def retry_delay(attempts: int) -> timedelta:
    """How long a mail waits after its `attempts`-th failed try."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LAST_RETRY)


def due_now(ids: list[int] | None = None):
    """Pending mails that may be tried now and that no worker holds."""
    now = utcnow()
    condition = sa.and_(
        OutgoingMail.status == MailStatus.PENDING,
        OutgoingMail.next_attempt_at <= now,
        sa.or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
    )
    return condition if ids is None else sa.and_(condition, OutgoingMail.id.in_(ids))


def claim(limit: int = BATCH, ids: list[int] | None = None) -> list[OutgoingMail]:
    """Takes up to `limit` due pending mails (of `ids`, if given) for this worker,
    oldest first, and commits the claim: no one else takes them until its lease
    lapses. Returns them; two claims never get the same mail."""
    token = secrets.token_hex(8)
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])

    def take():
        now = utcnow()
        # A try whose commit was cut may have claimed already: those are ours too.
        condition = sa.or_(due_now(ids), OutgoingMail.claimed_by == token)
        chosen = (
            sa.select(OutgoingMail.id)
            .where(condition, OutgoingMail.status == MailStatus.PENDING)
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
            .limit(limit)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            # Rows another worker is claiming right now are skipped, not waited for.
            chosen = db.session.execute(chosen.with_for_update(skip_locked=True)).scalars().all()
            if not chosen:
                db.session.rollback()
                return
            condition = OutgoingMail.id.in_(chosen)
        else:
            # SQLite: one UPDATE, under the database's write lock, that checks again
            # that each row is still free.
            condition = sa.and_(OutgoingMail.id.in_(chosen.scalar_subquery()), condition)
        db.session.execute(
            sa.update(OutgoingMail)
            .where(condition)
            .values(claimed_until=now + lease, claimed_by=token)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()

    _retrying(take)
    return (
        db.session.execute(
            sa.select(OutgoingMail)
            .where(OutgoingMail.claimed_by == token, OutgoingMail.status == MailStatus.PENDING)
            .order_by(OutgoingMail.id)
        )
        .scalars()
        .all()
    )


def send(mails: list[OutgoingMail]) -> Counter:
    """Sends claimed `mails` over one SMTP connection and records each result.
    Returns how many ended SENT, KEPT, FAILED, or PENDING (to be retried)."""
    outcome = Counter()
    if not mails:
        return outcome
    config = current_app.config
    if not config["MAIL_SERVER"]:  # development: kept in the outbox
        for mail in mails:
            outcome[MailStatus.KEPT] += _record(mail.id, status=MailStatus.KEPT, **RELEASED)
        return outcome
    # Everything needed, read now: the rows expire at each commit below, and the
    # database may be away for a moment while the mail server is not. A file that
    # goes with many of them (a message's PDF) is read and encoded once.
    files = attachment_parts([i for mail in mails for i in mail.attachment_ids or ()])
    batch = [(mail.id, mail.attempts, mail.recipient, _written(mail, files)) for mail in mails]
    settled: set[int] = set()

    def failed(mail_id, attempts, error, permanent):
        settled.add(mail_id)
        outcome[_failed(mail_id, attempts, error, permanent=permanent)] += 1

    smtp = None
    try:
        smtp = smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
        )
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for mail_id, attempts, recipient, written in batch:
            if isinstance(written, Exception):  # cannot be written: no use retrying
                failed(mail_id, attempts, written, permanent=True)
                continue
            try:
                smtp.send_message(written)
            except smtplib.SMTPRecipientsRefused as error:
                code = error.recipients.get(recipient, next(iter(error.recipients.values())))[0]
                failed(mail_id, attempts, error, permanent=_permanent(code))
                continue
            except smtplib.SMTPServerDisconnected:
                raise  # the connection is gone: this mail and the rest, below
            except smtplib.SMTPResponseException as error:  # the reply says for how long
                failed(mail_id, attempts, error, permanent=_permanent(error.smtp_code))
                continue
            settled.add(mail_id)
            sent = {"status": MailStatus.SENT, "sent_at": utcnow(), "last_error": ""}
            if not _record(mail_id, attempts=attempts + 1, **sent, **RELEASED):
                # Accepted, but the database is away: stop before sending more. The
                # others wait for their lease to lapse; this one may go again, with
                # the same Message-ID, so that the recipient's server drops the copy.
                log.error("could not record mail %s as sent; batch stopped", mail_id)
                outcome[MailStatus.PENDING] += len(batch) - len(settled) + 1
                return outcome
            outcome[MailStatus.SENT] += 1
    except (OSError, smtplib.SMTPException) as error:  # refused, timed out, cut
        log.warning("Mail server unavailable: %s", _reason(error))
        for mail_id, attempts, _, _ in batch:
            if mail_id not in settled:
                failed(mail_id, attempts, error, permanent=False)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return outcome


# A mail no worker holds any more.
RELEASED = {"claimed_until": None, "claimed_by": ""}


def _permanent(code: int) -> bool:
    """5xx: the server will not take this message, ever; 4xx (or anything else
    odd): it may later."""
    return 500 <= code < 600


def _reason(error: BaseException) -> str:
    # smtplib reports a timed-out read as "Connection unexpectedly closed".
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return f"timed out (no answer within {current_app.config['MAIL_TIMEOUT']:g} s)"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
            for code, text in error.recipients.values()
        )
    return str(error) or error.__class__.__name__


def _failed(mail_id: int, attempts: int, error: BaseException, *, permanent: bool) -> MailStatus:
    """Records a failed try: FAILED for good, or PENDING again after a back-off."""
    attempts += 1
    status = MailStatus.FAILED if permanent or attempts >= MAX_ATTEMPTS else MailStatus.PENDING
    values = {"status": status, "attempts": attempts, "last_error": _reason(error)[:500]}
    if status is MailStatus.PENDING:
        values["next_attempt_at"] = utcnow() + retry_delay(attempts)
    _record(mail_id, **values, **RELEASED)
    return status


def _record(mail_id: int, **values) -> bool:
    """Writes a mail's result and commits at once, trying again on a fresh
    connection if the database cut it. The values are absolute (no `+ 1` in SQL):
    writing them twice, after a commit whose answer was lost, changes nothing."""

    def write():
        db.session.execute(
            sa.update(OutgoingMail)
            .where(OutgoingMail.id == mail_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()

    try:
        _retrying(write)
    except sa.exc.DBAPIError:
        log.exception("could not record the result of mail %s", mail_id)
        return False
    return True


def _retrying(work):
    """Runs `work()` (which commits), again after a rollback when the database
    connection was lost, up to len(DATABASE_RETRIES) more times."""
    for delay in (*DATABASE_RETRIES, None):
        try:
            return work()
        except sa.exc.DBAPIError as error:
            db.session.rollback()
            if delay is None or not (error.connection_invalidated or _connection_error(error)):
                raise
            log.warning("database connection lost (%s); trying again", error.orig)
            time.sleep(delay)


def _connection_error(error: sa.exc.DBAPIError) -> bool:
    # psycopg reports a terminated backend as OperationalError; SQLite's "database
    # is locked" is one too, and is worth waiting for as well.
    return isinstance(error, sa.exc.OperationalError)


def _written(mail: OutgoingMail, files: dict[int, MIMEPart]) -> EmailMessage | Exception:
    try:
        return message(mail, files)
    except (ValueError, TypeError) as error:  # a header that cannot be written
        return error


def attachment_parts(ids) -> dict[int, MIMEPart]:
    """{MailAttachment id: its MIME part}, each file read and encoded once. The
    same part object goes into every mail of a batch that carries it: 5,000 mails
    of one message hold one copy of its PDF, not 5,000 (writing a mail out only
    reads its parts)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            MailAttachment.id,
            MailAttachment.filename,
            MailAttachment.content_type,
            MailAttachment.content,
        ).where(MailAttachment.id.in_(ids))
    ).all()
    parts = {}
    for row in rows:
        maintype, _, subtype = (row.content_type or "application/octet-stream").partition("/")
        part = MIMEPart(policy=POLICY)
        part.set_content(
            row.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            disposition="attachment",
            filename=row.filename,
        )
        parts[row.id] = part
    return parts


def message(mail: OutgoingMail, files: dict[int, MIMEPart] | None = None) -> EmailMessage:
    """The e-mail of a row, with the row's Message-ID (the same at every try):
    the text, then its HTML version (with the logo it shows), then an invitation's
    calendar, as alternatives of one another; then the files it carries
    (`files`: attachment_parts of the batch, read here if not given)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender(mail)
    message["To"] = mail.recipient
    if reply_to := _address(mail.reply_to):
        message["Reply-To"] = reply_to
    # Mails written before subjects were made one line, or stored by other code.
    message["Subject"] = services.one_line(mail.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
        logo = mail.meeting.logo_png if mail.meeting else None
        if logo and f"cid:{services.LOGO_CID}" in mail.body_html:
            html = message.get_payload()[-1]
            html.add_related(logo, "image", "png", cid=f"<{services.LOGO_CID}>")
    if mail.calendar:
        # Outlook and others show an invitation when the text/calendar part's method=
        # matches the METHOD inside it.
        message.add_alternative(
            mail.calendar, subtype="calendar", params={"method": mail.calendar_method}
        )
    if mail.attachment_ids:
        if files is None:
            files = attachment_parts(mail.attachment_ids)
        missing = [i for i in mail.attachment_ids if i not in files]
        if missing:  # deleted since: sending the mail without it would mislead
            raise ValueError(f"attached file {missing[0]} no longer exists")
        message.make_mixed()
        for attachment_id in mail.attachment_ids:
            message.attach(files[attachment_id])
    # Last: set_content resets the Content-* headers, make_mixed moves them inward.
    message["Content-Language"] = mail.language
    return message


def sender(mail: OutgoingMail) -> str:
    """MAIL_DEFAULT_SENDER's address, under the meeting's name in the mail's
    language."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    if mail.meeting is None:
        return configured
    from meeting_app.meetings.services import localized_title

    address = Address(addr_spec=parseaddr(configured)[1]).addr_spec
    return named_address(localized_title(mail.meeting, mail.language), address)


class Folded(str):
    """A header value written and folded here, sent as it is (`POLICY`)."""


class _Policy(EmailPolicy):
    """Python's default policy, except that a `Folded` header is kept as it is:
    Python 3.11 refolds a long display name and drops its quotes, so that a
    meeting called "Meeting of ministers, Rabat ..." becomes two addresses, or
    one taken from the name."""

    def header_store_parse(self, name, value):
        if isinstance(value, Folded):
            return (name, value)
        return super().header_store_parse(name, value)


POLICY = _Policy(refold_source="none")
# RFC 5322's line length, which the folding below keeps to where it can.
LINE = 78
# Bytes of a name per encoded word: 60 characters with "=?utf-8?b?...?=", within
# RFC 2047's 75, and within LINE after "From: ".
WORD_BYTES = 36


def named_address(name: str, address: str) -> Folded:
    """`"name" <address>` for the From header: quotes, commas, brackets and @ are
    letters of a quoted or encoded name, and line breaks and other controls are
    gone, so that a name can add neither a header nor an address. Folded between
    words only: a line break within a quoted name stays a space."""
    name = "".join(c for c in services.one_line(name) if c.isprintable())
    if name.isascii():
        pieces = ('"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"').split(" ")
    else:
        pieces = _encoded_words(name)
    folded, width = "", len("From: ")
    for piece in [*pieces, f"<{address}>"]:
        if folded and width + 1 + len(piece) > LINE:
            folded, width = folded + "\n ", 1
        elif folded:
            folded, width = folded + " ", width + 1
        folded, width = folded + piece, width + len(piece)
    return Folded(folded)


def _encoded_words(text: str) -> list[str]:
    """`text` in RFC 2047 encoded words of at most WORD_BYTES bytes, each ending
    after a space where it can (the space inside the word: the space between two
    encoded words is not part of the text), never within a character."""
    raw, words, start = text.encode("utf-8"), [], 0
    while start < len(raw):
        end = min(len(raw), start + WORD_BYTES)
        if end < len(raw):
            space = raw.rfind(b" ", start, end)
            if space > start:
                end = space + 1
            else:
                while raw[end] & 0xC0 == 0x80:
                    end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(raw[start:end]).decode('ascii')}?=")
        start = end
    return words


def _address(text: str) -> Address | None:
    """An address typed into the meeting's settings, or None if it is none."""
    if not text or text != services.one_line(text):
        return None
    try:
        return Address(addr_spec=text)
    except (ValueError, IndexError, HeaderParseError):
        log.warning("not an address for Reply-To: %r", text)
        return None


def deliver(ids: list[int]) -> Counter:
    """Sends those of `ids` that are due and that no one else holds."""
    return send(claim(len(ids), ids=ids)) if ids else Counter()


def deliver_pending(budget: float | None = None) -> Counter:
    """Claims and sends due pending mails, batch after batch, until none is left or
    `budget` seconds have passed. Returns the counts, with PENDING = the mails
    still waiting (for a later try, or held by another worker)."""
    outcome = Counter()
    deadline = None if budget is None else time.monotonic() + budget
    while deadline is None or time.monotonic() < deadline:
        mails = claim(BATCH)
        if not mails:
            break
        done = send(mails)
        done.pop(MailStatus.PENDING, None)
        outcome.update(done)
    outcome[MailStatus.PENDING] = db.session.scalar(
        sa.select(sa.func.count(OutgoingMail.id)).where(OutgoingMail.status == MailStatus.PENDING)
    )
    db.session.commit()
    return outcome


def retry(mail: OutgoingMail) -> None:
    """A failed mail tried again from scratch, by a task once the transaction
    commits (the organiser's button)."""
    mail.status, mail.attempts, mail.next_attempt_at = MailStatus.PENDING, 0, utcnow()
    mail.claimed_until, mail.claimed_by = None, ""
    services.deliver_after_commit(mail)


def make_due(query_filter) -> int:
    """Pending mails matching `query_filter` may be tried now (the outbox's
    "send now" button), back-off or not; returns how many are waiting."""
    result = db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.status == MailStatus.PENDING, query_filter)
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
