from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from meeting_app.models import Base, UTCDateTime, enum_column, utcnow


class Role(StrEnum):
    ORGANISER = "organiser"
    HOST = "host"


class User(UserMixin, Base):
    """A staff account: organisers run meetings, hosts work the desk."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    # Demo accounts have published passwords: production refuses them.
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_organiser(self) -> bool:
        return self.role is Role.ORGANISER

    def can_use_desk(self) -> bool:
        return self.role in (Role.ORGANISER, Role.HOST)
