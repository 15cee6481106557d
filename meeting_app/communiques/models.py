from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, TranslatedText, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from meeting_app.meetings.models import Meeting


class CommuniqueStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Communique(Base):
    """The press release a programme publishes after a meeting."""

    __tablename__ = "communiques"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    default_language: Mapped[str] = mapped_column(sa.String(2), default="en")
    title: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    summary: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    # Plain text, paragraphs separated by blank lines: never rendered as HTML.
    body: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    # Sustainable Development Goal numbers (1..17) the communiqué is tagged with.
    sdgs: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    status: Mapped[CommuniqueStatus] = mapped_column(
        enum_column(CommuniqueStatus), default=CommuniqueStatus.DRAFT, index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting | None] = relationship()
