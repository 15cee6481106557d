"""A meeting's documents (concept note, annotated agenda, background papers...):
one file per language, each replaced by a new version that keeps the old one
listed as superseded; shown to the public, to approved participants or to staff."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

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
    from meeting_app.agenda.models import AgendaSession


class DocumentKind(LabelledEnum):
    CONCEPT_NOTE = "concept_note"
    AGENDA = "agenda"
    BACKGROUND_PAPER = "background_paper"
    PRESENTATION = "presentation"
    REPORT = "report"
    LOGISTICS_NOTE = "logistics_note"


set_labels(
    DocumentKind,
    {
        DocumentKind.CONCEPT_NOTE: _l("Concept note"),
        DocumentKind.AGENDA: _l("Annotated agenda"),
        DocumentKind.BACKGROUND_PAPER: _l("Background paper"),
        DocumentKind.PRESENTATION: _l("Presentation"),
        DocumentKind.REPORT: _l("Report"),
        DocumentKind.LOGISTICS_NOTE: _l("Logistics note"),
    },
)


class Visibility(LabelledEnum):
    PUBLIC = "public"
    PARTICIPANTS = "participants"  # approved participants, through their private link
    STAFF = "staff"  # the meeting's organisers and hosts


set_labels(
    Visibility,
    {
        Visibility.PUBLIC: _l("Public"),
        Visibility.PARTICIPANTS: _l("Approved participants"),
        Visibility.STAFF: _l("Staff only"),
    },
)


class MeetingDocument(Base):
    __tablename__ = "meeting_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    # None: the meeting's own; else attached to one session.
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_sessions.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    title: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[AgendaSession | None] = relationship()
    files: Mapped[list[DocumentFile]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        order_by="(DocumentFile.language, DocumentFile.id.desc())",
    )

    @property
    def current_files(self) -> dict[str, DocumentFile]:
        """The file in force per language."""
        return {f.language: f for f in reversed(self.files) if f.superseded_at is None}


class DocumentFile(Base):
    """One language's file of a document, as uploaded (its type sniffed from the
    content); a new upload supersedes the one before, which stays listed."""

    __tablename__ = "document_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_documents.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(2))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(sa.String(300), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[MeetingDocument] = relationship(back_populates="files")
