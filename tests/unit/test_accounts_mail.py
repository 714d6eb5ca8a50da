"""ideas.mail: delivery through a real SMTP server on loopback, and the log fallback."""

import pytest

from ideas.mail import send_email, wait_for_deliveries
from tests.mail_server import MailServer, free_port


def test_a_message_reaches_the_smtp_server(app, ctx, mail_server):
    app.config["MAIL_SENDER"] = "Ideas <ideas@example.gc.ca>"
    send_email("ada@example.gc.ca", "Bonjour 你好", "Line one.\n\n中文與 « français ».\n")
    [received] = mail_server.wait_for(1) and mail_server.received
    assert received.rcpt_tos == ["ada@example.gc.ca"]
    assert received.mail_from == "ideas@example.gc.ca"
    message = received.message
    assert message["To"] == "ada@example.gc.ca"
    assert message["From"] == "Ideas <ideas@example.gc.ca>"
    assert message["Subject"] == "Bonjour 你好"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Line one.\n\n中文與 « français ».\n"


def test_the_smtp_login_is_used_when_configured(app, ctx):
    server = MailServer(credentials=("ideas-app", "s3cret-relay"))
    server.start()
    try:
        app.config.update(
            MAIL_SERVER=server.host,
            MAIL_PORT=server.port,
            MAIL_USERNAME="ideas-app",
            MAIL_PASSWORD="s3cret-relay",
        )
        send_email("ada@example.gc.ca", "Subject", "Body\n")
        assert server.wait_for(1)[0]["Subject"] == "Subject"
        assert server.logins == ["ideas-app"]
    finally:
        server.stop()


def test_a_wrong_smtp_login_is_logged_not_raised(app, ctx, caplog):
    server = MailServer(credentials=("ideas-app", "s3cret-relay"))
    server.start()
    try:
        app.config.update(
            MAIL_SERVER=server.host,
            MAIL_PORT=server.port,
            MAIL_USERNAME="ideas-app",
            MAIL_PASSWORD="wrong",
            MAIL_TIMEOUT=3,
        )
        with caplog.at_level("ERROR"):
            send_email("ada@example.gc.ca", "Subject", "Body\n")
            wait_for_deliveries(timeout=60)
        assert server.messages == []
        assert any("Could not send the email" in r.getMessage() for r in caplog.records)
    finally:
        server.stop()


def test_an_unreachable_server_is_logged_without_the_address(app, ctx, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=5)
    with caplog.at_level("ERROR"):
        send_email("secret.person@example.gc.ca", "Reset", "Body\n")  # does not raise
        wait_for_deliveries()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Could not send the email 'Reset'" in logged
    assert "secret.person@example.gc.ca" not in logged


@pytest.mark.parametrize("server", [None, ""])
def test_without_a_server_the_message_goes_to_the_log(app, ctx, caplog, server):
    app.config["MAIL_SERVER"] = server
    with caplog.at_level("WARNING"):
        send_email("secret.person@example.gc.ca", "Your link", "Open http://localhost/x\n")
    [record] = [r for r in caplog.records if "No MAIL_SERVER" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert "Your link" in record.getMessage()
    assert "http://localhost/x" in record.getMessage()
    assert "secret.person@example.gc.ca" not in record.getMessage()
