"""Pages that belong to no domain: the language choice and the health check."""

from collections.abc import Iterable
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    request,
    session,
    url_for,
)

from meeting_app.core import database, tasks
from meeting_app.core.i18n import SESSION_KEY
from meeting_app.extensions import db

bp = Blueprint("core", __name__)


def safe_next(target: str | None, fallback: str) -> str:
    """Only a path on this site: no scheme, no host (no open redirect)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    # Browsers read "/\evil.example" and "/\t/evil.example" as "//evil.example".
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return fallback
    return target


def attachment(body: bytes | Iterable[bytes], filename: str, mimetype: str) -> Response:
    """A download; `filename` is ours (slugs and fixed words), never user text.
    `body` may be an iterable of pieces: a streamed download.
    `mimetype` is the Content-Type as sent: Werkzeug would add a second charset to
    a text type that names one already ("text/csv; charset=utf-8; charset=utf-8")."""
    return Response(
        body,
        content_type=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def private_page(response) -> Response:
    """For pages reached by a secret link: not cached, and the link is not sent on
    to other sites as a Referer."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/language")
def set_language():
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    session[SESSION_KEY] = language
    return redirect(safe_next(request.form.get("next"), url_for("meetings.home")))


@bp.get("/healthz")
def healthz():
    """Liveness and database check for load balancers: 200 only when the database
    answers and its schema is at the newest migration; also how background work
    fares (the broker, a worker seen lately), each given a fraction of a second."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            migrations = database.migration_state(connection)
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("Health check: database unreachable")
        return jsonify(status="error", database="unreachable"), 503
    healthy = migrations == "current"
    body = {"status": "ok" if healthy else "error", "database": "ok", "migrations": migrations}
    # Reported, not counted against this server: without a broker or a worker the
    # pages still work and the mails wait (see README, "Background work").
    body.update(tasks.worker_status())
    return jsonify(body), 200 if healthy else 503
