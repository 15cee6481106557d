"""Languages: choosing the interface language and showing content in it.

Interface strings go through Flask-Babel catalogs. Content that people write
(titles, descriptions) is stored per language; where the reader's language is
missing we fall back to the content's default language and say so.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_datetime, format_interval, get_timezone_location
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

LANGUAGE_NAMES = {
    "fr": "Français",
    "en": "English",
    "es": "Español",
    "ar": "العربية",
    "ru": "Русский",
}
# The languages, in the order forms offer them: the interface's (config.LANGUAGES
# names the same) and those content is written in (a meeting chooses among them).
# Every per-language field, column, option and choice follows this one tuple.
LANGUAGES = tuple(LANGUAGE_NAMES)
SESSION_KEY = "lang"
# The view attribute set by `language_from_address`.
_ADDRESS_LANGUAGE = "language_from_address"


def select_locale() -> str:
    """The language a public page's address names (`?lang=ar`, see
    `language_from_address`), else the person's explicit choice (kept in their
    session), else their browser's."""
    if not has_request_context():  # the command line, a background job
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, _ADDRESS_LANGUAGE, False) and request.args.get("lang") in languages:
        return request.args["lang"]
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def language_from_address(view):
    """Marks a public page whose address may name its language: `?lang=ru` shows it
    in Russian, interface and content, for that request only (nothing is
    remembered). The page's `<link rel="alternate" hreflang>` point there, one per
    language, so that search engines and shared links reach each version."""
    setattr(view, _ADDRESS_LANGUAGE, True)
    return view


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


# One way to write a moment wherever people read one, the same in every language:
# the day, the month in words, the year, the 24-hour clock without seconds, and whose
# clock it is. "25 January 2027, 00:00 (Dakar Time)", "25 janvier 2027, 00:00
# (heure : Dakar)", "25 de enero de 2027, 00:00 (hora de Dakar)". Numeric dates
# (1/2/27) read differently from one country to the next; "GMT" hides the local time.
# Russian writes the year's abbreviation after it ("13 июня 2022 г."), as CLDR's
# long date does; Arabic's is the default pattern (Babel's Latin digits).
_DATE_PATTERNS = {"es": "d 'de' MMMM 'de' y", "ru": "d MMMM y 'г'."}
_DATE_PATTERN = "d MMMM y"
# Babel's "region" zone format for Russian is CLDR's daylight-time one ("{0}, летнее
# время": "Dakar, summer time", said of Senegal, which has none); CLDR's generic
# format, which ICU uses, is the place alone.
_REGION_FORMATS = {"ru": "%s"}


def zone_name(timezone: str, language: str | None = None) -> str:
    """Whose clock a time is on, in CLDR's words for `language`: 'Dakar Time',
    'heure : Dakar', 'hora de Dakar' (the zone's own city: a country's name would be
    wrong for countries with several zones); 'UTC' for UTC."""
    language = language or current_language()
    city = get_timezone_location(_zone(timezone), locale=language, return_city=True)
    if timezone == "UTC" or timezone.startswith("Etc/"):
        return city
    region = _REGION_FORMATS.get(language) or Locale.parse(language).zone_formats["region"]
    return region % city


def format_local_datetime(
    value: datetime, timezone: str, language: str | None = None, *, zone: bool = True
) -> str:
    """A UTC datetime in `timezone`'s local time, in the reader's language (or
    `language`): '25 January 2027, 00:00 (Dakar Time)'; `zone=False` leaves out the
    zone where the page already names it."""
    language = language or current_language()
    pattern = _moment_pattern(language)
    text = format_datetime(value, pattern, tzinfo=_zone(timezone), locale=language)
    return f"{text} ({zone_name(timezone, language)})" if zone else text


@functools.cache
def _moment_pattern(language: str) -> str:
    """The day and the clock joined as CLDR joins them in `language` ("{1}, {0}";
    Arabic's comma is "،")."""
    glue = str(Locale.parse(language).datetime_formats["medium"])
    return glue.replace("{1}", _DATE_PATTERNS.get(language, _DATE_PATTERN)).replace("{0}", "HH:mm")


def counted(number: int, singular: str, plural: str) -> str:
    """'1 e-mail', '2 e-mails': a count in the command line's English, which is not
    translated (the interface's counts go through ngettext)."""
    return f"{number} {singular if number == 1 else plural}"


def format_date_range(start: date, end: date) -> str:
    return _date_range(start, end, current_language())


@functools.lru_cache(maxsize=256)
def _date_range(start: date, end: date, language: str) -> str:
    # Kept: each of an import's thousands of confirmation e-mails names the dates.
    if start == end:
        return format_date(start, "long", locale=language)
    return format_interval(start, end, "yMMMd", locale=language)


def _utc_offset(timezone: str, on: date) -> str:
    offset = datetime(on.year, on.month, on.day, 12, tzinfo=ZoneInfo(timezone)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def timezone_label(timezone: str, on: date) -> str:
    """The zone and its offset on a given day, e.g. 'Africa/Casablanca (UTC+01:00)':
    exact where a generic zone name (Babel says 'Western European Time') is not."""
    return f"{timezone} ({_utc_offset(timezone, on)})"


def timezone_span_label(timezone: str, first: date, last: date) -> str:
    """The zone of a span of days with each offset it takes, in order, e.g.
    'Europe/Belgrade (UTC+01:00 → UTC+02:00)' across a clock change: the offset of
    the first day alone would be wrong for the days after it."""
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    offsets = dict.fromkeys(_utc_offset(timezone, day) for day in days)  # in order, once each
    return f"{timezone} ({' → '.join(offsets)})"


@functools.cache
def text_direction(language: str) -> str:
    """'rtl' for a language written right to left (Arabic), else 'ltr' (CLDR's word):
    the `dir` of pages, mails and content shown in that language."""
    try:
        return Locale.parse(language).text_direction
    except (ValueError, TypeError, UnknownLocaleError):  # not a language: as most are
        return "ltr"


def template_context() -> dict:
    return {
        "languages": LANGUAGE_NAMES,
        "current_language": current_language(),
        "timezone_label": timezone_label,
        "timezone_span_label": timezone_span_label,
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
    """HH:MM in the meeting's time zone: the same in every language
    (24-hour clock, as on the programmes), and cheap enough for 300 sessions a page."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(_zone(timezone)).strftime("%H:%M")
