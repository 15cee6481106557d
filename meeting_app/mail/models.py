from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow

if TYPE_CHECKING:
    from meeting_app.meetings.models import Meeting
    from meeting_app.registration.models import Participant


class MailStatus(LabelledEnum):
    PENDING = "pending"  # stored, not yet handed to the SMTP server (or it failed: retried)
    SENT = "sent"
    KEPT = "kept"  # no mail server configured (development): shown in the back office outbox
    FAILED = "failed"  # refused for good, or too many tries: the reason in last_error


set_labels(
    MailStatus,
    {
        MailStatus.PENDING: _l("Waiting"),
        MailStatus.SENT: _l("Sent"),
        MailStatus.KEPT: _l("Kept (no mail server)"),
        MailStatus.FAILED: _l("Failed"),
    },
)


def message_id_domain(config) -> str:
    """The right-hand part of the Message-IDs: MAIL_MESSAGE_ID_DOMAIN, else the
    site's host name, else a name that is nobody's."""
    return (
        config.get("MAIL_MESSAGE_ID_DOMAIN")
        or urlsplit(config.get("PUBLIC_URL") or "").hostname
        or "meetings.invalid"
    )


def new_message_id() -> str:
    """A Message-ID such as <3f2c...@meetings.example.org>, unique to one mail."""
    domain = message_id_domain(current_app.config if has_app_context() else {})
    return f"<{uuid.uuid4().hex}@{domain}>"


class OutgoingMail(Base):
    """Every e-mail the app sends is stored first, then delivered: a mail server
    that is down delays an e-mail but never loses it, nor what caused it."""

    __tablename__ = "outgoing_mails"
    # The claim query: pending mails due now (mail/delivery.py `claim`).
    __table_args__ = (
        sa.Index("ix_outgoing_mails_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    # The same content as HTML (templates/email/_layout.html); "" for mails written
    # before there was one: they go out as text only.
    body_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The meeting's contact address when the mail was written; "" for none.
    reply_to: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    # An iCalendar part (an invitation or updated agenda entries) and its METHOD.
    calendar: Mapped[str] = mapped_column(sa.Text, default="")
    calendar_method: Mapped[str] = mapped_column(sa.String(20), default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    status: Mapped[MailStatus] = mapped_column(
        enum_column(MailStatus), default=MailStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Made with the row and sent with every try: a receiving server or mail client
    # that got it already drops the copy a retry might bring.
    message_id: Mapped[str] = mapped_column(sa.String(250), default=new_message_id)
    # When it may be tried next (a temporary failure backs off).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The worker sending it, until when: nobody else takes it meanwhile; a claim
    # left by a worker that died lapses and the mail is taken again.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(sa.String(40), default="")
    # Files sent with it (MailAttachment ids): one stored copy serves every mail of a
    # message, however many people it goes to.
    attachment_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list, server_default="[]")

    meeting: Mapped[Meeting | None] = relationship()
    participant: Mapped[Participant | None] = relationship()


class MailAttachment(Base):
    """A file sent with mails (an organiser's PDF, the programme booklet), stored
    once in the database so that every worker of every server finds it."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/pdf")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    # Deferred: lists of attachments never load the files.
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailText(Base):
    """A meeting's own wording of one automatic mail (mail/texts.py names them) in
    one language; without one, the shipped default is sent."""

    __tablename__ = "mail_texts"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "key", "language", name="uq_mail_texts_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(2))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(254), default="")
