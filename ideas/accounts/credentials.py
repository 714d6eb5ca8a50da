"""Credential rules: registration by emailed link, password change and reset, email change.

None of these tells a visitor whether an address has an account: registering with an
address already in use, or asking a reset for one, answers exactly as for a new or
unknown one, and the email that goes out tells the address's owner what happened.

Services take `link`, a function that turns a token into an absolute URL (the views build
it from the route), so they stay free of HTTP. Every emailed link is signed, expires, and
is bound to what it changes (see `ideas.accounts.tokens`).
"""

from collections.abc import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from ideas.accounts import emails
from ideas.accounts.models import Department, User
from ideas.accounts.passwords import check_password_rules
from ideas.accounts.services import (
    clean_display_name,
    email_domain_allowed,
    end_all_sessions,
    get_user_by_email,
    hash_password,
    normalize_email,
)
from ideas.accounts.tokens import (
    EMAIL_CHANGE_SALT,
    REGISTER_SALT,
    RESET_SALT,
    account_fingerprint,
    make_token,
    read_token,
)
from ideas.domain import DomainError
from ideas.extensions import db

Link = Callable[[str], str]

INVALID_LINK = _l("This link is not valid or has expired. Please ask for a new one.")


def _check_domain(email: str, field: str) -> None:
    if not email_domain_allowed(email, current_app.config["ALLOWED_EMAIL_DOMAINS"]):
        raise DomainError(
            _l("Use your work email address; this domain is not accepted here."), field=field
        )


def _check_locale(locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Choose one of the offered languages."), field="locale")


# --- Registration -------------------------------------------------------------------------


def start_registration(
    email: str,
    display_name: str,
    password: str,
    department: Department | None,
    locale: str,
    link: Link,
    sign_in_url: str,
    reset_url: str,
) -> None:
    """Check a registration and email its owner: a link to finish, or a reminder if taken.

    No account is created until the link is followed, so nobody can hold an address they
    do not own. The same checks and the same (slow) password hashing run whether or not the
    address is taken, so neither the answer nor its timing tells the two apart.
    """
    email = normalize_email(email)
    _check_domain(email, "email")
    check_password_rules(password)
    _check_locale(locale)
    name = clean_display_name(display_name)
    password_hash = hash_password(password)
    existing = get_user_by_email(email)
    if existing is not None:
        if existing.is_active:
            emails.send_already_registered(
                existing.email, existing.locale, existing.display_name, sign_in_url, reset_url
            )
        return
    # The link carries the password's hash (signed, never the password itself), so that
    # nothing is stored for an address until its owner confirms it.
    token = make_token(
        REGISTER_SALT,
        {
            "e": email,
            "n": name,
            "d": department.id if department else None,
            "l": locale,
            "h": password_hash,
        },
    )
    emails.send_registration_link(email, locale, name, link(token))


def read_registration(token: str) -> dict | None:
    """The registration a link would finish, if the link is valid and unexpired."""
    payload = read_token(REGISTER_SALT, token, current_app.config["EMAIL_LINK_MAX_AGE"])
    if payload is None or not {"e", "n", "d", "l", "h"} <= payload.keys():
        return None
    return payload


def complete_registration(token: str) -> User:
    """Create the account a registration link describes; the link dies once used."""
    payload = read_registration(token)
    if payload is None:
        raise DomainError(INVALID_LINK)
    if get_user_by_email(payload["e"]) is not None:
        raise DomainError(
            _l("This link was already used. Sign in, or reset your password if you forgot it.")
        )
    _check_domain(payload["e"], "email")
    department = db.session.get(Department, payload["d"]) if payload["d"] else None
    locale = payload["l"] if payload["l"] in current_app.config["LANGUAGES"] else "en"
    user = User(
        email=payload["e"],
        display_name=payload["n"],
        password_hash=payload["h"],
        department=department,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    return user


# --- Password change and reset ------------------------------------------------------------


def change_password(actor: User, current_password: str, new_password: str, reset_url: str):
    """Change the actor's password after checking the current one; end their other sessions."""
    if not check_password_hash(actor.password_hash, current_password):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    check_password_rules(new_password, field="new_password")
    actor.password_hash = hash_password(new_password)
    end_all_sessions(actor)
    emails.send_password_changed(actor.email, actor.locale, actor.display_name, reset_url)
    return actor


def request_password_reset(email: str, link: Link) -> None:
    """Email a reset link if the address belongs to an active account; say nothing either way."""
    user = get_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = make_token(RESET_SALT, {"u": user.id, "f": account_fingerprint(user)})
    emails.send_password_reset(user.email, user.locale, user.display_name, link(token))


def user_for_reset_token(token: str) -> User | None:
    """The account a reset link is for, while the link is unexpired and unused."""
    payload = read_token(RESET_SALT, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if payload is None or not isinstance(payload.get("u"), int):
        return None
    user = db.session.get(User, payload["u"])
    if user is None or not user.is_active or payload.get("f") != account_fingerprint(user):
        return None
    return user


def reset_password(token: str, new_password: str, reset_url: str) -> User:
    """Set a new password through a reset link; the link and every session then end."""
    user = user_for_reset_token(token)
    if user is None:
        raise DomainError(INVALID_LINK)
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)  # also changes the fingerprint: this link is now spent
    emails.send_password_changed(user.email, user.locale, user.display_name, reset_url)
    return user


# --- Email change -------------------------------------------------------------------------


def start_email_change(actor: User, new_email: str, link: Link) -> None:
    """Email a confirmation link to the new address (or a notice, if it is someone's)."""
    new_email = normalize_email(new_email)
    _check_domain(new_email, "email")
    if new_email == actor.email:
        raise DomainError(_l("This is already your email address."), field="email")
    owner = get_user_by_email(new_email)
    if owner is not None:
        if owner.is_active:
            emails.send_email_taken(owner.email, owner.locale, owner.display_name)
        return
    token = make_token(
        EMAIL_CHANGE_SALT, {"u": actor.id, "e": new_email, "f": account_fingerprint(actor)}
    )
    emails.send_email_change_link(new_email, actor.locale, actor.display_name, link(token))


def email_change_account(token: str) -> int | None:
    """The id of the account an email-change link was made for, if the link is genuine."""
    payload = read_token(EMAIL_CHANGE_SALT, token, current_app.config["EMAIL_LINK_MAX_AGE"])
    user_id = payload.get("u") if payload else None
    return user_id if isinstance(user_id, int) else None


def read_email_change(actor: User, token: str) -> str | None:
    """The new address a confirmation link sets for the actor, if valid, unexpired, unused."""
    payload = read_token(EMAIL_CHANGE_SALT, token, current_app.config["EMAIL_LINK_MAX_AGE"])
    if payload is None or payload.get("u") != actor.id or not isinstance(payload.get("e"), str):
        return None
    if payload.get("f") != account_fingerprint(actor):
        return None
    return payload["e"]


def confirm_email_change(actor: User, token: str, reset_url: str) -> User:
    """Move the actor to the confirmed address; tell the old one; end other sessions."""
    new_email = read_email_change(actor, token)
    if new_email is None:
        raise DomainError(INVALID_LINK)
    if get_user_by_email(new_email) is not None:
        raise DomainError(_l("Another account now uses this address. Nothing was changed."))
    _check_domain(new_email, "email")
    old_email = actor.email
    actor.email = new_email
    end_all_sessions(actor)  # also spends this link
    emails.send_email_changed(old_email, actor.locale, actor.display_name, reset_url)
    return actor
