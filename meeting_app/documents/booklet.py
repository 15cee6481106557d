"""The programme booklet: cover, the published agenda day by day, and the
delegations (approved participants who agreed to be listed). Drawn once for each
published version, language and paper, and kept (booklet_store.py)."""

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale

from meeting_app.agenda.published import by_day, published_agenda, shown
from meeting_app.core.i18n import localized
from meeting_app.delegations.services import public_list
from meeting_app.documents import booklet_store, logo
from meeting_app.documents.pdf import bidi, render_pdf
from meeting_app.meetings.models import Meeting

PAPER = {"a4": "A4", "letter": "letter"}


def booklet_html(meeting: Meeting, *, language: str, paper: str) -> str:
    with force_locale(language):
        agenda = published_agenda(meeting)
        days = {
            day: shown(sessions, meeting, language)
            for day, sessions in by_day(agenda.sessions, meeting).items()
        }
        return render_template(
            "pdf/booklet.html",
            meeting=meeting,
            days=days,
            version=agenda.version,
            delegations=[(d, members) for d, members in public_list(meeting, language) if members],
            title=localized(meeting.title, meeting.default_language, language).text,
            host=localized(meeting.host, meeting.default_language, language).text,
            paper=PAPER[paper],
            **bidi(language),
            logo=logo.data_uri(meeting),
        )


@dataclass(frozen=True)
class Booklet:
    pdf: bytes
    version: int
    digest: str  # booklet_store.inputs: changes whenever the booklet would
    drawn: bool  # drawn now (to be committed by the caller), not found kept


def booklet_file(meeting: Meeting, *, language: str, paper: str = "a4") -> Booklet:
    """The booklet of the meeting as it is now: the kept one (drawn ahead when the
    agenda was published), or, if there is none yet (the task has not finished, or
    failed, or something it shows changed since), drawn now and kept, flushed for
    the caller's commit. So it is never stale and never missing, and a request
    waits for WeasyPrint only when no worker has drawn this booklet before it.
    Raises pdf.RenderError if WeasyPrint fails."""
    current = booklet_store.inputs(meeting, language, paper)
    pdf = booklet_store.find(meeting.id, current, language, paper)
    if pdf is not None:
        return Booklet(pdf, current.version, current.digest, drawn=False)
    pdf = render_pdf(booklet_html(meeting, language=language, paper=paper), bare=True)
    booklet_store.keep(meeting.id, current, language, paper, pdf)
    return Booklet(pdf, current.version, current.digest, drawn=True)


def booklet_pdf(meeting: Meeting, *, language: str, paper: str = "a4") -> bytes:
    """The booklet's PDF (booklet_file; a new drawing is kept with the caller's commit)."""
    return booklet_file(meeting, language=language, paper=paper).pdf


def ahead(meeting: Meeting) -> list[tuple[str, str]]:
    """The booklets drawn ahead: each of the meeting's languages on each paper."""
    return [(language, paper) for language in meeting.languages for paper in PAPER]
