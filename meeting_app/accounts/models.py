"""Staff accounts and what they may do.

Administrators run the whole site. Everyone else holds roles per meeting
(`MeetingRole`): the secretariat organises every Board, while a host
government's protocol desk hosts its own meeting only. A signed-in browser
holds a `StaffSession`, stored here so that signing out, a new password, a
disabled account or a changed role can end it on the server.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, UTCDateTime, enum_column, utcnow


class Role(StrEnum):
    """A role held in one meeting. An organiser may also work its desk."""

    ORGANISER = "organiser"
    HOST = "host"


# What each role may do: an organiser's rights include a host's.
_INCLUDES = {Role.ORGANISER: {Role.ORGANISER, Role.HOST}, Role.HOST: {Role.HOST}}


class User(UserMixin, Base):
    """A staff account (participants never need one)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    # Empty until an invited person chooses a password: no password opens it.
    password_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True)
    # Demo accounts have published passwords: production refuses them.
    is_demo: Mapped[bool] = mapped_column(default=False)
    # The interface language chosen on /account (None: the browser's).
    language: Mapped[str | None] = mapped_column(sa.String(5))
    # Two-factor sign-in (RFC 6238): the shared secret, set when confirmed, and the
    # last time step accepted, so that a code seen once cannot be used again.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting_roles: Mapped[list[MeetingRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def role_in(self, meeting_id: int) -> Role | None:
        """The role held in that meeting (an administrator organises every one)."""
        if self.is_admin:
            return Role.ORGANISER
        for held in self.meeting_roles:
            if held.meeting_id == meeting_id:
                return held.role
        return None

    def may(self, role: Role | str, meeting) -> bool:
        """Whether this account may act as `role` in `meeting`."""
        held = self.role_in(meeting.id)
        return held is not None and Role(role) in _INCLUDES[held]

    def meeting_ids(self, role: Role) -> set[int]:
        """The meetings where this account may act as `role` (not for administrators,
        who may act everywhere: ask `is_admin` first)."""
        return {held.meeting_id for held in self.meeting_roles if role in _INCLUDES[held.role]}

    @property
    def organises_any(self) -> bool:
        return self.is_admin or bool(self.meeting_ids(Role.ORGANISER))

    @property
    def hosts_any(self) -> bool:
        return self.is_admin or bool(self.meeting_roles)

    @property
    def sees_passports(self) -> bool:
        """Organisers see passport numbers: the accounts two-factor sign-in may be
        required of."""
        return self.organises_any


class MeetingRole(Base):
    """`user` is `role` of `meeting`: one role per account and meeting."""

    __tablename__ = "meeting_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "meeting_id"),)

    user: Mapped[User] = relationship(back_populates="meeting_roles")


class StaffSession(Base):
    """One signed-in browser. The cookie carries a random token; only its hash is
    stored, and a cookie whose row is gone is no longer signed in."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose, not a password)


class AccountToken(Base):
    """A one-time link sent by e-mail: an invitation to choose a password, or a
    password reset. Only the token's hash is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Revoked by an administrator (an invitation withdrawn) or replaced by a newer one.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RecoveryCode(Base):
    """One of the ten codes that sign in once when the authenticator is lost."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SiteSetting(Base):
    """Site-wide settings administrators change from the web (key -> text)."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(500), default="")
