"""Error handlers: every HTTP error and any crash gets a page in the site's own look."""

from flask import Flask, abort, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from ideas.extensions import db
from ideas.web import wants_json

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (
        _l("Page not found"),
        _l("There is nothing at this address. It may have moved or been removed."),
    ),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    422: (_l("Could not process"), _l("Some of what you sent could not be processed.")),
    429: (_l("Too many requests"), _l("Please wait a moment before trying again.")),
    500: (
        _l("Something went wrong"),
        _l(
            "An unexpected error happened on our side. "
            "Nothing you entered was saved; please try again."
        ),
    ),
}


def render_error(code: int, detail: str | None = None):
    """Render the error page (or JSON, for our fetch() calls) for an HTTP status."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        return jsonify(error=str(detail or message)), code
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def reject_nul_bytes() -> None:
    """Refuse a request whose query or form holds a NUL character (never legitimate text).

    PostgreSQL cannot store NUL in text, so without this a stray byte would become a 500.
    """
    for values in (request.args, request.form):
        if any("\x00" in key + value for key, value in values.items(multi=True)):
            abort(400)


def _is_out_of_range(error: DataError) -> bool:
    """True when the database refused a number too large for its column or expression."""
    return isinstance(error.orig, OverflowError) or "out of range" in str(error.orig)


def register(app: Flask) -> None:
    """Register the handlers on the app."""
    app.before_request(reject_nul_bytes)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400, str(_l("This form has expired or was not sent from this site. Please try again."))
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        body, code = render_error(error.code)
        # Keep the exception's own headers besides its body, such as Allow on a 405.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, code, headers

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def number_out_of_range(error: Exception):
        # A number from the request (a page, an id in a filter or form) beyond what the
        # database holds: SQLite raises OverflowError, PostgreSQL "out of range". That is a
        # bad request, answered in one place for every parser; any other DataError is a bug.
        if isinstance(error, DataError) and not _is_out_of_range(error):
            return unexpected_error(error)
        db.session.rollback()
        app.logger.warning("Number out of range refused: %s", error)
        return render_error(400)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # Anything unexpected: roll back so no half-done work is kept, log, and apologise.
        db.session.rollback()
        app.logger.exception("Unhandled error", exc_info=error)
        return render_error(InternalServerError.code)
