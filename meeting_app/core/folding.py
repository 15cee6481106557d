"""Text folded for searching: lower case, accents removed, so that "nunez" finds
"Ñúñez" and "EQUATEUR" finds "Équateur".

Folding is done here in Python, once per write, and stored (Participant.search_text):
SQLite has no accent folding, and PostgreSQL's `unaccent` differs from Unicode's
decomposition on a few letters; one function on both sides of the comparison
keeps the database and the query in agreement on every database. A search is
then a plain `LIKE` on an indexed column (a pg_trgm index on PostgreSQL makes
the infix `LIKE '%...%'` an index scan)."""

import unicodedata
from collections.abc import Iterable

# Between the folded fields of a search text: a space, so that "sita gurung"
# finds the given and family names typed one after the other, as people do.
SEPARATOR = " "


def fold(text: str) -> str:
    """Lower case without accents: 'Équateur' -> 'equateur', 'Ñúñez' -> 'nunez'."""
    if text.isascii():  # most names and organisations: the quick way
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folded_words(query: str) -> list[str]:
    """The words of a query as the search text holds them."""
    return fold(query or "").split()


def search_text(parts: Iterable[str | None]) -> str:
    """The folded fields of a record, in one text (None and "" left out)."""
    return SEPARATOR.join(fold(part) for part in parts if part)


def escape_like(text: str) -> str:
    """`text` as a LIKE pattern that matches it literally (with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column, text: str):
    """SQL: the folded `column` contains `text` (folded here), wildcards as text."""
    return column.like(f"%{escape_like(fold(text))}%", escape="\\")
