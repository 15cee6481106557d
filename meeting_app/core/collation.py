"""Sorting what people read in their language's order.

Comparing code points puts "Égypte" after "Zimbabwe" and "Ñandú" before "Nube".
ICU implements the Unicode Collation Algorithm with the CLDR tailorings (Spanish ñ
is a letter after n; French, English: accents count only between otherwise equal
words), both here through PyICU and in PostgreSQL through its ICU collations, so a
list sorted in Python and one sorted by the database agree.

- `sort_key(language)` is the key for `sorted()` on lists built in Python;
- `collated(column, language)` is the column for `ORDER BY`, where the database
  sorts (lists it paginates): `COLLATE "fr-x-icu"` on PostgreSQL, and on SQLite
  a collation of the same name that `register_sqlite_collations` installs on each
  connection.
"""

import functools
from collections.abc import Callable

import icu
import sqlalchemy as sa

from meeting_app.core.i18n import LANGUAGE_NAMES, current_language

# The language-neutral CLDR order, for a language we have no tailoring for.
ROOT = "und"


def _known(language: str | None) -> str:
    language = language or current_language()
    return language if language in LANGUAGE_NAMES else ROOT


def collation_name(language: str | None = None) -> str:
    """The name of `language`'s collation in the database (default: the reader's):
    PostgreSQL's ICU collations are called "fr-x-icu", "und-x-icu"..."""
    return f"{_known(language)}-x-icu"


@functools.cache
def _collator(language: str) -> icu.Collator:
    # Comparing and making keys are const operations on an ICU collator, safe to
    # share between threads once it is built.
    return icu.Collator.createInstance(icu.Locale(language))


def sort_key(language: str | None = None) -> Callable[[str], bytes]:
    """The key that sorts texts in `language`'s order (default: the reader's):
    `sorted(names, key=sort_key("fr"))`. None sorts as an empty text."""
    collator = _collator(_known(language))
    return lambda text: collator.getSortKey(text or "")


def collated(column, language: str | None = None) -> sa.ColumnElement:
    """`column COLLATE "<language>-x-icu"`, to ORDER BY it in `language`'s order."""
    return sa.collate(column, collation_name(language))


def register_sqlite_collations(dbapi_connection) -> None:
    """Gives a SQLite connection the collations `collated()` names, backed by ICU."""
    for language in (*LANGUAGE_NAMES, ROOT):
        compare = _collator(language).compare
        dbapi_connection.create_collation(collation_name(language), compare)
