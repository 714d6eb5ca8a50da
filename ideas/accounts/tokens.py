"""Signed, expiring tokens for the links we email: password reset, registration, email change.

Each kind has its own itsdangerous salt, so a token of one kind is never accepted as
another. A reset token carries a fingerprint of the account's current password hash,
email and session token: setting a new password (or changing the email, or signing out
everywhere) changes the fingerprint, so a link works once and dies with its first use.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ideas.accounts.models import User

RESET_SALT = "ideas.accounts.password-reset"
REGISTER_SALT = "ideas.accounts.register"
EMAIL_CHANGE_SALT = "ideas.accounts.email-change"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def make_token(salt: str, payload: dict) -> str:
    """Sign a payload for an emailed link."""
    return _serializer(salt).dumps(payload)


def read_token(salt: str, token: str, max_age: int) -> dict | None:
    """The payload of a valid, unexpired token of this kind, else None."""
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except BadSignature:  # also SignatureExpired, a subclass
        return None
    return payload if isinstance(payload, dict) else None


def account_fingerprint(user: User) -> str:
    """A digest of what a reset link must still find unchanged for it to work."""
    material = "\x00".join((user.password_hash, user.email, user.session_token))
    return hashlib.sha256(material.encode()).hexdigest()[:32]
