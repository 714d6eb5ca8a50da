"""Fresh sign-in: sensitive changes need a password typed in the last few minutes.

Changing the role, the email address or deleting the account must not be possible with a
stolen remember-me cookie or a browser left signed in for days. Flask-Login marks a session
"fresh" when the password was typed and stale when it was restored from the remember cookie;
we also stamp the time of the last password check, so a session signed in with a password
long ago is not fresh for ever. `fresh_sign_in_required` sends anyone not fresh enough to
the re-authentication page, which brings them back to where they were.
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import confirm_login, current_user, login_fresh

from ideas.web import referrer_path, wants_json

# When the password was last checked in this session (seconds since the epoch).
FRESH_AT_KEY = "_fresh_at"


def mark_fresh() -> None:
    """Record that the password was just typed (after sign-in or re-authentication)."""
    confirm_login()
    session[FRESH_AT_KEY] = int(time.time())


def is_fresh() -> bool:
    """True if this session's password check is recent enough for a sensitive change."""
    if not current_user.is_authenticated or not login_fresh():
        return False
    fresh_at = session.get(FRESH_AT_KEY)
    if not isinstance(fresh_at, int):
        return False
    age = time.time() - fresh_at
    return 0 <= age <= current_app.config["FRESH_SIGN_IN_SECONDS"]


def redirect_and_return(endpoint: str, message: str):
    """Send the visitor to `endpoint` (sign in, or type the password again), then back here.

    A fetch() request gets the message as JSON with 401; a page gets it flashed and a
    redirect carrying the address to come back to in `next`.
    """
    if wants_json():
        return jsonify(error=message), 401
    flash(message, "info")
    if request.method == "GET":
        target = request.full_path.rstrip("?")
    else:
        # A form posted from a page (a vote, say): return to that page, since the
        # POST-only address itself cannot be shown again afterwards.
        target = referrer_path() or url_for("main.home")
    return redirect(url_for(endpoint, next=target))


def redirect_to_reauthenticate():
    """Ask for the password again, then come back to this page (or the page that posted)."""
    return redirect_and_return(
        "accounts.reauthenticate",
        _("For your security, please enter your password again to continue."),
    )


def fresh_sign_in_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a view that changes something sensitive: signed in, with a recent password."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if request.method == "OPTIONS":
            return current_app.ensure_sync(view)(*args, **kwargs)
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not is_fresh():
            return redirect_to_reauthenticate()
        return current_app.ensure_sync(view)(*args, **kwargs)

    return wrapped
