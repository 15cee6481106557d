"""E-mail: stored first, delivered after the request's data is committed.

`queue()` renders a message in the recipient's language and stores it;
`deliver_queued()` (after the commit) hands this request's messages to the SMTP
server; `deliver_pending()` (the `flask mail send-pending` command and the
back office) retries whatever is still waiting. With no MAIL_SERVER configured
(development), messages are kept in the outbox that the back office shows.
"""

import smtplib
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale, get_translations

from meeting_app.extensions import db
from meeting_app.mail.models import MailStatus, OutgoingMail
from meeting_app.models import utcnow

MAX_ATTEMPTS = 10


def queue(
    recipient: str,
    template: str,
    language: str,
    *,
    kind: str,
    meeting=None,
    participant=None,
    calendar: bytes | None = None,
    calendar_method: str = "",
    **context,
) -> OutgoingMail | None:
    """Renders `templates/email/<template>.txt` (first line 'Subject: ...') in
    `language` and stores it for delivery (see `bulk` for when it returns None)."""
    with force_locale(language):
        rendered = render_template(
            f"email/{template}.txt",
            meeting=meeting,
            participant=participant,
            language=language,
            **_bound_gettext(get_translations()),
            **context,
        )
    first_line, _, body = rendered.lstrip().partition("\n")
    values = {
        "recipient": recipient,
        "subject": first_line.removeprefix("Subject:").strip(),
        "body_text": body.strip() + "\n",
        "language": language,
        "kind": kind,
        "calendar": calendar.decode("utf-8") if calendar else "",
        "calendar_method": calendar_method,
        # Development, no mail server: straight to the outbox, nothing to deliver.
        "status": MailStatus.PENDING if current_app.config["MAIL_SERVER"] else MailStatus.KEPT,
    }
    rows = g.get("bulk_mails")
    if rows is not None and not (
        values["status"] is MailStatus.PENDING
        and len(g.get("queued_mails", [])) < DELIVER_IN_REQUEST
    ):
        rows.append(
            {
                **values,
                "meeting_id": meeting.id if meeting else None,
                "participant_id": participant.id if participant else None,
            }
        )
        return None
    mail = OutgoingMail(meeting=meeting, participant=participant, **values)
    db.session.add(mail)
    if mail.status is MailStatus.PENDING:
        g.setdefault("queued_mails", []).append(mail)
    return mail


@contextmanager
def bulk():
    """Within it, `queue` keeps the mails that this request will not deliver itself
    as plain rows (it returns None for them), stored at the end with one statement:
    thousands of mails (an import's confirmations) as objects take seconds to store.
    The participants they name must have their ids already (flushed)."""
    g.bulk_mails = []
    try:
        yield
        if g.bulk_mails:
            db.session.execute(sa.insert(OutgoingMail.__table__), g.bulk_mails)
    finally:
        g.pop("bulk_mails", None)


def _bound_gettext(translations) -> dict:
    """The templates' gettext and ngettext, bound to the mail's language once:
    Flask-Babel's look the language up again at every call, a third of the time
    a mail takes to write (and an import of 5,000 people writes 5,000 mails).
    Same behaviour as Jinja's "newstyle" ones for text (not HTML) templates."""

    def gettext(string, **variables):
        return translations.ugettext(string) % variables

    def ngettext(singular, plural, num, **variables):
        variables.setdefault("num", num)
        return translations.ungettext(singular, plural, num) % variables

    # `_` too: Jinja's own `_` looks `gettext` up in the context at every call.
    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def discard(mail: OutgoingMail) -> None:
    """Withdraws a mail queued in this request (its content turned out wrong)."""
    queued = g.get("queued_mails", [])
    if mail in queued:
        queued.remove(mail)
    if mail in db.session.new:
        db.session.expunge(mail)
    else:
        db.session.delete(mail)


def commit_and_send() -> bool:
    """The one commit of a request that may have queued mail: stores its changes,
    then delivers its mails. False when the mail server could not take them now
    (they stay queued and are retried)."""
    db.session.commit()
    return deliver_queued()


# The most mails a request hands to the mail server itself. The others (an import of
# thousands, a bulk decision) stay pending for `mail send-pending`, run every few
# minutes: a request that a timeout can kill never talks SMTP for long.
DELIVER_IN_REQUEST = 200


def deliver_queued() -> bool:
    """Delivers the mails queued in this request (call after the commit), the first
    DELIVER_IN_REQUEST of them. Returns False when some could not be sent now
    (they stay pending); those left for `mail send-pending` are not a failure."""
    # Mails queued by work that was rolled back were never stored: they are not sent.
    mails = [m for m in g.pop("queued_mails", []) if sa.inspect(m).persistent]
    if not mails:
        return True
    # Read again in one query (the commit expired them), not in one query each.
    ids = [sa.inspect(m).identity[0] for m in mails[:DELIVER_IN_REQUEST]]
    mails = (
        db.session.execute(
            sa.select(OutgoingMail).where(OutgoingMail.id.in_(ids)).order_by(OutgoingMail.id)
        )
        .scalars()
        .all()
    )
    delivered = deliver(mails)
    db.session.commit()
    return delivered == len(mails)


def deliver_pending(limit: int = 200) -> tuple[int, int]:
    """Retries pending mails, oldest first; returns (sent or kept, still pending)."""
    mails = (
        db.session.execute(
            db.select(OutgoingMail)
            .filter(OutgoingMail.status == MailStatus.PENDING, OutgoingMail.attempts < MAX_ATTEMPTS)
            .order_by(OutgoingMail.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    done = deliver(mails)
    db.session.commit()
    return done, len(mails) - done


def deliver(mails: list[OutgoingMail]) -> int:
    """Hands pending `mails` to the SMTP server over one connection; marks each
    sent, or counts the failed attempt. Returns how many left the pending state."""
    pending = [m for m in mails if m.status is MailStatus.PENDING]
    if not pending:
        return 0
    config = current_app.config
    if not config["MAIL_SERVER"]:
        for mail in pending:
            mail.status = MailStatus.KEPT
        return len(pending)
    for mail in pending:
        mail.attempts += 1
    done = 0
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for mail in pending:
                try:
                    smtp.send_message(_message(mail))
                except smtplib.SMTPException as error:  # this recipient refused: go on
                    mail.last_error = str(error)[:500]
                    continue
                mail.status, mail.sent_at, mail.last_error = MailStatus.SENT, utcnow(), ""
                done += 1
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("Mail server unavailable: %s", error)
        for mail in pending:
            if mail.status is MailStatus.PENDING:
                mail.last_error = (str(error) or error.__class__.__name__)[:500]
    return done


def _message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="meetings.invalid")
    message.set_content(mail.body_text)
    if mail.calendar:
        # Outlook and others show an invitation when the text/calendar part's method=
        # matches the METHOD inside it.
        message.add_alternative(
            mail.calendar, subtype="calendar", params={"method": mail.calendar_method}
        )
    message["Content-Language"] = mail.language  # after set_content, which resets Content-*
    return message
