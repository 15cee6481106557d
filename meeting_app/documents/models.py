from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from meeting_app.accounts.models import User


class BadgePrint(Base):
    """A badge printed for a participant: the first print, then every reprint."""

    __tablename__ = "badge_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    layout: Mapped[str] = mapped_column(sa.String(20))
    reprint: Mapped[bool] = mapped_column(default=False)

    by_user: Mapped[User | None] = relationship()


class BadgeRender(Base):
    """A participant's badge, rendered ahead of printing: one page at the badge's
    size, which sheets of badges are assembled from (see imposition.py).

    A cache, never the record of anything: `digest` sums up everything drawn on the
    badge (see badges._plan), and a badge whose digest has changed is drawn again."""

    __tablename__ = "badge_renders"
    __table_args__ = (sa.UniqueConstraint("participant_id", "format", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE")
    )
    format: Mapped[str] = mapped_column(sa.String(10))  # see badges.FORMATS
    language: Mapped[str] = mapped_column(sa.String(5))
    digest: Mapped[str] = mapped_column(sa.String(64))
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
