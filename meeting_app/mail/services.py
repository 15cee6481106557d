"""E-mail: stored first, delivered by a task once the request's data is committed.

`queue()` renders a message in the recipient's language and stores it; once the
transaction commits, the `mail.deliver` task sends it (mail/delivery.py: claimed,
sent once, retried with back-off), never from within a web request. The
`mail.sweep` task (every minute) and `flask mail send-pending` send whatever is
still due. With no MAIL_SERVER configured (development), messages are kept in the
outbox that the back office shows.
"""

import re
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale, get_translations, gettext
from jinja2.utils import urlize
from markupsafe import Markup, escape

from meeting_app.core import tasks as core_tasks
from meeting_app.core.colour import contrast
from meeting_app.core.kept import PerMeeting
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
    values = mail_values(
        recipient, first_line.removeprefix("Subject:"), body, language, kind=kind, meeting=meeting
    )
    return store(
        values,
        meeting=meeting,
        participant=participant,
        calendar=calendar,
        calendar_method=calendar_method,
    )


def store(
    values: dict,
    *,
    meeting=None,
    participant=None,
    calendar: bytes | None = None,
    calendar_method: str = "",
) -> OutgoingMail | None:
    """Stores a written mail (`mail_values`) for delivery after the commit; within
    `bulk`, as a plain row (and returns None) unless the request delivers it itself."""
    values = {
        **values,
        "calendar": calendar.decode("utf-8") if calendar else "",
        "calendar_method": calendar_method,
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


def mail_values(
    recipient: str, subject: str, body: str, language: str, *, kind: str, meeting=None
) -> dict:
    """The stored values of a mail whose subject and plain text are written (by
    a template, or by an organiser): the subject on one line, the text, its HTML
    version, the meeting's contact address as Reply-To, a Message-ID."""
    subject = one_line(subject)
    body_text = body.strip() + "\n"
    return {
        "recipient": recipient,
        "subject": subject,
        "body_text": body_text,
        "body_html": html_version(subject, body_text, language, meeting),
        "reply_to": meeting.contact_email if meeting else "",
        "language": language,
        "kind": kind,
        "message_id": new_message_id(),
        # Development, no mail server: straight to the outbox, nothing to deliver.
        "status": MailStatus.PENDING if current_app.config["MAIL_SERVER"] else MailStatus.KEPT,
    }


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


def one_line(text: str) -> str:
    """A header's text on one line: line breaks (from a name or a title someone
    typed) would end the header, or start another."""
    return " ".join(text.split())


# The Content-ID of the logo in the mails that show it (delivery.py attaches it).
LOGO_CID = "logo@meeting"
# Links on white keep at least this contrast (WCAG AA for text).
MIN_LINK_CONTRAST = 4.5
FALLBACK_LINK_COLOUR = "#0b2e59"


def html_version(subject: str, body_text: str, language: str, meeting=None) -> str:
    """The HTML part of a mail: the plain text, escaped, in paragraphs (blank
    lines), lines (line breaks) and links, in the meeting's layout: its name,
    its logo (an image the text never needs) and its colour, in inline CSS (mail
    programs drop style sheets)."""
    from meeting_app.documents.badges import colours
    from meeting_app.meetings.services import localized_title

    accent = next(iter(colours(meeting).values())) if meeting else FALLBACK_LINK_COLOUR
    on_white = contrast(accent, "#ffffff")
    # The heading's text: black or white, whichever reads better on the accent.
    on_accent = "#ffffff" if on_white >= contrast(accent, "#000000") else "#000000"
    link_colour = accent if on_white >= MIN_LINK_CONTRAST else FALLBACK_LINK_COLOUR
    paragraphs = [
        html_lines(block, link_colour)
        for block in re.split(r"\n\s*\n", body_text.strip())
        if block.strip()
    ]
    if meeting is not None:
        name = localized_title(meeting, language)
    else:  # a staff account's mail
        with force_locale(language):
            name = gettext("Meeting manager")
    return render_template(
        "email/_layout.html",
        subject=subject,
        language=language,
        name=name,
        logo_cid=LOGO_CID if meeting is not None and has_logo(meeting) else "",
        accent=accent,
        on_accent=on_accent,
        paragraphs=paragraphs,
    )


# Whether each meeting has a logo, kept per process (core/kept.py). The logo is
# deferred (loaded by what shows it): reading it for each mail's layout was a query,
# and its bytes, for every registration. Setting it changes the meeting's updated_at.
_HAS_LOGO: PerMeeting[bool] = PerMeeting(256)


def has_logo(meeting) -> bool:
    """Whether `meeting` has a logo, without loading it when an earlier mail of
    this process already told (for the meeting as last changed)."""
    if "logo_png" not in sa.inspect(meeting).unloaded or meeting.id is None:
        return bool(meeting.logo_png)  # at hand, or being changed in this request
    return _HAS_LOGO.get(meeting, lambda: bool(meeting.logo_png))


# What every word Jinja's urlize makes a link contains: a scheme ("http://"), "www.",
# an "@" (e-mail addresses, "mailto:") or a dot before one of the top-level domains
# it links bare ("example.org"). A line with none of them is only escaped by urlize,
# which then costs a regular expression per word for nothing (the details of a form
# of 30 questions are 60 lines, most of them without any address).
_MAY_LINK = re.compile(r"://|www\.|@|\.(?:com|net|int|edu|gov|org|info|mil)", re.IGNORECASE)


def html_lines(text: str, link_colour: str) -> list[Markup]:
    """The lines of a paragraph, escaped, their web addresses made links. Jinja's
    urlize escapes everything it is given; the only tags are those it writes, which
    get the colour (inline: a style sheet would be dropped)."""
    link = Markup('<a style="color:%s;" href=') % link_colour
    found = []
    for line in text.strip().splitlines():
        line = line.strip()
        if _MAY_LINK.search(line) is None:
            found.append(escape(line))
        else:
            linked = urlize(line, rel="noopener").replace("<a href=", link)
            found.append(Markup(linked))  # noqa: S704 (escaped by urlize)
    return found


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


def queue_written(
    recipient: str,
    subject: str,
    body: str,
    language: str,
    *,
    kind: str,
    meeting=None,
    attachment_ids: list[int] | None = None,
) -> OutgoingMail:
    """Stores one mail whose subject and body are already written (an organiser's
    message, messages/services.py), with the files of `attachment_ids`
    (MailAttachment), delivered after the commit as `queue`'s are."""
    values = mail_values(recipient, subject, body, language, kind=kind, meeting=meeting)
    mail = OutgoingMail(meeting=meeting, attachment_ids=list(attachment_ids or ()), **values)
    db.session.add(mail)
    if mail.status is MailStatus.PENDING:
        deliver_after_commit(mail)
    return mail


def store_written(mails: list[dict], *, kind: str, meeting=None) -> list[int]:
    """Stores already-written mails ({recipient, subject, body, language,
    participant_id}, and optionally the MailAttachment ids of the files each
    carries, `attachment_ids`) as plain rows in one statement, as `bulk` does, and
    returns their ids in the same order; delivery tasks send them after the commit."""
    if not mails:
        return []
    from meeting_app.mail import tasks as mail_tasks

    rows = [
        {
            **mail_values(
                m["recipient"], m["subject"], m["body"], m["language"], kind=kind, meeting=meeting
            ),
            "meeting_id": meeting.id if meeting else None,
            "participant_id": m.get("participant_id"),
            "attachment_ids": list(m.get("attachment_ids") or ()),
        }
        for m in mails
    ]
    ids = db.session.scalars(
        sa.insert(OutgoingMail.__table__).returning(
            OutgoingMail.__table__.c.id, sort_by_parameter_order=True
        ),
        rows,
    ).all()
    # In tasks of PER_TASK mails, which every worker takes from the queue: one sweep
    # would leave a message of 5,000 to one worker, and stop at its time budget.
    due = [i for i, row in zip(ids, rows, strict=True) if row["status"] is MailStatus.PENDING]
    for start in range(0, len(due), PER_TASK):
        core_tasks.enqueue(mail_tasks.deliver, due[start : start + PER_TASK])
    return list(ids)


# The most of a person's mails their private page lists (newest first).
HISTORY_LIMIT = 100


def mails_of(participant_id: int, mail_id: int | None = None) -> list[OutgoingMail]:
    """The mails written to a participant (organisers' messages and automatic ones),
    newest first; with `mail_id`, that one only, if it is theirs."""
    query = sa.select(OutgoingMail).where(OutgoingMail.participant_id == participant_id)
    if mail_id is not None:
        query = query.where(OutgoingMail.id == mail_id)
    query = query.order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
    return list(db.session.scalars(query.limit(HISTORY_LIMIT)))
