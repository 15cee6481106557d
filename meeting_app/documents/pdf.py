"""Rendering HTML to PDF with WeasyPrint, safely.

Documents are Jinja templates under templates/pdf/ (autoescaped: no user text
reaches WeasyPrint as markup). WeasyPrint may fetch only `data:` URLs, files
under the app's static folder and QR codes drawn here; anything else
(file:///etc/passwd, the network) is refused.

A document is laid out in the direction of its own language (`<html lang dir>`,
whoever reads it): right to left in Arabic, its stylesheet's sides logical
(`margin-inline-start` ...) so that one stylesheet serves both. Text that people
typed keeps its own direction inside it (`bidi`).
"""

import io
import mimetypes
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

import pikepdf
import segno
from markupsafe import Markup, escape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

import config as app_config
from meeting_app.core.i18n import text_direction

STATIC = (app_config.BASE_DIR / "static").resolve()
BASE_URL = "https://documents.invalid/"  # relative URLs resolve here, then to static/
QR_URL = BASE_URL + "qr/"


def direction(text: str) -> str:
    """The text's direction: right-to-left ("rtl") when its first strong character
    is (Arabic, Hebrew), as the Unicode bidi algorithm decides a paragraph's."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


def bidi(language: str) -> dict:
    """What a PDF template needs to write in `language`: `dir`, the page's
    direction, and `own(text)`, the text (escaped) keeping its own direction: in
    <bdi dir=...> where it differs from the page's (a Latin name, an e-mail
    address, a code in an Arabic letter; an Arabic name in an English one).
    WeasyPrint knows neither dir="auto" nor `unicode-bidi`, but lays an element
    with a `dir` out in that direction, as one piece among its neighbours."""
    page = text_direction(language)

    def own(text) -> Markup:
        text = "" if text is None else str(text)
        mine = direction(text)
        if mine == page or not text:
            return escape(text)
        return Markup('<bdi dir="{}">{}</bdi>').format(mine, text)

    return {"language": language, "dir": page, "direction": direction, "own": own}


class RenderError(RuntimeError):
    """The document could not be rendered; nothing stored is affected."""


class RefusedURL(FatalURLFetchingError):
    """A document asked for something outside static/ or data: (fatal: the render stops)."""


def qr_src(text: str) -> str:
    """An image URL for a QR code of `text`, drawn by the fetcher while WeasyPrint
    renders: in the worker process that renders the page, not before."""
    return QR_URL + quote(text, safe="")


def qr_png(text: str) -> bytes:
    # One pixel per module (the page scales it up without smoothing, see
    # `image-rendering: pixelated`), and a fixed mask: choosing the best of eight
    # masks takes five times as long and matters little for a code this short.
    out = io.BytesIO()
    segno.make(text, error="m", mask=0, boost_error=False).save(out, kind="png", scale=1, border=0)
    return out.getvalue()


class SafeFetcher(URLFetcher):
    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if url.startswith(QR_URL):
            png = qr_png(unquote(url.removeprefix(QR_URL)))
            return URLFetcherResponse(url, body=png, headers={"Content-Type": "image/png"})
        if url.startswith(BASE_URL + "static/"):
            path = (STATIC / unquote(parts.path).removeprefix("/static/")).resolve()
            if path.is_file() and STATIC in path.parents:
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, body=path.read_bytes(), headers={"Content-Type": kind}
                )
        raise RefusedURL(f"refused to fetch {url[:80]!r}")


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    """One per process: a new one per document loads the fonts again, and Pango's
    caches start cold; with it a one-badge PDF takes a third of the time."""
    return FontConfiguration()


@lru_cache(maxsize=32)
def stylesheet(css: str) -> CSS:
    """A parsed stylesheet, kept: parsing it again for each badge cost a third of
    the time of a one-badge PDF."""
    return CSS(string=css, base_url=BASE_URL, url_fetcher=SafeFetcher(), font_config=font_config())


# WeasyPrint matches every element against HTML's whole user-agent stylesheet (some
# 300 rules). Badges and the booklet use a dozen kinds of element, so they bring
# these defaults of HTML's instead: a quarter less time (bench/documents.py,
# bench/agenda.py). Indents are on the side where lines start (the right in
# Arabic), and `dir` sets the direction as HTML's own styles do.
BARE_USER_AGENT_CSS = """
html, body, div, p, section, header, h1, h2, h3, ul, dl, dt, dd { display: block }
li { display: list-item }
span, b, bdi { display: inline }
img { display: inline-block }
head, title, style, script, meta { display: none }
b, h1, h2, h3 { font-weight: bold }
p, ul, dl { margin: 1em 0 }
ul { padding-inline-start: 40px }
dd { margin-inline-start: 40px }
[dir=ltr] { direction: ltr }
[dir=rtl] { direction: rtl }
h1 { font-size: 2em; margin: 0.67em 0 }
h2 { font-size: 1.5em; margin: 0.83em 0 }
h3 { font-size: 1.17em; margin: 1em 0 }
"""


class BareHTML(HTML):
    """An HTML document with only the user-agent styles above."""

    def _ua_stylesheets(self, forms=False):
        return [stylesheet(BARE_USER_AGENT_CSS)]


def render_pdf(html: str, css: str = "", bare: bool = False) -> bytes:
    """`css` (if any) is a stylesheet shared by many documents, parsed once; `bare`
    documents get no user-agent styles beyond BARE_USER_AGENT_CSS."""
    try:
        kind = BareHTML if bare else HTML
        document = kind(string=html, base_url=BASE_URL, url_fetcher=SafeFetcher())
        return document.write_pdf(
            stylesheets=[stylesheet(css)] if css else None, font_config=font_config()
        )
    except RefusedURL:
        raise
    except Exception as error:  # WeasyPrint raises many kinds; the caller says it plainly
        raise RenderError(str(error)) from error


def render_each(
    documents: Sequence[str],
    css: str = "",
    *,
    bare: bool = False,
    done: Callable[[list[int], list[bytes]], None] | None = None,
) -> list[bytes]:
    """Each HTML document to a PDF of its own (badges, say), one after the other in
    this process: work is spread over processes and servers as tasks (documents/
    tasks.py), never by a process pool forked here, which can deadlock when forked
    from a threaded process. `done([index], [pdf])` is called as each is drawn."""
    results = []
    for index, html in enumerate(documents):
        results.append(render_pdf(html, css, bare))
        if done:
            done([index], results[-1:])
    return results


def join(pdfs: Sequence[bytes]) -> bytes:
    """The pages of `pdfs`, in order, as one PDF."""
    if len(pdfs) == 1:
        return pdfs[0]
    joined = pikepdf.new()
    copied: set[tuple[int, int]] = set()
    for pdf in pdfs:  # one open at a time (see own_streams)
        with pikepdf.open(io.BytesIO(pdf)) as source:
            first = len(joined.pages)
            joined.pages.extend(source.pages)
            for page in joined.pages[first:]:
                own_streams(page.obj, copied)
    return save(joined)


def own_streams(copied: pikepdf.Object, seen: set[tuple[int, int]] | None = None) -> None:
    """Gives the streams reachable from `copied` (just copied from another PDF)
    their data now, read from that PDF: copied streams otherwise read it only when
    the print is saved, which keeps every source PDF open until then (a print of 5,000 badges:
    some 300 MB). `seen`: objects already done, not walked again."""
    seen = set() if seen is None else seen
    pending = [copied]
    while pending:
        item = pending.pop()
        if not isinstance(item, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream):
            continue  # a number, a name, a string: nothing to own
        if item.is_indirect:
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
        if isinstance(item, pikepdf.Stream):
            item.write(
                item.read_raw_bytes(),
                filter=item.get("/Filter"),
                decode_parms=item.get("/DecodeParms"),
                type_check=False,
            )
            pending.extend(item.stream_dict.values())
        elif isinstance(item, pikepdf.Dictionary):
            pending.extend(value for key, value in item.items() if key != "/Parent")
        elif isinstance(item, pikepdf.Array):
            pending.extend(item)


def save(document: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
