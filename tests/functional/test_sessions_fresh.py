"""Fresh sign-in: sensitive changes (here the email address) need the password just typed.

`ideas.accounts.fresh.fresh_sign_in_required` guards them: a session restored from the
remember-me cookie, or one whose password was typed more than FRESH_SIGN_IN_SECONDS ago,
is sent to the re-authentication page and comes back after typing the password.
"""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_login import login_required

from ideas import create_app
from ideas.accounts.fresh import FRESH_AT_KEY, fresh_sign_in_required
from ideas.accounts.models import User
from ideas.extensions import db
from tests.conftest import PASSWORD, CSRFClient, make_config
from tests.functional.html_dom import field_error, parse


def _sign_in(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/sign-in", data=data)
    assert response.status_code == 302, response.text


def _age_the_password_check(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session[FRESH_AT_KEY] = int(time.time()) - seconds


def _reauth_next(response) -> str:
    location = urlsplit(response.location)
    assert location.path == "/sign-in/again", response.location
    return parse_qs(location.query)["next"][0]


def test_right_after_sign_in_the_email_page_opens(client, make_user):
    _sign_in(client, make_user())
    assert client.get("/account/email").status_code == 200


def test_a_remembered_session_must_type_the_password_again(app, client, make_user):
    user = make_user()
    _sign_in(client, user, remember=True)
    restored = app.test_client()
    restored.set_cookie("remember_token", client.get_cookie("remember_token").value)

    response = restored.get("/account/email")

    assert _reauth_next(response) == "/account/email"
    page = restored.get(response.location)
    assert page.status_code == 200
    assert "For your security, please enter your password again to continue." in page.text
    # The password brings them back where they were going.
    back = restored.post(response.location, data={"password": PASSWORD, "next": "/account/email"})
    assert back.status_code == 302
    assert back.location == "/account/email"
    assert restored.get("/account/email").status_code == 200


def test_a_password_typed_long_ago_is_not_fresh(app, client, make_user):
    _sign_in(client, make_user())
    _age_the_password_check(client, app.config["FRESH_SIGN_IN_SECONDS"] + 5)
    assert _reauth_next(client.get("/account/email")) == "/account/email"
    _age_the_password_check(client, app.config["FRESH_SIGN_IN_SECONDS"] - 60)
    assert client.get("/account/email").status_code == 200


def test_a_stale_post_returns_to_the_page_that_held_the_form(app, client, make_user):
    _sign_in(client, make_user())
    _age_the_password_check(client, 10**6)
    response = client.post(
        "/account/email",
        data={"email": "new@example.gc.ca"},
        headers={"Referer": "http://localhost/account/email"},
    )
    assert _reauth_next(response) == "/account/email"


def test_a_stale_json_call_gets_401(client, make_user):
    _sign_in(client, make_user())
    _age_the_password_check(client, 10**6)
    response = client.get("/account/email", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert "password" in response.json["error"]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert urlsplit(client.get("/account/email").location).path == "/sign-in"


def test_a_wrong_password_on_the_reauthentication_page(client, make_user):
    _sign_in(client, make_user())
    _age_the_password_check(client, 10**6)
    response = client.post("/sign-in/again", data={"password": "not-my-password-1"})
    assert response.status_code == 422
    assert field_error(parse(response.text), "password") == "The password is not correct."
    assert urlsplit(client.get("/account/email").location).path == "/sign-in/again"


def test_reauthentication_ignores_a_next_that_leaves_the_site(client, make_user):
    _sign_in(client, make_user())
    response = client.post(
        "/sign-in/again", data={"password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.location == "/account"


def test_the_decorator_is_reusable_by_other_features(app, make_user):
    """What the privacy feature's "delete my account" does: decorate its own view."""
    other = create_app(
        make_config(
            app.config["SQLALCHEMY_DATABASE_URI"], SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"]
        )
    )
    other.test_client_class = CSRFClient

    @other.route("/dangerous", methods=["GET", "POST"], endpoint="accounts.dangerous_test")
    @fresh_sign_in_required
    def dangerous():
        return "done"

    @other.get("/plain", endpoint="accounts.plain_test")
    @login_required
    def plain():
        return "plain"

    # The access table denies unknown endpoints: allow these two for this app only.
    from ideas.security import access

    saved = dict(access.ACCESS_TABLE)
    access.ACCESS_TABLE["accounts.dangerous_test"] = {
        "GET": access.SIGNED_IN,
        "POST": access.SIGNED_IN,
    }
    access.ACCESS_TABLE["accounts.plain_test"] = {"GET": access.SIGNED_IN}
    try:
        client = other.test_client()
        user = make_user()
        _sign_in(client, user)
        assert client.get("/dangerous").text == "done"
        _age_the_password_check(client, 10**6)
        assert client.get("/plain").text == "plain"
        assert _reauth_next(client.get("/dangerous")) == "/dangerous"
    finally:
        access.ACCESS_TABLE.clear()
        access.ACCESS_TABLE.update(saved)
        with other.app_context():
            db.engine.dispose()


# --- Changing the email address -----------------------------------------------------------


def _link(message, prefix: str) -> str:
    match = re.search(r"http://localhost(" + re.escape(prefix) + r"\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _email(app, user) -> str:
    with app.app_context():
        return db.session.get(User, user.id).email


def test_changing_the_email_address_through_the_emailed_link(app, client, make_user, mail_server):
    user = make_user(email="old@example.gc.ca", locale="en")
    _sign_in(client, user)
    other_device = app.test_client()
    _sign_in(other_device, user)

    response = client.post("/account/email", data={"email": " New@Example.gc.ca "})

    assert response.status_code == 302
    assert _email(app, user) == "old@example.gc.ca"  # not until the link is followed
    message = mail_server.wait_for(1)[0]
    assert message["To"] == "new@example.gc.ca"
    link = _link(message, "/account/email/confirm/")
    page = client.get(link)
    assert page.status_code == 200
    assert "new@example.gc.ca" in page.text
    assert _email(app, user) == "old@example.gc.ca"  # opening the link changes nothing

    assert client.post(link).status_code == 302

    assert _email(app, user) == "new@example.gc.ca"
    notice = mail_server.wait_for(2)[1]
    assert notice["To"] == "old@example.gc.ca"
    assert notice["Subject"] == "Your Ideas email address was changed"
    # Other devices are signed out; this one stays.
    assert client.get("/profile").status_code == 200
    assert other_device.get("/profile").status_code == 302
    # The link is spent.
    assert client.get(link).status_code == 404


def test_an_email_link_only_works_for_its_own_account(app, client, make_user, mail_server):
    owner = make_user()
    _sign_in(client, owner)
    client.post("/account/email", data={"email": "moved@example.gc.ca"})
    link = _link(mail_server.wait_for(1)[0], "/account/email/confirm/")

    intruder = app.test_client()
    _sign_in(intruder, make_user())
    assert intruder.get(link).status_code == 403
    assert intruder.post(link).status_code == 403
    assert _email(app, owner) != "moved@example.gc.ca"


def test_moving_to_a_taken_address_answers_the_same_and_tells_its_owner(
    app, client, make_user, mail_server
):
    make_user(email="taken@example.gc.ca", locale="zh_Hant_TW")
    mover = make_user(email="mover@example.gc.ca")
    _sign_in(client, mover)

    response = client.post("/account/email", data={"email": "taken@example.gc.ca"})

    assert response.status_code == 302
    assert response.location == "/account"
    [message] = mail_server.settle()
    assert message["To"] == "taken@example.gc.ca"
    assert "/account/email/confirm/" not in message.get_content()
    assert _email(app, mover) == "mover@example.gc.ca"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your new work email address."),
        ("not-an-address", "Enter a valid email address."),
        ("me@example.gc.ca", "This is already your email address."),
    ],
)
def test_email_change_form_errors(client, make_user, mail_server, email, message):
    _sign_in(client, make_user(email="me@example.gc.ca"))
    response = client.post("/account/email", data={"email": email})
    assert response.status_code == 422
    assert field_error(parse(response.text), "email") == message
    assert mail_server.settle() == []


def test_email_change_respects_the_allowed_domains(app, client, make_user, mail_server):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["gc.ca"]
    _sign_in(client, make_user(email="me@example.gc.ca"))
    response = client.post("/account/email", data={"email": "me@gmail.com"})
    assert response.status_code == 422
    assert mail_server.settle() == []
