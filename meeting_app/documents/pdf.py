"""Rendering HTML to PDF with WeasyPrint, safely and in parallel.

Documents are Jinja templates under templates/pdf/ (autoescaped: no user text
reaches WeasyPrint as markup). WeasyPrint may fetch only `data:` URLs and files
under the app's static folder; anything else (file:///etc/passwd, the network)
is refused.
"""

import io
import mimetypes
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from urllib.parse import unquote, urlsplit

from pypdf import PdfReader, PdfWriter
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

import config as app_config

STATIC = (app_config.BASE_DIR / "static").resolve()
BASE_URL = "https://documents.invalid/"  # relative URLs resolve here, then to static/


class RenderError(RuntimeError):
    """The document could not be rendered; nothing stored is affected."""


class RefusedURL(FatalURLFetchingError):
    """A document asked for something outside static/ or data: (fatal: the render stops)."""


class SafeFetcher(URLFetcher):
    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if url.startswith(BASE_URL + "static/"):
            path = (STATIC / unquote(parts.path).removeprefix("/static/")).resolve()
            if path.is_file() and STATIC in path.parents:
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, body=path.read_bytes(), headers={"Content-Type": kind}
                )
        raise RefusedURL(f"refused to fetch {url[:80]!r}")


def render_pdf(html: str) -> bytes:
    try:
        return HTML(string=html, base_url=BASE_URL, url_fetcher=SafeFetcher()).write_pdf()
    except RefusedURL:
        raise
    except Exception as error:  # WeasyPrint raises many kinds; the caller says it plainly
        raise RenderError(str(error)) from error


def render_many(html_parts: list[str], workers: int | None = None) -> bytes:
    """Renders independent HTML documents (chunks of badges, say) in parallel worker
    processes and joins their pages into one PDF."""
    if len(html_parts) == 1:
        return render_pdf(html_parts[0])
    workers = workers or min(len(html_parts), os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        pdfs = list(pool.map(render_pdf, html_parts))
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
