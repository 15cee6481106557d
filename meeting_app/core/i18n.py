"""Languages: choosing the interface language and showing content in it.

Interface strings go through Flask-Babel catalogs. Content that people write
(titles, descriptions) is stored per language; where the reader's language is
missing we fall back to the content's default language and say so.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

LANGUAGE_NAMES = {"fr": "Français", "en": "English", "es": "Español"}
SESSION_KEY = "lang"


def select_locale() -> str:
    """The person's explicit choice (kept in their session), else their browser's."""
    if not has_request_context():  # the command line, a background job
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def requested_language(default: str | None = None) -> str:
    """The language a document or feed is asked for with `?lang=`; otherwise
    `default`, or the reader's own."""
    requested = request.args.get("lang", "")
    if requested in current_app.config["LANGUAGES"]:
        return requested
    return default or current_language()


@dataclass(frozen=True)
class Translated:
    text: str
    language: str
    is_fallback: bool

    def __str__(self) -> str:
        return self.text

    @property
    def language_name(self) -> str:
        """The content's language named in the reader's ('francés' to a Spanish reader)."""
        return Locale.parse(self.language).get_display_name(current_language())


def localized(
    values: dict[str, str] | None, default_language: str = "en", language: str | None = None
) -> Translated:
    """The text in `language` (default: the reader's), else in `default_language`,
    else in any language given."""
    values = values or {}
    language = language or current_language()
    if values.get(language):
        return Translated(values[language], language, False)
    for candidate in (default_language, *LANGUAGE_NAMES):
        if values.get(candidate):
            return Translated(values[candidate], candidate, True)
    return Translated("", language, False)


def language_name(code: str, in_language: str | None = None) -> str:
    """'fr' named in the reader's language ('French', 'francés'), or in `in_language`
    (its own name, 'français', when `in_language` is the language itself)."""
    name = Locale.parse(code).get_display_name(in_language or current_language()) or code
    return name[:1].upper() + name[1:]


def format_local_datetime(value: datetime, timezone: str, fmt: str = "medium") -> str:
    """A UTC datetime shown in the meeting's time zone, in the reader's language."""
    return format_datetime(value, fmt, tzinfo=ZoneInfo(timezone), locale=current_language())


def format_date_range(start: date, end: date) -> str:
    if start == end:
        return format_date(start, "long", locale=current_language())
    return format_interval(start, end, "yMMMd", locale=current_language())


def timezone_label(timezone: str, on: date) -> str:
    """The zone and its offset on a given day, e.g. 'Africa/Casablanca (UTC+01:00)':
    exact where a generic zone name (Babel says 'Western European Time') is not."""
    offset = datetime(on.year, on.month, on.day, 12, tzinfo=ZoneInfo(timezone)).strftime("%z")
    return f"{timezone} (UTC{offset[:3]}:{offset[3:]})"


def template_context() -> dict:
    return {
        "languages": LANGUAGE_NAMES,
        "current_language": current_language(),
        "timezone_label": timezone_label,
    }


def format_snapshot_time(value, meeting) -> str:
    """A time from a published agenda (ISO text or datetime) as the reader says it,
    in the meeting's time zone: 'lun. 13 juin 2022, 09:00'."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(
        moment, "EEE d MMM y, HH:mm", tzinfo=ZoneInfo(meeting.timezone), locale=current_language()
    )


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_clock(moment, timezone: str) -> str:
    """HH:MM in the meeting's time zone: the same in French, English and Spanish
    (24-hour clock, as on the programmes), and cheap enough for 300 sessions a page."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(_zone(timezone)).strftime("%H:%M")
