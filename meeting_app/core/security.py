"""Headers every response carries, and the site's public address for links that
leave the site (e-mails, calendar feeds, QR codes).

The Content-Security-Policy allows scripts from our own files only (no inline
script, no `eval`), so that text which slipped past escaping still could not
run. Styles may be inline: badge colours and a few widths are set that way, and
CSS cannot run code.
"""

from flask import Flask, abort, current_app, has_request_context, request, url_for
from werkzeug.routing import IntegerConverter

from meeting_app.core.database import MAX_ID

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    # The desk's scan page uses the camera; nothing else may.
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if current_app.config["HSTS_SECONDS"]:
        headers.setdefault(
            "Strict-Transport-Security",
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains",
        )
    return response


def public_base_url() -> str:
    """'https://meetings.example.org': the configured PUBLIC_URL, never a Host header
    someone sent (which would put their address in our e-mails); the request's
    own address only where none is configured (development, tests)."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    return request.host_url.rstrip("/") if has_request_context() else ""


def absolute_url(endpoint: str, **values) -> str:
    return public_base_url() + url_for(endpoint, **values)


def refuse_nul_bytes():
    """No address or search here holds a NUL byte, and PostgreSQL refuses one in any
    text it compares: such a request is answered 404 (address) or 400 (search)
    before a query fails with a 500. Forms refuse them with a field error."""
    if "\x00" in request.path:
        abort(404)
    if any("\x00" in key + value for key, value in request.args.items(multi=True)):
        abort(400)


class IdConverter(IntegerConverter):
    """`<int:...>` in every address: a number past the id range is a 404 like any
    unknown id, rather than a 500 from the database."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


def install(app: Flask) -> None:
    """Called before the blueprints are registered (their rules use the converter)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)
    app.after_request(security_headers)
    public_url = app.config.get("PUBLIC_URL")
    if public_url and not app.config.get("TRUSTED_HOSTS"):
        # Requests naming another host are refused (400) before any view runs.
        from urllib.parse import urlsplit

        app.config["TRUSTED_HOSTS"] = [urlsplit(public_url).hostname]
