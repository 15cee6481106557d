"""Placeholders such as `{{ full_name }}` in text that organisers write (messages,
automatic mails, communiqués).

The text never reaches Jinja or `str.format`: known placeholders are replaced by a
regular expression in one pass, so a name such as "{{ config }}" or "{% raw %}" in
someone's data stays as typed, and a value that looks like a placeholder is not
replaced again.
"""

import re
from collections.abc import Callable, Collection, Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def used(*texts: str) -> set[str]:
    return {name for text in texts for name in PLACEHOLDER.findall(text or "")}


def unknown(known: Collection[str], *texts: str) -> list[str]:
    """The placeholders of `texts` that are not `known`, in the order they appear."""
    found: list[str] = []
    for text in texts:
        for name in PLACEHOLDER.findall(text or ""):
            if name not in known and name not in found:
                found.append(name)
    return found


def fill(text: str, values: Mapping[str, str], escape: Callable[[str], str] | None = None) -> str:
    """`text` with each placeholder that has a value replaced by it (passed through
    `escape` first, if given); the others are left as typed, for the caller to flag."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return escape(values[name]) if escape else values[name]

    return PLACEHOLDER.sub(replace, text or "")
