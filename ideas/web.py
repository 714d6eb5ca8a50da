"""Small helpers shared by the views of every feature."""

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import request
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter

from ideas.domain import DomainError
from ideas.extensions import db

# The largest value of a 32-bit INTEGER column (ids), on SQLite and PostgreSQL alike.
MAX_DATABASE_INT = 2**31 - 1


@contextmanager
def transaction() -> Iterator[None]:
    """One commit per action: commit if the block succeeds, roll everything back if not."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's error next to the field it concerns, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def safe_next(default: str) -> str:
    """The `next` target from the form or query if it is a path on this site, else default."""
    target = request.form.get("next") or request.args.get("next") or ""
    parts = urlsplit(target)
    is_local_path = target.startswith("/") and not target.startswith("//")
    if is_local_path and "\\" not in target and not parts.netloc and not parts.scheme:
        return target
    return default


def referrer_path() -> str | None:
    """The path of the page that sent this request, if it is a page of this site."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def wants_json() -> bool:
    """True when the client (our fetch() enhancement) asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in our URLs: only numbers a database INTEGER column can hold.

    Werkzeug's converter takes any number of digits; a larger one would reach the
    database, which cannot compare it (SQLite raises OverflowError): a 500 instead of a 404.
    """

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_DATABASE_INT, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
