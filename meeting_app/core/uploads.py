"""How much a request may send. MAX_CONTENT_LENGTH (config.py) holds for every
request: a form of text fits well within it, and Werkzeug refuses a larger body
(413) from its Content-Length, or as soon as a streamed one passes the limit,
instead of reading it whole. Views that take a file say how much they accept
with @accepts_upload."""

from collections.abc import Callable

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

MB = 1_000_000  # the unit the 413 page names (CLDR's "digital-megabyte")


def accepts_upload(max_bytes: int | Callable[[], int]):
    """Marks a view that takes a file: its requests may send up to `max_bytes` (or
    what `max_bytes()` answers, when the limit is a setting read at each request)."""

    def mark(view):
        view.max_content_length = max_bytes
        return view

    return mark


def install(app: Flask) -> None:
    """Called before the extensions: CSRF reads the form in its own before_request
    hook, which must already see the view's limit."""

    @app.before_request
    def apply_view_limit():
        view = app.view_functions.get(request.endpoint or "")
        limit = getattr(view, "max_content_length", None)
        if callable(limit):
            limit = limit()
        if limit is not None:
            request.max_content_length = limit
        # A chunked body (no Content-Length): Werkzeug stops reading it at the limit,
        # but then parses a form from what it read without a word (and CSRF would
        # call it an expired form). Read that much here (kept for the form), and
        # refuse a body that reached the limit.
        limit = request.max_content_length
        streamed = request.content_length is None and request.environ.get("wsgi.input_terminated")
        if streamed and limit is not None and len(request.get_data(cache=True)) >= limit:
            raise RequestEntityTooLarge()
