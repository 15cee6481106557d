from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from meeting_app.core.tokens import SELECTOR_LENGTH, new_token, selector_of
from meeting_app.models import Base, UTCDateTime, enum_column, utcnow
from meeting_app.registration.models import Category

if TYPE_CHECKING:
    from meeting_app.meetings.models import Country, Meeting
    from meeting_app.registration.models import Participant


class Delegation(Base):
    """A country's delegation to one meeting."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"))
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    # use_alter: participants point at their delegation and a delegation at its head.
    head_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", use_alter=True, ondelete="SET NULL")
    )
    size_limit: Mapped[int | None]
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    # The head of delegation's read-only link /d/<token>.
    view_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    view_token_selector: Mapped[str] = mapped_column(sa.String(SELECTOR_LENGTH), unique=True)

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "country_code", name="uq_delegations_meeting_country"),
        sa.CheckConstraint("size_limit IS NULL OR size_limit > 0", name="size_limit_positive"),
    )

    def __init__(self, **values):
        values.setdefault("view_token", new_token())
        super().__init__(**values)

    @validates("view_token")
    def _set_selector(self, _key, token: str) -> str:
        self.view_token_selector = selector_of(token)
        return token

    meeting: Mapped[Meeting] = relationship(back_populates="delegations")
    country: Mapped[Country] = relationship()
    head: Mapped[Participant | None] = relationship(foreign_keys=[head_id], post_update=True)
    members: Mapped[list[Participant]] = relationship(
        back_populates="delegation", foreign_keys="Participant.delegation_id"
    )
    focal_points: Mapped[list[FocalPoint]] = relationship(
        back_populates="delegation", cascade="all, delete-orphan", order_by="FocalPoint.id"
    )
    quotas: Mapped[list[DelegationQuota]] = relationship(
        back_populates="delegation", cascade="all, delete-orphan", order_by="DelegationQuota.id"
    )
    credentials: Mapped[list[Credential]] = relationship(
        back_populates="delegation",
        cascade="all, delete-orphan",
        order_by="Credential.id.desc()",
    )

    @property
    def credential(self) -> Credential | None:
        """The credentials letter in force (the latest; those it replaced are kept)."""
        return next((c for c in self.credentials if c.superseded_at is None), None)


class FocalPoint(Base):
    """Someone a government names to accredit its delegation (a mission or a
    ministry's officer, who need not attend): nominates, replaces, names the head
    and sends the credentials letter through a private link /d/<token>."""

    __tablename__ = "focal_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # The languages they read, best first: their mails go in the first the meeting has.
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_selector: Mapped[str] = mapped_column(sa.String(SELECTOR_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    link_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A revoked focal point's link answers 404; their nominations stay theirs.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("delegation_id", "email", name="uq_focal_points_delegation_email"),
    )

    delegation: Mapped[Delegation] = relationship(back_populates="focal_points")

    def __init__(self, **values):
        values.setdefault("token", new_token())
        super().__init__(**values)

    @validates("token")
    def _set_selector(self, _key, token: str) -> str:
        self.token_selector = selector_of(token)
        return token

    def language(self, meeting_languages: list[str], default: str) -> str:
        return next((lang for lang in self.languages if lang in meeting_languages), default)


class DelegationQuota(Base):
    """At most `size_limit` seats of the delegation for people of one category (2
    national government, 1 civil society...). Taken like every seat: one
    conditional UPDATE (registration/seats.py)."""

    __tablename__ = "delegation_quotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(sa.ForeignKey("delegations.id", ondelete="CASCADE"))
    category: Mapped[Category] = mapped_column(enum_column(Category))
    size_limit: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (
        sa.UniqueConstraint("delegation_id", "category", name="uq_delegation_quotas_category"),
        sa.CheckConstraint("size_limit >= 0", name="quota_not_negative"),
    )

    delegation: Mapped[Delegation] = relationship(back_populates="quotas")


class Credential(Base):
    """A delegation's credentials letter (note verbale), a PDF checked by content.
    A new one supersedes the one before, which stays listed."""

    __tablename__ = "delegation_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    dated: Mapped[date | None] = mapped_column(sa.Date)
    reference: Mapped[str] = mapped_column(sa.String(200), default="")
    filename: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    # Who sent it: the focal point's or the staff member's name and address.
    uploaded_by: Mapped[str] = mapped_column(sa.String(300), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    delegation: Mapped[Delegation] = relationship(back_populates="credentials")


class NominationInvitation(Base):
    """A link a focal point sends to someone to fill the form themselves: the
    delegation and the focal point are filled in (/meetings/<slug>/register?invitation=...)."""

    __tablename__ = "nomination_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    focal_point_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("focal_points.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254))
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_selector: Mapped[str] = mapped_column(sa.String(SELECTOR_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the form was sent with it: an invitation is used once.
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="SET NULL")
    )

    delegation: Mapped[Delegation] = relationship()
    focal_point: Mapped[FocalPoint | None] = relationship()

    def __init__(self, **values):
        values.setdefault("token", new_token())
        super().__init__(**values)

    @validates("token")
    def _set_selector(self, _key, token: str) -> str:
        self.token_selector = selector_of(token)
        return token
