"""The password policy: 12 to 128 characters, and not one of the commonly used passwords.

ASVS 5.0 (6.2) asks for at least 12 characters, at most 128 or more, any character
allowed, no composition rules, and a check against a list of common passwords. The list
ships with the project (`common_passwords.txt`, origin in its header) and is compared
case-insensitively: "PasswordPassword" is no better than "passwordpassword".
"""

from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ideas.domain import DomainError

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, casefolded (read once per process)."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as handle:
        return frozenset(
            line.strip().casefold() for line in handle if line.strip() and line[0] != "#"
        )


def is_common_password(password: str) -> bool:
    """True if the password, ignoring case, is on the common-passwords list."""
    return password.casefold() in common_passwords()


def check_password_rules(password: str, field: str = "password") -> None:
    """Refuse a password outside the configured lengths or on the common list."""
    low = current_app.config["PASSWORD_MIN_LENGTH"]
    high = current_app.config["PASSWORD_MAX_LENGTH"]
    if len(password) < low:
        raise DomainError(_l("Use at least %(count)d characters.", count=low), field=field)
    if len(password) > high:
        raise DomainError(_l("Use at most %(count)d characters.", count=high), field=field)
    if is_common_password(password):
        raise DomainError(
            _l("This password is too common and easy to guess. Choose another one."),
            field=field,
        )
