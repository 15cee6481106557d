"""People's photos on badges: the answers to the meeting's photo question.

A meeting's photo is the answer to its first photo question still on the form,
a JPEG that files.photo cropped to 35:45 and encoded again. Badges know a photo
by its SHA-256 (part of what decides that a badge drawn ahead is stale) and load
its bytes only when they are drawn, a chunk of badges at a time, as data: URLs
(the only images WeasyPrint may read besides static/)."""

import base64
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa

from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType

# What a badge may show; anything else in a photo answer (a file question turned
# into a photo one, say) leaves the placeholder.
IMAGE_TYPES = ("image/jpeg", "image/png")


@dataclass(frozen=True)
class Photo:
    file_id: int
    sha256: str


def photo_question(meeting_id: int) -> FormQuestion | None:
    """The meeting's photo question: the first photo question on its form (archived
    ones aside), or None."""
    return db.session.scalars(
        sa.select(FormQuestion)
        .where(
            FormQuestion.meeting_id == meeting_id,
            FormQuestion.type == QuestionType.PHOTO,
            FormQuestion.archived_at.is_(None),
        )
        .order_by(FormQuestion.position, FormQuestion.id)
        .limit(1)
    ).first()


def photo_answer(participant_id: int, question_id: int) -> FormAnswer | None:
    return db.session.scalars(
        sa.select(FormAnswer).where(
            FormAnswer.participant_id == participant_id, FormAnswer.question_id == question_id
        )
    ).first()


def photos_of(meeting_id: int, participant_ids: list[int], size: int = 500) -> dict[int, Photo]:
    """Participant id → their photo's file and SHA-256 (never its content): one
    query for the question, then one for each `size` people."""
    question = photo_question(meeting_id)
    found: dict[int, Photo] = {}
    if question is None:
        return found
    for start in range(0, len(participant_ids), size):
        rows = db.session.execute(
            sa.select(FormAnswer.participant_id, StoredFile.id, StoredFile.sha256)
            .join(StoredFile, StoredFile.id == FormAnswer.file_id)
            .where(
                FormAnswer.question_id == question.id,
                FormAnswer.participant_id.in_(participant_ids[start : start + size]),
                StoredFile.content_type.in_(IMAGE_TYPES),
            )
        )
        found.update((pid, Photo(file_id, sha)) for pid, file_id, sha in rows)
    return found


def data_urls(file_ids) -> dict[int, str]:
    """File id → the photo as a data: URL, for the badges about to be drawn (one
    query)."""
    ids = sorted({i for i in file_ids if isinstance(i, int)})
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(StoredFile.id, StoredFile.content_type, StoredFile.content).where(
            StoredFile.id.in_(ids), StoredFile.content_type.in_(IMAGE_TYPES)
        )
    )
    return {
        file_id: f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"
        for file_id, kind, content in rows
    }


def initials(name: str) -> str:
    """What the empty frame shows: the first letters of the first and last words
    of the name on the badge ("Hélène Marchetti" → "HM"); Arabic letters apart
    ("س ب"), which would otherwise join into a word."""
    words = [w for w in name.split() if w[:1].isalpha()]
    if not words:
        return ""
    letters = [words[0][0], *([words[-1][0]] if len(words) > 1 else [])]
    joined = unicodedata.bidirectional(letters[0]) in ("R", "AL")
    return (" " if joined else "").join(letters).upper()
