"""The programme booklet: cover, the published agenda day by day, and the
delegations (approved participants who agreed to be listed)."""

from functools import lru_cache

from flask import render_template
from flask_babel import force_locale

from meeting_app.agenda.published import by_day, published_agenda, shown
from meeting_app.core.i18n import localized
from meeting_app.delegations.services import public_list
from meeting_app.documents import logo
from meeting_app.documents.pdf import render_pdf
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
            language=language,
            paper=PAPER[paper],
            logo=logo.data_uri(meeting),
        )


def booklet_pdf(meeting: Meeting, *, language: str, paper: str = "a4") -> bytes:
    return _rendered(booklet_html(meeting, language=language, paper=paper))


@lru_cache(maxsize=8)
def _rendered(html: str) -> bytes:
    """Kept per process for the same HTML: the booklet changes only with the published
    agenda, the listed delegations or the meeting, while anyone may ask for it again
    and again, and drawing 300 sessions takes WeasyPrint seconds."""
    return render_pdf(html, bare=True)
