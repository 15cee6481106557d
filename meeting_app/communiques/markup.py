"""Markdown to safe HTML, and the placeholders authors may insert.

Authors write Markdown; markdown-it turns it into HTML (raw HTML in the text is
let through to the sanitiser rather than shown as code, so that a pasted
`<script>` disappears and the words around it stay), then nh3 keeps only an
allow-list of tags and attributes. Nothing an author types reaches Jinja or
`str.format`: placeholders are replaced by a regular expression with values
escaped for Markdown, in one pass (a value that looks like a placeholder is not
replaced again).
"""

import functools
import re
from collections.abc import Mapping

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from meeting_app.core import placeholders
from meeting_app.core.placeholders import PLACEHOLDER

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6",
    "p", "br", "hr",
    "strong", "em", "b", "i",
    "ul", "ol", "li",
    "blockquote",
    "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"

# The facts a communiqué may quote, filled from the meeting's data.
PLACEHOLDERS = (
    "participants",
    "participants_text",
    "countries_count",
    "countries_count_text",
    "countries",
    "dates",
    "venue",
    "host",
    "meeting",
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&~])")

_markdown = MarkdownIt("commonmark", {"html": True})


def sanitise(html: str, preview: bool = False) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS | {"mark"} if preview else ALLOWED_TAGS,
        attributes={**ALLOWED_ATTRIBUTES, "mark": {"class"}} if preview else ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        # Drop what is inside these, not only the tags (a script's code is no text).
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
        strip_comments=True,
    )


def to_html(markdown: str) -> Markup:
    """Markdown as sanitised HTML, safe to put in a page or a PDF."""
    return Markup(sanitise(_markdown.render(markdown or "")))  # noqa: S704 (sanitised above)


@functools.lru_cache(maxsize=512)
def published_html(markdown: str) -> Markup:
    """`to_html` for published text, which changes only when published again: the
    feed and the pages render the same few texts over and over (a cache per worker,
    keyed by the text itself, so it is never stale and no worker needs another's)."""
    return to_html(markdown)


def escape_markdown(value: str) -> str:
    """Plain text that Markdown shows as it is (CommonMark lets any ASCII punctuation
    be escaped by a backslash)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def unknown_placeholders(*texts: str) -> list[str]:
    return placeholders.unknown(PLACEHOLDERS, *texts)


def fill(text: str, values: Mapping[str, str], markdown: bool = True) -> str:
    """`text` with every known placeholder replaced by its value (escaped for Markdown
    when `markdown`); unknown ones are left as typed, for the caller to flag."""
    return placeholders.fill(text, values, escape_markdown if markdown else None)


def mark_unknown(html: str) -> Markup:
    """Sanitised HTML with the placeholders left in it highlighted (the preview);
    sanitised again, in case a placeholder sat inside an attribute."""
    marked = PLACEHOLDER.sub(
        lambda m: f'<mark class="unknown-placeholder">{escape(m.group(0))}</mark>', html
    )
    return Markup(sanitise(marked, preview=True))  # noqa: S704 (sanitised)
