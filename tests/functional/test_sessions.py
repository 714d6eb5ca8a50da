"""Sessions: the session token in every cookie, sign-out everywhere, closed accounts, cookies.

A session (and a remember-me cookie) names the account *and* its current session token;
replacing the token ends every session made before. These tests copy cookies between
test clients to play the part of a second device, or of a thief holding a copied cookie.
"""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest

from ideas.accounts.models import User
from ideas.extensions import db
from ideas.timeutil import utcnow
from tests.conftest import PASSWORD

REMEMBER = "remember_token"


def _is_signed_in(client) -> bool:
    response = client.get("/profile")
    if response.status_code == 302:
        assert urlsplit(response.location).path == "/sign-in"
        return False
    assert response.status_code == 200
    return True


def _device(app):
    """Another browser."""
    return app.test_client()


def _sign_in(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/sign-in", data=data)
    assert response.status_code == 302, response.text
    return response


def _copy_cookies(source, target) -> None:
    """Give `target` every cookie `source` holds: a copied (or stolen) cookie jar."""
    for name in ("session", REMEMBER):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def _remember_only(app, client):
    """A browser holding nothing but `client`'s remember-me cookie (a restart, a thief)."""
    other = _device(app)
    other.set_cookie(REMEMBER, client.get_cookie(REMEMBER).value)
    return other


def _token(app, user) -> str:
    with app.app_context():
        return db.session.get(User, user.id).session_token


# --- The session id -----------------------------------------------------------------------


def test_the_session_id_is_the_user_id_and_session_token(app, client, make_user):
    user = make_user()
    _sign_in(client, user)
    with client.session_transaction() as session:
        assert session["_user_id"] == f"{user.id}:{_token(app, user)}"


def test_a_session_naming_only_the_user_id_is_refused(app, client, make_user):
    # The format before session tokens (and a forged cookie without the token).
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not _is_signed_in(client)


def test_a_session_with_a_wrong_token_is_refused(app, client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:guessed-token"
    assert not _is_signed_in(client)


# --- Signing out --------------------------------------------------------------------------


def test_sign_out_makes_a_copy_of_the_session_cookie_worthless(app, client, make_user):
    user = make_user()
    _sign_in(client, user)
    thief = _device(app)
    _copy_cookies(client, thief)
    assert _is_signed_in(thief)

    client.post("/sign-out")

    assert not _is_signed_in(client)
    assert not _is_signed_in(thief)


def test_sign_out_ends_the_other_devices_and_remember_cookies_too(app, client, make_user):
    user = make_user()
    phone = _device(app)
    _sign_in(phone, user, remember=True)
    laptop_remembered = _remember_only(app, phone)
    assert _is_signed_in(laptop_remembered)
    _sign_in(client, user)

    client.post("/sign-out")

    assert not _is_signed_in(phone)
    assert not _is_signed_in(_remember_only(app, phone))


def test_sign_out_rotates_the_session_token(app, client, make_user):
    user = make_user()
    before = _token(app, user)
    _sign_in(client, user)
    client.post("/sign-out")
    assert _token(app, user) != before


def test_signing_out_when_signed_out_changes_nothing(client):
    response = client.post("/sign-out")
    assert response.status_code == 302


# --- Sign out everywhere ------------------------------------------------------------------


def test_sign_out_everywhere_keeps_this_browser_and_ends_every_other(app, client, make_user):
    user = make_user()
    other = _device(app)
    _sign_in(other, user, remember=True)
    remembered_elsewhere = _remember_only(app, other)
    _sign_in(client, user, remember=True)
    before = _token(app, user)

    response = client.post("/account/sign-out-everywhere")

    assert response.status_code == 302
    assert response.location == "/account"
    assert "You are signed out on every other device." in client.get("/account").text
    assert _token(app, user) != before
    assert not _is_signed_in(other)
    assert not _is_signed_in(remembered_elsewhere)
    assert _is_signed_in(client)
    # This browser's remember cookie was renewed with the new token and still works.
    assert _is_signed_in(_remember_only(app, client))


def test_sign_out_everywhere_needs_a_post_with_csrf(app, client, make_user):
    user = make_user()
    _sign_in(client, user)
    before = _token(app, user)
    assert client.get("/account/sign-out-everywhere").status_code == 405
    assert client.post("/account/sign-out-everywhere", csrf=False).status_code == 400
    assert _token(app, user) == before


def test_sign_out_everywhere_does_not_make_a_remembered_session_fresh(app, client, make_user):
    user = make_user()
    _sign_in(client, user, remember=True)
    restored = _remember_only(app, client)
    assert _is_signed_in(restored)
    # Restored from the remember cookie: not fresh, so the email page asks for the password.
    assert urlsplit(restored.get("/account/email").location).path == "/sign-in/again"


# --- Closed accounts ----------------------------------------------------------------------


def _close(app, user, how: str) -> None:
    with app.app_context():
        row = db.session.get(User, user.id)
        if how == "deactivated":
            row.active = False
        else:
            row.deleted_at = utcnow()
        db.session.commit()


@pytest.mark.parametrize("how", ["deactivated", "deleted"])
def test_a_closed_account_cannot_sign_in(app, client, make_user, how):
    user = make_user()
    _close(app, user, how)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 422
    assert "The email or password is not correct." in response.text
    assert not _is_signed_in(client)


@pytest.mark.parametrize("how", ["deactivated", "deleted"])
def test_closing_an_account_ends_its_sessions_and_remember_cookies(app, client, make_user, how):
    user = make_user()
    _sign_in(client, user, remember=True)
    remembered = _remember_only(app, client)
    _close(app, user, how)
    assert not _is_signed_in(client)
    assert not _is_signed_in(remembered)


# --- Cookies ------------------------------------------------------------------------------


def _set_cookie(response, name: str) -> set[str]:
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = [part.strip() for part in header.split(";")]
        if first.partition("=")[0] == name:
            return {attribute.lower() for attribute in attributes}
    raise AssertionError(f"no Set-Cookie for {name}")


def test_cookies_are_httponly_lax_and_not_secure_over_http_by_default(client, make_user):
    response = _sign_in(client, make_user(), remember=True)
    for name in ("session", REMEMBER):
        attributes = _set_cookie(response, name)
        assert "httponly" in attributes
        assert "samesite=lax" in attributes
        assert "secure" not in attributes


def test_cookies_are_secure_when_configured(app, client, make_user):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    response = _sign_in(client, make_user(), remember=True)
    for name in ("session", REMEMBER):
        assert "secure" in _set_cookie(response, name)


def test_https_as_preferred_scheme_makes_cookies_secure_by_default(monkeypatch):
    import importlib

    import config as config_module

    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    try:
        reloaded = importlib.reload(config_module)
        assert reloaded.Config.SESSION_COOKIE_SECURE is True
        assert reloaded.Config.REMEMBER_COOKIE_SECURE is True
        monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")
        assert importlib.reload(config_module).Config.SESSION_COOKIE_SECURE is False
    finally:
        monkeypatch.undo()
        importlib.reload(config_module)


def _expires_in(response) -> timedelta:
    """How far in the future the remember cookie's Expires attribute lies."""
    attributes = _set_cookie(response, REMEMBER)
    expires = next(a for a in attributes if a.startswith("expires="))
    when = parsedate_to_datetime(expires.partition("=")[2])
    return when - datetime.now(UTC)


def test_remember_cookie_lasts_fourteen_days_by_default(app, client, make_user):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    lifetime = _expires_in(_sign_in(client, make_user(), remember=True))
    assert timedelta(days=13, hours=23) < lifetime <= timedelta(days=14)


def test_remember_cookie_lifetime_is_configurable(app, client, make_user):
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=3)
    lifetime = _expires_in(_sign_in(client, make_user(), remember=True))
    assert timedelta(days=2, hours=23) < lifetime <= timedelta(days=3)
