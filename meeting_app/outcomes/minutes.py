"""Minutes per session: the rapporteur's summary in each of the meeting's
languages (Markdown, sanitised as communiqués are, communiques/markup.py), saved as
a working copy and published in numbered versions; the changes between two
versions are shown per language, paragraph by paragraph."""

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup

from meeting_app.agenda.models import AgendaSession
from meeting_app.communiques import markup
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.outcomes import services
from meeting_app.outcomes.models import OutcomeVersion, SessionMinutes

MAX_LENGTH = 50_000
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def minutes_of(session: AgendaSession) -> SessionMinutes | None:
    return db.session.execute(
        db.select(SessionMinutes).filter_by(session_id=session.id)
    ).scalar_one_or_none()


def minutes_by_session(meeting: Meeting) -> dict[int, SessionMinutes]:
    return {
        m.session_id: m
        for m in db.session.execute(
            db.select(SessionMinutes)
            .join(AgendaSession, AgendaSession.id == SessionMinutes.session_id)
            .where(AgendaSession.meeting_id == meeting.id)
        ).scalars()
    }


def save_text(session: AgendaSession, language: str, text: str, user) -> SessionMinutes:
    """The working copy's text in `language` (nothing is published)."""
    minutes = minutes_of(session)
    if minutes is None:
        minutes = SessionMinutes(session_id=session.id, text={})
        db.session.add(minutes)
    texts = {lang: value for lang, value in (minutes.text or {}).items() if value}
    if text.strip():
        texts[language] = text.strip()
    else:
        texts.pop(language, None)
    minutes.text = texts  # a new dict: the JSON column sees the change
    minutes.updated_at = utcnow()
    minutes.updated_by = user.email if user is not None else ""
    db.session.flush()
    return minutes


def snapshot(session: AgendaSession, minutes: SessionMinutes | None) -> dict:
    """What a version keeps: the session as it was (title, start) and the texts in
    the meeting's languages."""
    languages = session.meeting.languages
    texts = (minutes.text if minutes else None) or {}
    return {
        "session": {
            "id": session.id,
            "title": dict(session.title or {}),
            "starts_at": session.starts_at.isoformat(),
        },
        "text": {lang: texts[lang] for lang in languages if (texts.get(lang) or "").strip()},
    }


def publish(session: AgendaSession, audience: str, user) -> OutcomeVersion:
    """Publishes the working copy as the session's next version of minutes. Refused
    (OutcomeError "empty") when it has no text in the meeting's main language."""
    meeting = session.meeting
    current = snapshot(session, minutes_of(session))
    if not current["text"].get(meeting.default_language):
        raise services.OutcomeError("empty", language=meeting.default_language)
    return services.publish(meeting, services.minutes_subject(session.id), current, audience, user)


# ---------- reading and the changes ----------


def html(text: str) -> Markup:
    """Published Markdown as sanitised HTML."""
    return markup.published_html(text or "")


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in _BLANK_LINE.split((text or "").strip()) if part.strip()]


@dataclass(frozen=True)
class Paragraph:
    change: str  # "same", "added" or "removed"
    text: str

    @property
    def html(self) -> Markup:
        return html(self.text)


@dataclass(frozen=True)
class LanguageChanges:
    language: str
    paragraphs: list[Paragraph]

    @property
    def changed(self) -> bool:
        return any(p.change != "same" for p in self.paragraphs)


def paragraph_changes(old: str, new: str) -> list[Paragraph]:
    """`new` paragraph by paragraph, with those of `old` it no longer has (removed)
    and its own new ones (added) where they were (a changed paragraph is one removed
    and one added)."""
    before, after = paragraphs(old), paragraphs(new)
    result: list[Paragraph] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result += [Paragraph("same", p) for p in after[j1:j2]]
            continue
        result += [Paragraph("removed", p) for p in before[i1:i2]]
        result += [Paragraph("added", p) for p in after[j1:j2]]
    return result


def changes(old: dict | None, new: dict, languages: list[str]) -> list[LanguageChanges]:
    """Per language of the meeting, the changes from `old`'s text to `new`'s (all of
    `new` added when there is no `old`)."""
    old_text = (old or {}).get("text", {})
    new_text = new.get("text", {})
    return [
        LanguageChanges(lang, paragraph_changes(old_text.get(lang, ""), new_text.get(lang, "")))
        for lang in languages
        if old_text.get(lang) or new_text.get(lang)
    ]
