"""Communiqués: the press release a programme publishes after a meeting.

One `Communique` holds what its language versions share (meeting, slug, goals,
status, the version counter); each `CommuniqueText` is one language's own text,
written in Markdown, with the copy frozen when it was last published. Every save
is kept as a `CommuniqueRevision`; slugs given up after a change are kept as
`CommuniqueOldSlug` so that old links keep working.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import (
    Base,
    LabelledEnum,
    UTCDateTime,
    enum_column,
    set_labels,
    utcnow,
)

if TYPE_CHECKING:
    from meeting_app.accounts.models import User
    from meeting_app.meetings.models import Meeting


class CommuniqueStatus(LabelledEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    # Public from `publish_at` on: a scheduled communiqué is checked when it is read,
    # so that no background job is needed to make it appear.
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


set_labels(
    CommuniqueStatus,
    {
        CommuniqueStatus.DRAFT: _l("Draft"),
        CommuniqueStatus.IN_REVIEW: _l("In review"),
        CommuniqueStatus.SCHEDULED: _l("Scheduled"),
        CommuniqueStatus.PUBLISHED: _l("Published"),
    },
)

PUBLIC_STATUSES = (CommuniqueStatus.PUBLISHED, CommuniqueStatus.SCHEDULED)


class Communique(Base):
    """What the language versions of one communiqué share."""

    __tablename__ = "communiques"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    default_language: Mapped[str] = mapped_column(sa.String(2), default="en")
    status: Mapped[CommuniqueStatus] = mapped_column(
        enum_column(CommuniqueStatus), default=CommuniqueStatus.DRAFT, index=True
    )
    # When it is (or was, or will be) public: published or scheduled communiqués are
    # shown once this time has come.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Set once: after the first publication the slug is part of printed and shared links.
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised by every change; a save names the version it started from, so that two
    # organisers editing at once cannot overwrite each other unknowingly.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    review_requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting | None] = relationship()
    review_requested_by: Mapped[User | None] = relationship()
    texts: Mapped[list[CommuniqueText]] = relationship(
        back_populates="communique",
        cascade="all, delete-orphan",
        order_by="CommuniqueText.language",
    )
    revisions: Mapped[list[CommuniqueRevision]] = relationship(
        back_populates="communique",
        cascade="all, delete-orphan",
        order_by="CommuniqueRevision.number.desc()",
    )
    old_slugs: Mapped[list[CommuniqueOldSlug]] = relationship(
        back_populates="communique", cascade="all, delete-orphan"
    )
    goals: Mapped[list[CommuniqueGoal]] = relationship(
        back_populates="communique", cascade="all, delete-orphan", order_by="CommuniqueGoal.goal"
    )

    @property
    def sdgs(self) -> list[int]:
        """The Sustainable Development Goals (1..17) it is tagged with, in order."""
        return sorted(g.goal for g in self.goals)

    @sdgs.setter
    def sdgs(self, numbers) -> None:
        # Changed in place: removing and re-adding a goal would insert a row whose key
        # is still being deleted.
        wanted = set(numbers)
        for row in [g for g in self.goals if g.goal not in wanted]:
            self.goals.remove(row)
        have = {g.goal for g in self.goals}
        for number in sorted(wanted - have):
            self.goals.append(CommuniqueGoal(goal=number))

    def text(self, language: str) -> CommuniqueText | None:
        return next((t for t in self.texts if t.language == language), None)

    @property
    def published_texts(self) -> list[CommuniqueText]:
        return [t for t in self.texts if t.published_body is not None]

    @property
    def dated(self) -> datetime | None:
        """The date the public sees: the first publication (a correction published
        again later does not re-date the press release)."""
        return self.first_published_at or self.published_at

    @property
    def corrected(self) -> datetime | None:
        """When it was last published again, if on a later day than the first time."""
        if self.dated and self.published_at and self.published_at.date() > self.dated.date():
            return self.published_at
        return None

    def is_public(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.status in PUBLIC_STATUSES
            and self.published_at is not None
            and self.published_at <= now
        )

    def __repr__(self) -> str:
        return f"<Communique {self.slug}>"


class CommuniqueGoal(Base):
    """A Sustainable Development Goal a communiqué serves (a row, so that the public
    list can be filtered by goal in SQL on any database)."""

    __tablename__ = "communique_goals"

    communique_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communiques.id", ondelete="CASCADE"), primary_key=True
    )
    goal: Mapped[int] = mapped_column(primary_key=True, index=True)

    __table_args__ = (sa.CheckConstraint("goal BETWEEN 1 AND 17", name="goal_number"),)

    communique: Mapped[Communique] = relationship(back_populates="goals")


class CommuniqueText(Base):
    """One language version: its own title, lead and Markdown body (the working copy),
    and the copy frozen at the last publication, with the placeholders filled in."""

    __tablename__ = "communique_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    communique_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communiques.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(2))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    published_title: Mapped[str | None] = mapped_column(sa.String(1000))
    published_summary: Mapped[str | None] = mapped_column(sa.Text)
    # Markdown with the placeholders filled; turned into sanitised HTML when shown, so
    # that a stricter sanitiser also applies to what was published before it.
    published_body: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("communique_id", "language", name="uq_communique_texts_language"),
    )

    communique: Mapped[Communique] = relationship(back_populates="texts")


class CommuniqueRevision(Base):
    """A saved state of the whole communiqué: who, when, what they did, and every
    language's text as it then was (compared with difflib on the versions page)."""

    __tablename__ = "communique_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    communique_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communiques.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(32))
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {"slug": ..., "sdgs": [...], "status": ..., "texts": {"fr": {"title", "summary", "body"}}}
    snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (
        sa.UniqueConstraint("communique_id", "number", name="uq_communique_revisions_number"),
    )

    communique: Mapped[Communique] = relationship(back_populates="revisions")
    by_user: Mapped[User | None] = relationship()


class CommuniqueOldSlug(Base):
    """A slug the communiqué had before: its links redirect to the current one."""

    __tablename__ = "communique_old_slugs"

    slug: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    communique_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communiques.id", ondelete="CASCADE"), index=True
    )

    communique: Mapped[Communique] = relationship(back_populates="old_slugs")
