"""Small helpers every domain's forms share."""

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms' SelectChoice (tuples are deprecated)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]
