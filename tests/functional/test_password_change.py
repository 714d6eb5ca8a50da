"""Changing the password: it needs the current one, follows the policy, ends other sessions."""

import pytest
from werkzeug.security import check_password_hash

from ideas.accounts.models import User
from ideas.extensions import db
from tests.conftest import PASSWORD
from tests.functional.html_dom import field_error, parse

NEW = "a-brand-new-passphrase"


def _sign_in(client, user, password=PASSWORD, remember=False):
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/sign-in", data=data)
    assert response.status_code == 302, response.text


def _change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm": confirm or new},
    )


def _hash(app, user) -> str:
    with app.app_context():
        return db.session.get(User, user.id).password_hash


def test_the_security_page_links_to_every_action(client, auth):
    auth.as_role()
    page = parse(client.get("/account").text)
    assert page.find("a", href="/account/password") is not None
    assert page.find("a", href="/account/email") is not None
    form = page.one("form", action="/account/sign-out-everywhere")
    assert form.get("method") == "post"
    assert parse(client.get("/profile").text).find("a", href="/account") is not None


def test_the_password_page_labels_its_fields(client, auth):
    auth.as_role()
    page = parse(client.get("/account/password").text)
    for field in ("current_password", "new_password", "confirm"):
        assert page.one("label", **{"for": field}).text()
    assert page.one(id="current_password").get("autocomplete") == "current-password"
    assert page.one(id="new_password").get("autocomplete") == "new-password"


def test_changing_the_password(app, client, make_user, mail_server):
    user = make_user(locale="fr")
    _sign_in(client, user, remember=True)
    other = app.test_client()
    _sign_in(other, user, remember=True)
    other_remembered = app.test_client()
    other_remembered.set_cookie("remember_token", other.get_cookie("remember_token").value)

    response = _change(client)

    assert response.status_code == 302
    assert response.location == "/account"
    stored = _hash(app, user)
    assert check_password_hash(stored, NEW)
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    # This browser stays signed in (its remember cookie renewed); every other one is out.
    assert client.get("/profile").status_code == 200
    renewed = app.test_client()
    renewed.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert renewed.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302
    assert other_remembered.get("/profile").status_code == 302
    # The owner is told, in their language, with the way back.
    [notice] = mail_server.wait_for(1)
    assert notice["To"] == user.email
    assert notice["Subject"] == "Votre mot de passe Ideas a été changé"
    assert "http://localhost/password-reset" in notice.get_content()
    # The old password no longer works; the new one does.
    client.post("/sign-out")
    fresh = app.test_client()
    assert (
        fresh.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 422
    )
    assert fresh.post("/sign-in", data={"email": user.email, "password": NEW}).status_code == 302


CASES = [
    pytest.param({"current": "wrong-password-123"}, "current_password",
                 "The current password is not correct.", id="wrong-current"),
    pytest.param({"current": ""}, "current_password", "Enter your current password.",
                 id="no-current"),
    pytest.param({"new": "short-pass"}, "new_password", "Use at least 12 characters.",
                 id="short"),
    pytest.param({"new": "x" * 129}, "new_password", "Use at most 128 characters.", id="long"),
    pytest.param({"new": "PasswordPassword"}, "new_password",
                 "This password is too common and easy to guess. Choose another one.",
                 id="common-any-case"),
    pytest.param({"confirm": NEW + "!"}, "confirm", "The two passwords differ.", id="differ"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "message"), CASES)
def test_a_refused_change_keeps_the_old_password(
    app, client, make_user, mail_server, change, field, message
):
    user = make_user()
    _sign_in(client, user)
    before = _hash(app, user)

    response = _change(client, **change)

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, field) == message
    for name in ("current_password", "new_password", "confirm"):
        assert page.one(id=name).get("value", "") == ""
    assert _hash(app, user) == before
    assert client.get("/profile").status_code == 200
    assert mail_server.settle() == []


def test_changing_the_password_needs_csrf(app, client, make_user):
    user = make_user()
    _sign_in(client, user)
    before = _hash(app, user)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW},
        csrf=False,
    )
    assert response.status_code == 400
    assert _hash(app, user) == before
