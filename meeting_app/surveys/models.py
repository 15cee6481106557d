"""A feedback survey after the meeting: its questions (the registration form's
types and a 1–5 rating), sent to those who attended, answered once through the
private link; anonymous to the organisers if the meeting says so (who answered
is kept apart from what they answered)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, TranslatedText, UTCDateTime, utcnow


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    anonymous: Mapped[bool] = mapped_column(default=True)
    # "draft" (being built), "open" (answered), "closed".
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    intro: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey",
        cascade="all, delete-orphan",
        order_by="(SurveyQuestion.position, SurveyQuestion.id)",
    )


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    # A registration question type's value (questions/models.py QuestionType) but
    # file and photo, or "rating" (1 to 5).
    type: Mapped[str] = mapped_column(sa.String(20))
    label: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    help: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    # Choices: [{"value": "o1", "label": {"fr": ..., "en": ...}}, ...]; number bounds.
    options: Mapped[list] = mapped_column(sa.JSON, default=list)
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyRespondent(Base):
    """Who answered (once: the unique constraint decides between two tabs), kept
    apart from the answers so that an anonymous survey's answers name nobody."""

    __tablename__ = "survey_respondents"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE")
    )
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "participant_id", name="uq_survey_respondents_once"),
    )


class SurveyResponse(Base):
    """One set of answers: {question id: value}; the person only when the survey is
    not anonymous."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="SET NULL")
    )
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The day only, for an anonymous survey: a time would tell who it was.
    submitted_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
