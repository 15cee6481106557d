"""Dates and counts as people read them: a moment in the meeting's own local time,
without seconds, in one format for every reader; counts in plural forms."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from flask_babel import force_locale, format_decimal

from meeting_app.core.i18n import format_date_range, format_local_datetime

ROOT = Path(__file__).resolve().parents[2]
ENGLISH_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def test_a_moment_reads_as_day_month_year_local_clock_and_place():
    """Babel's 'long' format gave "January 25, 2027, 12:00:00 AM GMT"."""
    midnight = datetime(2027, 1, 25, tzinfo=UTC)
    assert format_local_datetime(midnight, "Africa/Dakar", "en") == (
        "25 January 2027, 00:00 (Dakar Time)"
    )
    assert format_local_datetime(midnight, "Africa/Dakar", "fr") == (
        "25 janvier 2027, 00:00 (heure : Dakar)"
    )
    assert format_local_datetime(midnight, "Asia/Kathmandu", "es") == (
        "25 de enero de 2027, 05:45 (hora de Katmandú)"
    )
    assert format_local_datetime(midnight, "America/New_York", "en") == (
        "24 January 2027, 19:00 (New York Time)"
    )
    assert format_local_datetime(midnight, "UTC", "en") == "25 January 2027, 00:00 (UTC)"
    assert format_local_datetime(midnight, "UTC", "en", zone=False) == "25 January 2027, 00:00"


def test_arabic_and_russian_dates_and_numbers_are_babels(app):
    """Babel's CLDR data for each: Arabic with its Latin digits (Babel's default for
    "ar") and its own comma between the day and the clock; Russian with "г." after
    the year, the place alone for the clock (Babel's "region" format for Russian is
    the summer-time one: "Бишкек, летнее время" in January would be wrong), and
    its decimal comma."""
    midnight = datetime(2027, 1, 25, tzinfo=UTC)
    assert format_local_datetime(midnight, "Africa/Dakar", "ar") == (
        "25 يناير 2027، 00:00 (توقيت داكار)"
    )
    assert format_local_datetime(midnight, "Asia/Bishkek", "ru") == (
        "25 января 2027 г., 06:00 (Бишкек)"
    )
    with app.test_request_context():
        with force_locale("ar"):
            assert format_date_range(date(2022, 6, 13), date(2022, 6, 14)) == "13–14 يونيو 2022"
            assert format_decimal(1234.5) == "1,234.5"
        with force_locale("ru"):
            assert format_date_range(date(2022, 6, 13), date(2022, 6, 13)) == (
                "13 июня 2022\u202fг."
            )
            assert format_decimal(1234.5) == "1\xa0234,5"


def test_meeting_page_says_until_when_registration_is_open_in_local_time(client, make_meeting):
    """The meeting page showed seconds and GMT for a meeting in Kathmandu."""
    closes = (datetime.now(UTC) + timedelta(days=40)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    make_meeting(
        slug="kathmandu",
        timezone="Asia/Kathmandu",
        registration_opens_at=datetime.now(UTC) - timedelta(days=1),
        registration_closes_at=closes,
    )

    def page(language):
        return client.get("/meetings/kathmandu/", headers={"Accept-Language": language}).get_data(
            as_text=True
        )

    english = f"{closes.day} {ENGLISH_MONTHS[closes.month - 1]} {closes.year}, 05:45"
    assert f"Open until {english} (Kathmandu Time)" in page("en")
    french = f"{closes.day} {FRENCH_MONTHS[closes.month - 1]} {closes.year}, 05:45"
    assert f"{french} (heure : Katmandou)" in page("fr")
    assert "GMT" not in page("en") and ":00:00" not in page("en")


def _messages():
    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "gettext": None, "_l": None, "ngettext": (1, 2)}
    keywords["lazy_ngettext"] = (1, 2)
    for folder in ("meeting_app", "templates"):
        for filename, line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, options_map, keywords=keywords
        ):
            yield f"{folder}/{filename}:{line}", message


# A number placeholder, then (after at most one word, "approved participants") a
# plural noun: "%(count)d registrations changed" reads "1 registrations changed".
COUNTED_PLURAL = re.compile(
    r"%\(\w+\)d (?:\w+ )?(?!(?:is|was|has|as|its|this)\b)(?:[\w-]*[^s\W]s|people)\b"
)


def test_counts_in_interface_texts_use_plural_forms():
    """A text that counts with gettext ("%(count)d conflicts") is wrong for 1 (and
    for 0 and 1 in French): it must be ngettext, whose forms the catalogs hold."""
    singular_only = [
        f"{where}: {message}"
        for where, message in _messages()
        if isinstance(message, str) and COUNTED_PLURAL.search(message)
    ]
    assert singular_only == []
