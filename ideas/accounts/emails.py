"""The emails the accounts feature sends, written in the recipient's language.

Plain text only: nothing in them is rendered as HTML, so a display name cannot inject
markup. Each message is one translated template with named placeholders.
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ideas.mail import send_email


def _minutes(seconds: int) -> int:
    return max(1, round(seconds / 60))


def _hours(seconds: int) -> int:
    return max(1, round(seconds / 3600))


def send_password_reset(to: str, locale: str, name: str, url: str) -> None:
    """The link to choose a new password."""
    minutes = _minutes(current_app.config["PASSWORD_RESET_MAX_AGE"])
    with force_locale(locale):
        subject = _("Reset your Ideas password")
        body = _(
            "Hello %(name)s,\n\n"
            "Someone, probably you, asked to reset the password of your Ideas account. "
            "To choose a new password, open this link within %(minutes)s minutes:\n\n"
            "%(url)s\n\n"
            "The link works once. If you did not ask for it, ignore this message: "
            "your password stays as it is.\n",
            name=name,
            minutes=minutes,
            url=url,
        )
    send_email(to, subject, body)


def send_password_changed(to: str, locale: str, name: str, reset_url: str) -> None:
    """A notice that the password was changed, with the way back if it was not them."""
    with force_locale(locale):
        subject = _("Your Ideas password was changed")
        body = _(
            "Hello %(name)s,\n\n"
            "The password of your Ideas account was just changed, and every other device "
            "was signed out. If you did not do this, reset your password now:\n\n"
            "%(url)s\n",
            name=name,
            url=reset_url,
        )
    send_email(to, subject, body)


def send_registration_link(to: str, locale: str, name: str, url: str) -> None:
    """The link that finishes creating an account (proving the address is theirs)."""
    hours = _hours(current_app.config["EMAIL_LINK_MAX_AGE"])
    with force_locale(locale):
        subject = _("Finish creating your Ideas account")
        body = _(
            "Hello %(name)s,\n\n"
            "To finish creating your Ideas account, open this link within %(hours)s hours:\n\n"
            "%(url)s\n\n"
            "If you did not ask for an account, ignore this message: nothing is created "
            "without this link.\n",
            name=name,
            hours=hours,
            url=url,
        )
    send_email(to, subject, body)


def send_already_registered(to: str, locale: str, name: str, sign_in_url: str, reset_url: str):
    """Tell an account's owner that someone tried to register again with their address."""
    with force_locale(locale):
        subject = _("You already have an Ideas account")
        body = _(
            "Hello %(name)s,\n\n"
            "Someone, probably you, tried to create an Ideas account with this address, "
            "but you already have one. Sign in here:\n\n"
            "%(sign_in_url)s\n\n"
            "If you forgot your password, choose a new one here:\n\n"
            "%(reset_url)s\n\n"
            "If it was not you, ignore this message: nothing was changed.\n",
            name=name,
            sign_in_url=sign_in_url,
            reset_url=reset_url,
        )
    send_email(to, subject, body)


def send_email_change_link(to: str, locale: str, name: str, url: str) -> None:
    """The link, sent to the new address, that confirms an email change."""
    hours = _hours(current_app.config["EMAIL_LINK_MAX_AGE"])
    with force_locale(locale):
        subject = _("Confirm your new Ideas email address")
        body = _(
            "Hello %(name)s,\n\n"
            "To use this address for your Ideas account, open this link within "
            "%(hours)s hours while signed in:\n\n"
            "%(url)s\n\n"
            "If you did not ask for this, ignore this message.\n",
            name=name,
            hours=hours,
            url=url,
        )
    send_email(to, subject, body)


def send_email_taken(to: str, locale: str, name: str) -> None:
    """Tell an address's owner that another account tried to take their address."""
    with force_locale(locale):
        subject = _("Your Ideas email address")
        body = _(
            "Hello %(name)s,\n\n"
            "Someone tried to move another Ideas account to this address, which is already "
            "yours. Nothing was changed, and you need not do anything.\n",
            name=name,
        )
    send_email(to, subject, body)


def send_email_changed(to: str, locale: str, name: str, reset_url: str) -> None:
    """A notice to the old address that the account now uses another one."""
    with force_locale(locale):
        subject = _("Your Ideas email address was changed")
        body = _(
            "Hello %(name)s,\n\n"
            "Your Ideas account now uses another email address, and every other device was "
            "signed out. If you did not do this, contact the Ideas administrators, or reset "
            "your password here:\n\n"
            "%(url)s\n",
            name=name,
            url=reset_url,
        )
    send_email(to, subject, body)
