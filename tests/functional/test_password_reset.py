"""Password reset by an emailed, signed, single-use, expiring link, through a real SMTP server.

Asking for a reset answers the same for every address, so the page cannot be used to find
out who has an account; the account's owner gets the link in their own language.
"""

import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from ideas.accounts.models import User
from ideas.accounts.tokens import RESET_SALT
from ideas.extensions import db
from ideas.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.functional.html_dom import field_error, parse

NEW = "my-reset-passphrase-2026"


def _ask(client, email: str):
    return client.post("/password-reset", data={"email": email})


def _link(message) -> str:
    match = re.search(r"http://localhost(/password-reset/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _reset(client, link: str, password: str = NEW, confirm: str | None = None):
    return client.post(link, data={"password": password, "confirm": confirm or password})


def _hash(app, user) -> str:
    with app.app_context():
        return db.session.get(User, user.id).password_hash


def test_the_sign_in_page_links_to_the_reset_page(client):
    page = parse(client.get("/sign-in").text)
    assert page.find("a", href="/password-reset") is not None
    assert client.get("/password-reset").status_code == 200


def test_a_reset_from_request_to_new_password(app, client, make_user, mail_server):
    user = make_user(email="grace@example.gc.ca", locale="zh_Hant_TW", display_name="Grace")
    signed_in_elsewhere = app.test_client()
    assert (
        signed_in_elsewhere.post(
            "/sign-in", data={"email": user.email, "password": PASSWORD, "remember": "y"}
        ).status_code
        == 302
    )

    response = _ask(client, " Grace@Example.GC.ca ")

    assert response.status_code == 302
    assert response.location == "/password-reset/sent"
    [message] = mail_server.wait_for(1)
    assert message["To"] == "grace@example.gc.ca"
    assert message["Subject"] == "重設您的 Ideas 密碼"
    assert "Grace" in message.get_content()
    link = _link(message)

    page = client.get(link)
    assert page.status_code == 200
    assert _hash(app, user) == user.password_hash  # opening the link changes nothing
    response = _reset(client, link)

    assert response.status_code == 302
    assert response.location == "/sign-in"
    assert check_password_hash(_hash(app, user), NEW)
    # Every session of the account ended, and the new password signs in.
    assert signed_in_elsewhere.get("/profile").status_code == 302
    response = client.post("/sign-in", data={"email": user.email, "password": NEW})
    assert response.status_code == 302
    # The owner is told the password changed.
    assert mail_server.wait_for(2)[1]["Subject"] == "您的 Ideas 密碼已變更"


def test_the_link_works_once(app, client, make_user, mail_server):
    user = make_user()
    _ask(client, user.email)
    link = _link(mail_server.wait_for(1)[0])
    assert _reset(client, link).status_code == 302
    after_first_use = _hash(app, user)

    again = client.get(link)
    assert again.status_code == 404
    assert "This link is not valid or has expired." in again.text
    assert _reset(client, link, password="yet-another-passphrase").status_code == 404
    assert _hash(app, user) == after_first_use


def test_an_older_link_dies_when_a_newer_one_is_used(app, client, make_user, mail_server):
    user = make_user()
    _ask(client, user.email)
    _ask(client, user.email)
    first, second = (_link(m) for m in mail_server.wait_for(2))
    assert _reset(client, second).status_code == 302
    assert client.get(first).status_code == 404


def test_the_link_expires(app, client, make_user, mail_server):
    user = make_user()
    _ask(client, user.email)
    link = _link(mail_server.wait_for(1)[0])
    app.config["PASSWORD_RESET_MAX_AGE"] = -1  # the link is now older than allowed
    assert client.get(link).status_code == 404
    assert _reset(client, link).status_code == 404
    assert _hash(app, user) == user.password_hash


def test_the_default_lifetime_is_an_hour(app):
    assert app.config["PASSWORD_RESET_MAX_AGE"] == 3600


@pytest.mark.parametrize("kind", ["tampered", "other-key", "other-salt", "unknown-user"])
def test_a_forged_link_is_refused(app, client, make_user, mail_server, kind):
    user = make_user()
    _ask(client, user.email)
    token = _link(mail_server.wait_for(1)[0]).rsplit("/", 1)[1]
    if kind == "tampered":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    elif kind == "other-key":
        token = URLSafeTimedSerializer("another-secret", salt=RESET_SALT).dumps({"u": user.id})
    elif kind == "other-salt":
        token = URLSafeTimedSerializer(app.secret_key, salt="ideas.accounts.register").dumps(
            {"u": user.id, "f": "x"}
        )
    else:
        token = URLSafeTimedSerializer(app.secret_key, salt=RESET_SALT).dumps(
            {"u": user.id + 999, "f": "x"}
        )
    assert client.get(f"/password-reset/{token}").status_code == 404
    assert _reset(client, f"/password-reset/{token}").status_code == 404
    assert _hash(app, user) == user.password_hash


def test_known_and_unknown_addresses_get_the_same_answer(app, client, make_user, mail_server):
    user = make_user()
    known = _ask(client, user.email)
    unknown = _ask(client, "nobody@example.gc.ca")
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    known_page = client.get(known.location)
    unknown_page = client.get(unknown.location)
    assert known_page.text == unknown_page.text
    assert [m["To"] for m in mail_server.settle()] == [user.email]


@pytest.mark.parametrize("how", ["deactivated", "deleted"])
def test_a_closed_account_gets_no_link(app, client, make_user, mail_server, how):
    user = make_user()
    with app.app_context():
        row = db.session.get(User, user.id)
        if how == "deactivated":
            row.active = False
        else:
            row.deleted_at = utcnow()
        db.session.commit()
    response = _ask(client, user.email)
    assert response.location == "/password-reset/sent"
    assert mail_server.settle() == []


def test_a_link_for_an_account_closed_since_is_refused(app, client, make_user, mail_server):
    user = make_user()
    _ask(client, user.email)
    link = _link(mail_server.wait_for(1)[0])
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get(link).status_code == 404


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("short-pass", None, "password", "Use at least 12 characters."),
        ("QWERTYUIOPASDFGHJKL", None, "password",
         "This password is too common and easy to guess. Choose another one."),
        (NEW, NEW + "x", "confirm", "The two passwords differ."),
        ("", "", "password", "Choose a new password."),
    ],
)  # fmt: skip
def test_the_new_password_follows_the_policy(
    app, client, make_user, mail_server, password, confirm, field, message
):
    user = make_user()
    _ask(client, user.email)
    link = _link(mail_server.wait_for(1)[0])
    response = _reset(client, link, password, confirm)
    assert response.status_code == 422
    assert field_error(parse(response.text), field) == message
    assert _hash(app, user) == user.password_hash
    # A refused attempt does not spend the link.
    assert _reset(client, link).status_code == 302


