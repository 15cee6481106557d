from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow

if TYPE_CHECKING:
    from meeting_app.accounts.models import User
    from meeting_app.mail.models import OutgoingMail
    from meeting_app.meetings.models import Meeting
    from meeting_app.registration.models import Participant


class MessageState(LabelledEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"  # taken by one sender (a request or the scheduler): nobody else
    SENT = "sent"
    CANCELLED = "cancelled"


set_labels(
    MessageState,
    {
        MessageState.DRAFT: _l("Draft"),
        MessageState.SCHEDULED: _l("Scheduled"),
        MessageState.SENDING: _l("Sending"),
        MessageState.SENT: _l("Sent"),
        MessageState.CANCELLED: _l("Cancelled"),
    },
)

# The states from which a message may still be changed, cancelled or sent.
OPEN_STATES = (MessageState.DRAFT, MessageState.SCHEDULED)


class Message(Base):
    """A message to the participants a filter picks, in each of the meeting's
    languages; the filter is kept as it was written, so the log shows it."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as written: the author's account may go, the log still says who wrote it.
    author_email: Mapped[str] = mapped_column(sa.String(254), default="")
    # filters.Criteria as a dict (messages/filters.py).
    criteria: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # {language: {"subject": ..., "body": ...}}; the meeting's default one is required.
    texts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[MessageState] = mapped_column(
        enum_column(MessageState), default=MessageState.DRAFT, index=True
    )
    # When a scheduled message goes (UTC; typed in the meeting's local time).
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The site's address the links in the mails are built from (as when sent).
    base_url: Mapped[str] = mapped_column(sa.String(300), default="")
    recipient_count: Mapped[int] = mapped_column(default=0)
    # What goes with it: [{"kind": "booklet"}] and/or [{"kind": "upload", "id": <MailAttachment>}].
    attachments: Mapped[list[dict]] = mapped_column(sa.JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship()
    author: Mapped[User | None] = relationship()
    recipients: Mapped[list[MessageRecipient]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True
    )

    def text(self, language: str) -> dict:
        return (self.texts or {}).get(language) or {"subject": "", "body": ""}


class MessageRecipient(Base):
    """One person a message went to, in which language, and the mail that took it."""

    __tablename__ = "message_recipients"
    __table_args__ = (
        sa.UniqueConstraint("message_id", "participant_id", name="uq_message_recipients_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(2))
    mail_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outgoing_mails.id", ondelete="SET NULL"), index=True
    )

    message: Mapped[Message] = relationship(back_populates="recipients")
    participant: Mapped[Participant] = relationship()
    mail: Mapped[OutgoingMail | None] = relationship()


class SentReminder(Base):
    """That one automatic reminder went to one person: the unique key makes the
    scheduler send it once, however often it runs and on however many servers."""

    __tablename__ = "sent_reminders"
    __table_args__ = (
        sa.UniqueConstraint("participant_id", "kind", name="uq_sent_reminders_person_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE")
    )
    # "before:7", "before:1", "visa", "certificate".
    kind: Mapped[str] = mapped_column(sa.String(40))
    mail_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outgoing_mails.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
