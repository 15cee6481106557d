"""Error pages in the reader's language; never a stack trace."""

from babel.units import format_unit
from flask import Flask, Response, g, make_response, render_template, request
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from meeting_app.core import database
from meeting_app.core.uploads import MB
from meeting_app.extensions import db, login_manager

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Access denied"), _l("Your account does not give access to this page.")),
    404: (
        _l("Page not found"),
        _l("There is no page at this address. It may have moved, or the link may be mistyped."),
    ),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (
        _l("Too much sent at once"),
        _l("What you sent is larger than this page accepts, so nothing was saved."),
    ),
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

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error):
        # The body was refused unread: nothing of it reaches the page.
        if request.max_content_length is None:
            return render_error(413)
        limit = format_unit(
            request.max_content_length / MB, "digital-megabyte", "short", locale=get_locale()
        )
        return render_error(
            413,
            message=_(
                "What you sent is larger than this page accepts (at most %(limit)s), so "
                "nothing was saved. Go back and send less text, or a smaller file.",
                limit=limit,
            ),
        )

    @app.after_request
    def end_transaction(response):
        # Flask-SQLAlchemy ends the session in the app context's teardown, where an
        # error (the connection lost at the final rollback) escapes every handler
        # and the client gets a bare 500. Rolled back here (the views have committed
        # what they keep), an outage gets the 503 page and the teardown has nothing
        # left to send. Registered last, this runs before the other after_request
        # functions, so the page still gets the security headers.
        try:
            db.session.rollback()
        except OperationalError as error:
            return make_response(database_error(error))
        return response

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
