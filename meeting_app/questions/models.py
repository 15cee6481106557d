"""The questions a meeting asks on its registration form, besides the built-in
fields, and each person's answers (issue 18)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import (
    Base,
    LabelledEnum,
    TranslatedText,
    UTCDateTime,
    enum_column,
    set_labels,
    utcnow,
)

if TYPE_CHECKING:
    from meeting_app.files.models import StoredFile
    from meeting_app.meetings.models import Meeting
    from meeting_app.registration.models import Participant


class QuestionType(LabelledEnum):
    SECTION = "section"  # a heading and its help text: nothing to answer
    TEXT = "text"
    PARAGRAPH = "paragraph"
    NUMBER = "number"
    DATE = "date"
    YES_NO = "yes_no"
    CHOICE = "choice"
    CHOICES = "choices"
    COUNTRY = "country"
    EMAIL = "email"
    PHONE = "phone"
    FILE = "file"
    PHOTO = "photo"


set_labels(
    QuestionType,
    {
        QuestionType.SECTION: _l("Section heading"),
        QuestionType.TEXT: _l("Short text"),
        QuestionType.PARAGRAPH: _l("Paragraph"),
        QuestionType.NUMBER: _l("Number"),
        QuestionType.DATE: _l("Date"),
        QuestionType.YES_NO: _l("Yes or no"),
        QuestionType.CHOICE: _l("One choice"),
        QuestionType.CHOICES: _l("Several choices"),
        QuestionType.COUNTRY: _l("Country"),
        QuestionType.EMAIL: _l("E-mail address"),
        QuestionType.PHONE: _l("Phone number"),
        QuestionType.FILE: _l("File (PDF, JPEG or PNG)"),
        QuestionType.PHOTO: _l("Photo (JPEG or PNG)"),
    },
)

# The types whose answer is a stored file.
FILE_TYPES = frozenset({QuestionType.FILE, QuestionType.PHOTO})
# The types another question's condition may look at (their answers are values
# from a fixed list).
CONDITION_TYPES = frozenset(
    {QuestionType.YES_NO, QuestionType.CHOICE, QuestionType.CHOICES, QuestionType.COUNTRY}
)


class FormQuestion(Base):
    """One question of a meeting's registration form (or a section heading).

    A question with answers is never deleted: it is archived (`archived_at`), its
    answers stay in the exports and the person's data download until purged."""

    __tablename__ = "form_questions"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "key", name="uq_form_questions_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType))
    # A stable name: the export's column, what the import matches, the field's name.
    key: Mapped[str] = mapped_column(sa.String(60))
    label: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    help: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    # Asked only of these categories (Category values); empty: of everyone.
    categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Shown only when that question's answer is (or, for several choices,
    # includes) one of `condition_values`. One level: that question has no condition.
    condition_question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("form_questions.id", ondelete="SET NULL")
    )
    condition_values: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Internal: the participant never sees it; organisers fill it in.
    organisers_only: Mapped[bool] = mapped_column(default=False)
    # Purged at the retention date, left out of the desk and of exports unless asked.
    sensitive: Mapped[bool] = mapped_column(default=False)
    # One and several choices: [{"value": "a1", "label": {"fr": ..., "en": ...}}].
    options: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    min_value: Mapped[float | None] = mapped_column(sa.Float)
    max_value: Mapped[float | None] = mapped_column(sa.Float)
    # Files and photos: the most one answer may weigh.
    max_bytes: Mapped[int | None]
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()
    condition_question: Mapped[FormQuestion | None] = relationship(remote_side=[id])

    @property
    def asks(self) -> bool:
        """Whether it takes an answer (a section heading does not)."""
        return self.type is not QuestionType.SECTION


class FormAnswer(Base):
    """A person's answer to one question: a typed JSON value (text, number, ISO
    date, true/false, an option's value or a list of them, a country code), or a
    stored file."""

    __tablename__ = "form_answers"
    __table_args__ = (
        sa.UniqueConstraint("participant_id", "question_id", name="uq_form_answers_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("form_questions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    file_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stored_files.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    participant: Mapped[Participant] = relationship()
    question: Mapped[FormQuestion] = relationship()
    file: Mapped[StoredFile | None] = relationship()
