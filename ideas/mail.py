"""Outgoing email through SMTP, or into the application log when no server is configured.

Settings (see config.py): MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD,
MAIL_USE_TLS (STARTTLS), MAIL_SENDER, MAIL_TIMEOUT.

With MAIL_SERVER set, messages are handed to the server on a background thread, so a
request that sends mail (a password reset for an address that has an account) answers as
fast as one that does not (an unknown address): the response time tells nothing about
which addresses have accounts. A delivery failure is logged, never shown to the visitor.

With no MAIL_SERVER (a newcomer trying the site on a laptop), the message is written to
the application log at WARNING level instead, so password-reset and registration links
still reach them. Such a log holds live links: configure a server in production.
"""

import smtplib
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

# Threads still delivering, so tests and a clean shutdown can wait for them.
_pending: set[threading.Thread] = set()
_pending_lock = threading.Lock()


def build_message(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    """A plain-text UTF-8 message with the headers every mail server expects."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(body)
    return message


def send_email(to: str, subject: str, body: str) -> None:
    """Send a plain-text message: through SMTP if configured, else into the log."""
    config = current_app.config
    message = build_message(to, subject, body, config["MAIL_SENDER"])
    if not config.get("MAIL_SERVER"):
        # The recipient's address stays out of the log (logs carry no emails of people);
        # whoever is trying the site knows which address they just typed.
        current_app.logger.warning(
            "No MAIL_SERVER is configured, so this email was not sent.\nSubject: %s\n\n%s",
            subject,
            body,
        )
        return
    settings = {
        key: config.get(key)
        for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS")
    }
    settings["MAIL_TIMEOUT"] = config.get("MAIL_TIMEOUT", 10)
    logger = current_app.logger
    thread = threading.Thread(
        target=_deliver_and_forget, args=(settings, message, logger), daemon=True
    )
    with _pending_lock:
        _pending.add(thread)
    thread.start()


def deliver(settings: dict, message: EmailMessage) -> None:
    """Hand one message to the SMTP server described by `settings` (raises on failure)."""
    with smtplib.SMTP(
        settings["MAIL_SERVER"], int(settings["MAIL_PORT"]), timeout=settings["MAIL_TIMEOUT"]
    ) as smtp:
        if settings.get("MAIL_USE_TLS"):
            smtp.starttls()
        if settings.get("MAIL_USERNAME"):
            smtp.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _deliver_and_forget(settings: dict, message: EmailMessage, logger) -> None:
    """Deliver on a background thread; log a failure without the recipient's address."""
    try:
        deliver(settings, message)
    except (OSError, smtplib.SMTPException) as error:
        logger.error("Could not send the email %r: %s", str(message["Subject"]), error)
    finally:
        with _pending_lock:
            _pending.discard(threading.current_thread())


def wait_for_deliveries(timeout: float = 10.0) -> None:
    """Wait until every message handed to a background thread has been delivered or failed."""
    with _pending_lock:
        threads = list(_pending)
    for thread in threads:
        thread.join(timeout)
