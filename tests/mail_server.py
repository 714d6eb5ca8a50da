"""A real SMTP server on loopback for tests that send email (aiosmtpd), and its fixture.

Use it from any test module::

    from tests.mail_server import mail_server  # noqa: F401 - the fixture

    def test_something(app, client, mail_server):
        ...  # the app's MAIL_SERVER / MAIL_PORT now point at it
        message = mail_server.wait_for(1)[0]   # email.message.EmailMessage
        assert message["To"] == "ada@example.gc.ca"

The app hands messages to SMTP on a background thread, so `wait_for` waits (up to a
generous bound) for them to arrive instead of reading the list at once.
"""

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from ideas.mail import wait_for_deliveries


@dataclass
class ReceivedMail:
    """One message as the server received it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class _Recorder:
    """The aiosmtpd handler: keeps every message it is given."""

    received: list[ReceivedMail] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        """Parse and keep the message, then accept it."""
        # Lines arrive with SMTP's CRLF endings; tests compare them with Python's "\n".
        content = envelope.content.replace(b"\r\n", b"\n")
        message = email.message_from_bytes(content, policy=email.policy.default)
        with self.arrived:
            self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 OK"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """An SMTP server on 127.0.0.1 that records what it receives."""

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        """Listen on a free port; with `credentials`, require SMTP AUTH with them."""
        self.host = "127.0.0.1"
        self.port = free_port()
        self._recorder = _Recorder()
        self.logins: list[str] = []
        options = {}
        if credentials is not None:
            options = {
                "auth_required": True,
                "auth_require_tls": False,  # loopback only; production uses MAIL_USE_TLS
                "authenticator": self._authenticator(credentials),
            }
        self._controller = Controller(self._recorder, hostname=self.host, port=self.port, **options)

    def _authenticator(self, credentials: tuple[str, str]):
        def check(server, session, envelope, mechanism, auth_data):
            login = auth_data.login.decode()
            self.logins.append(login)
            return AuthResult(success=(login, auth_data.password.decode()) == credentials)

        return check

    def start(self) -> None:
        """Start listening (in its own thread)."""
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    @property
    def received(self) -> list[ReceivedMail]:
        """Everything received so far, envelope included."""
        with self._recorder.arrived:
            return list(self._recorder.received)

    @property
    def messages(self) -> list[EmailMessage]:
        """The messages received so far."""
        return [mail.message for mail in self.received]

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived; fail the test if they do not."""
        deadline = time.monotonic() + timeout
        with self._recorder.arrived:
            while len(self._recorder.received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(
                        f"expected {count} email(s), received {len(self._recorder.received)}"
                    )
                self._recorder.arrived.wait(remaining)
            return [mail.message for mail in self._recorder.received]

    def settle(self) -> list[EmailMessage]:
        """Every message, once the app's background deliveries have all finished."""
        wait_for_deliveries()
        return self.messages


@pytest.fixture
def mail_server(app):
    """A running SMTP server, with the app configured to send through it."""
    server = MailServer()
    server.start()
    app.config.update(MAIL_SERVER=server.host, MAIL_PORT=server.port, MAIL_USE_TLS=False)
    try:
        yield server
    finally:
        wait_for_deliveries()
        server.stop()
