from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from meeting_app.core.tokens import SELECTOR_LENGTH, new_token, selector_of
from meeting_app.models import Base

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