def test_the_request_form_needs_an_address(client, mail_server):
    response = client.post("/password-reset", data={"email": ""})
    assert response.status_code == 422
    assert field_error(parse(response.text), "email") == "Enter your email address."
    assert mail_server.settle() == []


def test_without_an_smtp_server_the_link_is_written_to_the_log(app, client, make_user, caplog):
    app.config["MAIL_SERVER"] = None
    user = make_user(email="newcomer@example.gc.ca")
    with caplog.at_level("WARNING", logger=app.logger.name):
        _ask(client, user.email)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "No MAIL_SERVER is configured" in logged
    link = re.search(r"http://localhost(/password-reset/\S+)", logged).group(1)
    # The logged link works, and the log names no one by address.
    assert client.get(link).status_code == 200
    assert "newcomer@example.gc.ca" not in logged


def test_links_are_built_on_the_configured_address_not_the_host_header(
    app, client, make_user, mail_server
):
    # Password-reset poisoning: a request with a forged Host must not mail a link to it.
    app.config["EXTERNAL_URL"] = "https://ideas.example.gc.ca"
    # The test client keeps its session cookie for localhost, so the CSRF token would not
    # reach another host: forms are checked without it here.
    app.config["WTF_CSRF_ENABLED"] = False
    user = make_user()
    client.post("/password-reset", data={"email": user.email}, headers={"Host": "evil.example"})
    body = mail_server.wait_for(1)[0].get_content()
    assert "evil.example" not in body
    assert re.search(r"https://ideas\.example\.gc\.ca/password-reset/\S+", body)
