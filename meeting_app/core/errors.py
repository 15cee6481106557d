"""Error pages in the reader's language; never a stack trace."""

from flask import Flask, Response, g, make_response, render_template
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException

from meeting_app.core import database
from meeting_app.extensions import db, login_manager

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Access denied"), _l("Your account does not give access to this page.")),
    404: (
        _l("Page not found"),
        _l("There is no page at this address. It may have moved, or the link may be mistyped."),
    ),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Please wait a minute and try again."),
    ),
    503: (
        _l("Briefly unavailable"),
        _l(
            "The service cannot reach its database at the moment. Nothing you sent was "
            "saved; please try again in a minute."
        ),
    ),
    500: (
        _l("Something went wrong"),
        _l(
            "An unexpected error occurred. Nothing you sent was half-saved; "
            "please try again in a moment."
        ),
    ),
}


def render_error(status: int, title=None, message=None, template: str = "errors/error.html"):
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    if request_ctx.url_adapter is None:
        # The request named a host this site does not answer to: no page can be
        # built (its links need the host), so a plain answer.
        return Response(str(default_message), status, mimetype="text/plain")
    return (
        render_template(
            template,
            status=status,
            title=title or default_title,
            message=message or default_message,
        ),
        status,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        db.session.rollback()
        return render_error(
            400,
            _l("This form has expired"),
            _l(
                "The form was too old or was not sent from this site, so nothing was saved. "
                "Go back, reload the page and send it again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(ProgrammingError)
    def database_error(error):
        db.session.rollback()
        # The page is shown as to a visitor: loading the signed-in account would
        # need the database again, and fail inside this handler.
        g._login_user = login_manager.anonymous_user()
        if database.is_missing_schema_error(error):
            database.log_missing_schema()
            return render_error(503, template="errors/not_migrated.html")
        if isinstance(error, OperationalError):
            # The server is down, restarting, or dropped the connection: the
            # transaction was rolled back as a whole, and the pool reconnects
            # (pool_pre_ping) when the database is back.
            app.logger.error("Database unavailable: %s", getattr(error, "orig", error))
            response = make_response(render_error(503))
            response.headers["Retry-After"] = "30"
            return response
        app.logger.exception("Database error")
        return render_error(500)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return render_error(500)
