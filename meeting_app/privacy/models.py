from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from meeting_app.accounts.models import User
    from meeting_app.meetings.models import Meeting
    from meeting_app.registration.models import Participant


class AuditEntry(Base):
    """One staff action on personal data: who, when, what, on whom.

    `details` never holds the personal values themselves (field names, counts,
    formats, statuses only), so that the log can be shown and kept longer than
    the data it is about."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None for the command line (or a participant acting through their link).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as written, so that the entry still says who once the account is gone.
    actor: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    details: Mapped[str] = mapped_column(sa.String(500), default="")

    user: Mapped[User | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    participant: Mapped[Participant | None] = relationship()
