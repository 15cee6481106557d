"""E-mail: stored first, delivered by a task once the request's data is committed.

`queue()` renders a message in the recipient's language and stores it; once the
transaction commits, the `mail.deliver` task sends it (mail/delivery.py: claimed,
sent once, retried with back-off), never from within a web request. The
`mail.sweep` task (every minute) and `flask mail send-pending` send whatever is
still due. With no MAIL_SERVER configured (development), messages are kept in the
outbox that the back office shows.
"""

from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale, get_translations

from meeting_app.core import tasks as core_tasks
from meeting_app.extensions import db
from meeting_app.mail.models import MailStatus, OutgoingMail, new_message_id


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
        "message_id": new_message_id(),
        # Development, no mail server: straight to the outbox, nothing to deliver.
        "status": MailStatus.PENDING if current_app.config["MAIL_SERVER"] else MailStatus.KEPT,
    }
    rows = g.get("bulk_mails")
    if rows is not None and not (
        values["status"] is MailStatus.PENDING and g.get("bulk_objects", 0) < DELIVER_IN_REQUEST
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
        if rows is not None:
            g.bulk_objects = g.get("bulk_objects", 0) + 1
        deliver_after_commit(mail)
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
            from meeting_app.mail import tasks as mail_tasks

            db.session.execute(sa.insert(OutgoingMail.__table__), g.bulk_mails)
            core_tasks.enqueue(mail_tasks.sweep)
    finally:
        g.pop("bulk_mails", None)
        g.pop("bulk_objects", None)


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
    if mail in db.session.new:
        db.session.expunge(mail)
    else:
        db.session.delete(mail)


# The most mails a request writes as objects, each sent by a task after the commit;
# the others (an import of thousands, a bulk decision) are stored as plain rows,
# sent by the sweep that `bulk` starts.
DELIVER_IN_REQUEST = 200
# Mails per delivery task: one SMTP connection each.
PER_TASK = 100


def deliver_after_commit(mail: OutgoingMail) -> None:
    """`mail` goes to a delivery task once this transaction commits, with the
    others of the transaction."""
    core_tasks.collect("mails", mail, _send_after_commit)


def _send_after_commit(mails: list[OutgoingMail]) -> None:
    """After the commit: the ids of this transaction's mails to the delivery task
    (mails of work rolled back were never stored, and are not sent)."""
    from meeting_app.mail import tasks as mail_tasks

    ids = [sa.inspect(m).identity[0] for m in mails if sa.inspect(m).persistent]
    for start in range(0, len(ids), PER_TASK):
        core_tasks.send(mail_tasks.deliver, ids[start : start + PER_TASK])
