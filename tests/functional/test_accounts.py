"""Accounts through the pages: register, sign in and out, cookies, profile, member pages."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import GovernmentLevel, User
from ideas.board.models import Idea
from ideas.extensions import db
from tests.conftest import PASSWORD, theme_id
from tests.functional.html_dom import field_error, parse

NEW_PASSWORD = "a-long-enough-passphrase"
WRONG_CREDENTIALS = "The email or password is not correct."


def _user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None, f"no account {email}"
        db.session.expunge(user)
        return user


def _registration(**changes) -> dict:
    data = {
        "email": "ada.lovelace@example.gc.ca",
        "display_name": "Ada Lovelace",
        "department": "0",
        "locale": "fr",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data.update(changes)
    return data


def _cookie_attributes(response, name: str) -> tuple[str, set[str]] | None:
    """The value and lower-cased attributes of the Set-Cookie header for a cookie, if any."""
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = [part.strip() for part in header.split(";")]
        key, _, value = first.partition("=")
        if key == name:
            return value, {attribute.lower() for attribute in attributes}
    return None


def _is_signed_in(client) -> bool:
    """A member-only page answers 200 when signed in and redirects to sign-in otherwise."""
    response = client.get("/profile")
    if response.status_code == 302:
        assert urlsplit(response.location).path == "/sign-in"
        return False
    assert response.status_code == 200
    return True


def _assert_kept(page, data: dict, *, department: bool = True) -> None:
    """What the visitor typed is shown again, except the passwords."""
    assert page.one(id="email").get("value") == data["email"]
    assert page.one(id="display_name").get("value") == data["display_name"]
    assert page.one("select", id="locale").value() == data["locale"]
    if department:
        assert page.one("select", id="department").value() == data["department"]
    assert page.one(id="password").get("value", "") == ""
    assert page.one(id="confirm").get("value", "") == ""
    assert NEW_PASSWORD not in page.raw_text()


# --- Registration -------------------------------------------------------------------------


def test_register_page_offers_departments_and_languages(client, make_department):
    department = make_department("Statistics Canada")
    page = parse(client.get("/register").text)
    assert page.one("select", id="department").option_values() == ["0", str(department.id)]
    assert page.one("select", id="locale").option_values() == ["en", "fr", "zh_Hant_TW"]
    for field in ("email", "display_name", "department", "locale", "password", "confirm"):
        assert page.one("label", **{"for": field}).text()


def _link_in(message, path_prefix: str) -> str:
    """The path of the first link in an email's text that starts with path_prefix."""
    match = re.search(
        r"http://localhost(" + re.escape(path_prefix) + r"\S+)", message.get_content()
    )
    assert match, message.get_content()
    return match.group(1)


def _register_and_confirm(client, mail_server, data: dict, messages_before: int = 0):
    """Register through the page, follow the emailed link, press the button."""
    response = client.post("/register", data=data)
    assert response.status_code == 302, response.text
    assert response.location == "/register/sent"
    message = mail_server.wait_for(messages_before + 1)[-1]
    link = _link_in(message, "/register/confirm/")
    assert client.get(link).status_code == 200
    return client.post(link)


def test_register_creates_account_after_the_emailed_link(app, client, make_department, mail_server):
    department = make_department("Health Canada", name_fr="Santé Canada")
    data = _registration(email="  Ada.Lovelace@Example.GC.ca ", department=str(department.id))

    response = client.post("/register", data=data)

    # Nothing exists and nobody is signed in until the address's owner follows the link.
    assert response.status_code == 302
    assert response.location == "/register/sent"
    assert _user_count(app) == 0
    assert not _is_signed_in(client)
    message = mail_server.wait_for(1)[0]
    assert message["To"] == "ada.lovelace@example.gc.ca"
    assert NEW_PASSWORD not in message.as_string()
    assert message["Subject"] == "Terminez la création de votre compte Ideas"  # in French
    link = _link_in(message, "/register/confirm/")

    # Opening the link changes nothing (a mail scanner may open it); the button does.
    page = client.get(link)
    assert page.status_code == 200
    assert _user_count(app) == 0
    response = client.post(link)

    assert response.status_code == 302
    assert response.location == "/"
    user = _user(app, "ada.lovelace@example.gc.ca")
    assert user.display_name == "Ada Lovelace"
    assert user.department_id == department.id
    assert user.locale == "fr"
    assert user.role.value == "member"
    assert NEW_PASSWORD not in user.password_hash
    home = client.get("/")
    # The welcome is shown in the language just chosen (so only the name is checked).
    assert "Ada Lovelace" in parse(home.text).one(class_="flash-success").text()
    assert '<html lang="fr-CA">' in home.text
    assert _is_signed_in(client)


def test_registration_link_works_once(app, client, mail_server):
    _register_and_confirm(client, mail_server, _registration(locale="en"))
    link = _link_in(mail_server.messages[0], "/register/confirm/")
    client.post("/sign-out")
    again = client.post(link)
    assert again.status_code == 302
    assert _user_count(app) == 1
    assert not _is_signed_in(client)
    assert "This link was already used." in client.get("/sign-in").text


@pytest.mark.parametrize("tamper", ["flip", "garbage", "other-salt"])
def test_registration_link_must_be_ours(app, client, mail_server, tamper):
    client.post("/register", data=_registration())
    link = _link_in(mail_server.wait_for(1)[0], "/register/confirm/")
    token = link.rsplit("/", 1)[1]
    if tamper == "flip":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif tamper == "garbage":
        token = "not-a-token"
    else:  # a password-reset token is signed with another salt
        from itsdangerous import URLSafeTimedSerializer

        token = URLSafeTimedSerializer(app.secret_key, salt="ideas.accounts.password-reset").dumps(
            {"e": "ada.lovelace@example.gc.ca", "n": "Ada", "d": None, "l": "en", "h": "x"}
        )
    assert client.get(f"/register/confirm/{token}").status_code == 404
    client.post(f"/register/confirm/{token}")
    assert _user_count(app) == 0


def test_registration_link_expires(app, client, mail_server):
    client.post("/register", data=_registration())
    link = _link_in(mail_server.wait_for(1)[0], "/register/confirm/")
    app.config["EMAIL_LINK_MAX_AGE"] = -1  # every link is now older than allowed
    assert client.get(link).status_code == 404
    client.post(link)
    assert _user_count(app) == 0


def test_register_welcomes_the_new_member_by_name(client, mail_server):
    _register_and_confirm(client, mail_server, _registration(locale="en"))
    flash = parse(client.get("/").text).one(class_="flash-success")
    assert flash.text() == "Welcome, Ada Lovelace. Your account is ready."


def test_register_without_department_stores_none(app, client, mail_server):
    response = _register_and_confirm(client, mail_server, _registration(locale="zh_Hant_TW"))
    assert response.status_code == 302
    user = _user(app, "ada.lovelace@example.gc.ca")
    assert user.department_id is None
    assert user.locale == "zh_Hant_TW"


@pytest.mark.parametrize("password", ["Pa55-word-12", "x" * 127 + "y"], ids=["12", "128"])
def test_register_accepts_password_length_bounds(app, client, mail_server, password):
    data = _registration(password=password, confirm=password)
    assert _register_and_confirm(client, mail_server, data).status_code == 302
    assert _user_count(app) == 1


def test_register_password_signs_in_later(app, client, mail_server):
    _register_and_confirm(client, mail_server, _registration())
    client.post("/sign-out")
    assert not _is_signed_in(client)
    response = client.post(
        "/sign-in", data={"email": "ADA.LOVELACE@example.gc.ca", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert _is_signed_in(client)


INVALID_REGISTRATIONS = [
    pytest.param({"email": ""}, "email", "Enter your work email address.", id="missing-email"),
    pytest.param(
        {"email": "not-an-email"}, "email", "Enter a valid email address.", id="invalid-email"
    ),
    pytest.param(
        {"email": "ada@@example.gc.ca"}, "email", "Enter a valid email address.", id="two-ats"
    ),
    pytest.param(
        {"password": "p" * 11, "confirm": "p" * 11},
        "password",
        "Use at least 12 characters.",
        id="password-too-short",
    ),
    pytest.param(
        {"password": "p" * 129, "confirm": "p" * 129},
        "password",
        "Use at most 128 characters.",
        id="password-too-long",
    ),
    pytest.param({"password": "", "confirm": ""}, "password", "Choose a password.", id="no-pw"),
    pytest.param(
        {"confirm": NEW_PASSWORD + "x"}, "confirm", "The two passwords differ.", id="pw-differ"
    ),
    pytest.param(
        {"display_name": ""},
        "display_name",
        "Enter the name other members will see.",
        id="missing-display-name",
    ),
    pytest.param({"display_name": "A"}, "display_name", "Use 2 to 80 characters.", id="short-name"),
    pytest.param({"locale": "de"}, "locale", "Not a valid choice.", id="bad-locale"),
    pytest.param({"locale": ""}, "locale", "Choose a language.", id="empty-locale"),
]


@pytest.mark.parametrize(("changes", "field", "message"), INVALID_REGISTRATIONS)
def test_register_rejects_invalid_input(app, client, make_department, changes, field, message):
    department = make_department("Privy Council Office")
    data = _registration(department=str(department.id), **changes)

    response = client.post("/register", data=data)

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, field) == message
    # The summary at the top links to the field in error.
    summary = page.one(class_="error-summary")
    assert summary.get("role") == "alert"
    assert summary.one("a", href=f"#{field}").text().endswith(message)
    if field != "locale":
        _assert_kept(page, data)
    assert _user_count(app) == 0
    assert not _is_signed_in(client)


@pytest.mark.parametrize("department", ["999999", "-3", "abc"], ids=["unknown", "neg", "text"])
def test_register_rejects_tampered_department(app, client, make_department, department):
    make_department("Shared Services Canada")
    data = _registration(department=department)

    response = client.post("/register", data=data)

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "department") == "Choose one of the offered options."
    _assert_kept(page, data, department=False)
    assert _user_count(app) == 0


def test_register_refuses_domain_outside_allowed_list(app, client):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["canada.ca"]
    data = _registration(email="ada@gmail.com")

    response = client.post("/register", data=data)

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "email") == (
        "Use your work email address; this domain is not accepted here."
    )
    _assert_kept(page, data)
    assert _user_count(app) == 0


@pytest.mark.parametrize(
    ("email", "accepted"),
    [
        ("ada@canada.ca", True),
        ("ada@tbs-sct.canada.ca", True),
        ("ADA@TBS-SCT.CANADA.CA", True),
        ("ada@notcanada.ca", False),
        ("ada@canada.ca.evil.example", False),
    ],
)
def test_register_allowed_domains_include_subdomains_only(
    app, client, mail_server, email, accepted
):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["canada.ca"]
    response = client.post("/register", data=_registration(email=email))
    assert response.status_code == (302 if accepted else 422)
    assert len(mail_server.settle()) == (1 if accepted else 0)


@pytest.mark.parametrize(
    "email", ["taken@example.gc.ca", "TAKEN@Example.GC.CA", "  Taken@example.gc.ca  "]
)
def test_register_with_a_taken_email_answers_as_for_a_new_one(
    app, client, make_user, mail_server, email
):
    existing = make_user(email="taken@example.gc.ca", display_name="First Owner", locale="fr")
    fresh = app.test_client()

    taken = client.post("/register", data=_registration(email=email), follow_redirects=True)
    new = fresh.post(
        "/register",
        data=_registration(email="new.person@example.gc.ca"),
    )

    # The same page either way: nothing says the address already has an account.
    assert taken.status_code == 200
    assert taken.request.path == new.location == "/register/sent"
    assert "already" not in taken.text
    assert _user_count(app) == 1
    assert _user(app, "taken@example.gc.ca").display_name == existing.display_name
    # The owner is told instead, in their own language, with a way in; nothing is created.
    messages = {m["To"]: m for m in mail_server.wait_for(2)}
    reminder = messages["taken@example.gc.ca"]
    assert reminder["Subject"] == "Vous avez déjà un compte Ideas"
    assert "/register/confirm/" not in reminder.get_content()
    assert "http://localhost/password-reset" in reminder.get_content()
    assert "/register/confirm/" in messages["new.person@example.gc.ca"].get_content()


def test_register_without_csrf_token_is_refused(app, client):
    response = client.post("/register", data=_registration(), csrf=False)
    assert response.status_code == 400
    assert _user_count(app) == 0


def test_register_preselects_the_browser_language(client):
    page = parse(client.get("/register", headers={"Accept-Language": "fr-CA,fr;q=0.9"}).text)
    assert page.one("select", id="locale").value() == "fr"


def test_register_when_signed_in_goes_home(app, client, auth):
    auth.as_role()
    response = client.post("/register", data=_registration())
    assert response.status_code == 302
    assert response.location == "/"
    assert _user_count(app) == 1


# --- Sign in ------------------------------------------------------------------------------


def test_sign_in_page_renders_form(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.one("input", id="email").get("type") == "email"
    assert page.one("input", id="password").get("type") == "password"
    assert page.one("input", id="remember").get("type") == "checkbox"
    # Nothing is flagged invalid or described by a missing element before anything is sent.
    assert page.find_all(aria_invalid=True) == []
    ids = {element.get("id") for element in page.iter()}
    for element in page.find_all(aria_describedby=True):
        assert set(element.get("aria-describedby").split()) <= ids


def test_sign_in_with_correct_password(client, make_user):
    user = make_user(email="grace@example.gc.ca")
    response = client.post("/sign-in", data={"email": "Grace@Example.gc.ca ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/"
    assert _is_signed_in(client)
    assert user.display_name in client.get("/").text


def test_wrong_password_and_unknown_email_give_the_same_answer(client, make_user):
    make_user(email="grace@example.gc.ca")

    wrong = client.post("/sign-in", data={"email": "grace@example.gc.ca", "password": "nope" * 4})
    unknown = client.post("/sign-in", data={"email": "nobody@example.gc.ca", "password": PASSWORD})

    for response in (wrong, unknown):
        assert response.status_code == 422
        page = parse(response.text)
        summary = page.one(class_="error-summary")
        assert summary.text() == f"Please correct the following: {WRONG_CREDENTIALS}"
        # Neither field is singled out: that would tell which part was wrong.
        assert page.find_all(aria_invalid=True) == []
    assert not _is_signed_in(client)


def test_sign_in_keeps_the_email_but_not_the_password(client, make_user):
    make_user(email="grace@example.gc.ca")
    response = client.post("/sign-in", data={"email": "grace@example.gc.ca", "password": "x" * 14})
    page = parse(response.text)
    assert page.one(id="email").get("value") == "grace@example.gc.ca"
    assert page.one(id="password").get("value", "") == ""
    assert "x" * 14 not in response.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "", "password": PASSWORD}, "email", "Enter your email address."),
        ({"email": "grace@example.gc.ca", "password": ""}, "password", "Enter your password."),
    ],
)
def test_sign_in_requires_both_fields(client, make_user, data, field, message):
    make_user(email="grace@example.gc.ca")
    response = client.post("/sign-in", data=data)
    assert response.status_code == 422
    assert field_error(parse(response.text), field) == message
    assert not _is_signed_in(client)


def test_sign_in_with_nul_byte_in_email_is_refused_as_a_bad_request(client):
    # A NUL byte is never legitimate text: every request carrying one gets the 400 page
    # (PostgreSQL would otherwise fail on it), and nothing says whether the account exists.
    response = client.post("/sign-in", data={"email": "a\x00b@example.gc.ca", "password": PASSWORD})
    assert response.status_code == 400
    assert "skip-link" in response.text
    assert WRONG_CREDENTIALS not in response.text


def test_inactive_account_cannot_sign_in(app, client, make_user):
    user = make_user(email="gone@example.gc.ca")
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()

    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 422
    assert WRONG_CREDENTIALS in response.text
    assert not _is_signed_in(client)


def test_deactivating_an_account_ends_its_open_session(app, client, auth, make_user):
    user = auth.sign_in(make_user())
    assert _is_signed_in(client)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert not _is_signed_in(client)


@pytest.mark.parametrize("target", ["/groups", "/ideas?sort=new&stage=proposed", "/members/7"])
@pytest.mark.parametrize("via", ["form", "query"])
def test_sign_in_follows_a_local_next(client, make_user, target, via):
    user = make_user()
    data = {"email": user.email, "password": PASSWORD}
    if via == "form":
        response = client.post("/sign-in", data={**data, "next": target})
    else:
        response = client.post("/sign-in", query_string={"next": target}, data=data)
    assert response.status_code == 302
    assert response.location == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/steal",
        "http://localhost.evil.example/",
        "//evil.example/steal",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
@pytest.mark.parametrize("via", ["form", "query"])
def test_sign_in_ignores_a_next_that_leaves_the_site(client, make_user, target, via):
    user = make_user()
    data = {"email": user.email, "password": PASSWORD}
    if via == "form":
        response = client.post("/sign-in", data={**data, "next": target})
    else:
        response = client.post("/sign-in", query_string={"next": target}, data=data)
    assert response.status_code == 302
    assert response.location == "/"


def test_sign_in_page_carries_next_escaped(client):
    target = '/ideas?x="><script>alert(1)</script>'
    response = client.get("/sign-in", query_string={"next": target})
    assert "<script>alert(1)" not in response.text
    assert parse(response.text).one("main").one("input", name="next").get("value") == target


def test_login_required_round_trip_returns_to_the_page(client, make_user):
    user = make_user()
    first = client.get("/groups?kind=topic")
    assert first.status_code == 302
    sign_in_url = urlsplit(first.location)
    assert sign_in_url.path == "/sign-in"
    assert parse_qs(sign_in_url.query)["next"] == ["/groups?kind=topic"]

    form_page = parse(client.get(first.location).text)
    next_value = form_page.one("main").one("input", name="next").get("value")
    response = client.post(
        first.location, data={"email": user.email, "password": PASSWORD, "next": next_value}
    )
    assert response.location == "/groups?kind=topic"


def test_signed_in_member_visiting_sign_in_goes_home(client, auth):
    auth.as_role()
    assert client.get("/sign-in").location == "/"


# --- Cookies ------------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    cookie = _cookie_attributes(response, "session")
    assert cookie is not None
    _value, attributes = cookie
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_remember_me_sets_an_httponly_remember_cookie_that_signs_in(app, client, make_user):
    user = make_user()
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    cookie = _cookie_attributes(response, "remember_token")
    assert cookie is not None
    value, attributes = cookie
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert any(attribute.startswith("expires=") for attribute in attributes)

    # A new browser session holding only the remember cookie is signed in again.
    other = app.test_client()
    other.set_cookie("remember_token", value)
    assert _is_signed_in(other)


def test_without_remember_me_no_remember_cookie(client, make_user):
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert _cookie_attributes(response, "remember_token") is None


def test_remember_cookie_of_an_inactive_account_does_not_sign_in(app, client, make_user):
    user = make_user()
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    value, _attributes = _cookie_attributes(response, "remember_token")
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    other = app.test_client()
    other.set_cookie("remember_token", value)
    assert not _is_signed_in(other)


# --- Sign out -----------------------------------------------------------------------------


def test_sign_out_with_post_and_csrf(client, auth):
    auth.as_role()
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert response.location == "/"
    assert "You are signed out on every device." in client.get("/").text
    assert not _is_signed_in(client)


def test_sign_out_forgets_the_remember_cookie(client, auth, make_user):
    auth.sign_in(make_user(), remember=True)
    assert client.get_cookie("remember_token") is not None
    client.post("/sign-out")
    assert client.get_cookie("remember_token") is None
    assert not _is_signed_in(client)


def test_sign_out_by_get_is_not_allowed(client, auth):
    auth.as_role()
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert _is_signed_in(client)


def test_sign_out_without_csrf_token_is_refused(client, auth):
    auth.as_role()
    response = client.post("/sign-out", csrf=False)
    assert response.status_code == 400
    assert _is_signed_in(client)


def test_sign_out_form_is_a_post_with_token_in_the_header(client, auth):
    auth.as_role()
    page = parse(client.get("/profile").text)
    form = page.one("form", action="/sign-out")
    assert form.get("method") == "post"
    assert form.one("input", name="csrf_token").get("value")


# --- Profile ------------------------------------------------------------------------------


def test_profile_shows_current_values(client, auth, make_department):
    department = make_department("Health Canada")
    auth.as_role(display_name="Grace Hopper", department=department, locale="fr")
    page = parse(client.get("/profile").text)
    assert page.one(id="display_name").get("value") == "Grace Hopper"
    assert page.one("select", id="department").value() == str(department.id)
    assert page.one("select", id="locale").value() == "fr"


def test_profile_without_department_selects_not_set(client, auth):
    auth.as_role()
    page = parse(client.get("/profile").text)
    assert page.one("select", id="department").value() == "0"


def test_profile_edit_saves(app, client, auth, make_department):
    old = make_department("Health Canada")
    new = make_department("Statistics Canada", name_fr="Statistique Canada")
    user = auth.as_role(department=old)

    response = client.post(
        "/profile",
        data={"display_name": "  Grace   Hopper ", "department": str(new.id), "locale": "fr"},
    )

    assert response.status_code == 302
    assert response.location == "/profile"
    saved = _user(app, user.email)
    assert saved.display_name == "Grace Hopper"
    assert saved.department_id == new.id
    assert saved.locale == "fr"
    page = client.get("/profile")
    assert parse(page.text).one(class_="flash-success").text()  # "saved", in French
    assert '<html lang="fr-CA">' in page.text
    # The department chooser now speaks French.
    assert "Statistique Canada" in page.text


def test_profile_edit_can_clear_department(app, client, auth, make_department):
    user = auth.as_role(department=make_department())
    response = client.post(
        "/profile", data={"display_name": "Grace", "department": "0", "locale": "en"}
    )
    assert response.status_code == 302
    assert _user(app, user.email).department_id is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"display_name": ""}, "display_name", "Enter the name other members will see."),
        ({"display_name": "   "}, "display_name", "Enter the name other members will see."),
        ({"display_name": "G"}, "display_name", "Use 2 to 80 characters."),
        ({"display_name": "G" * 81}, "display_name", "Use 2 to 80 characters."),
        ({"department": "999999"}, "department", "Choose one of the offered options."),
        ({"department": "abc"}, "department", "Choose one of the offered options."),
        ({"locale": "de"}, "locale", "Not a valid choice."),
    ],
)
def test_profile_edit_rejects_invalid_input(
    app, client, auth, make_department, changes, field, message
):
    department = make_department()
    user = auth.as_role(display_name="Grace Hopper", department=department, locale="en")
    data = {"display_name": "Rear Admiral", "department": str(department.id), "locale": "fr"}
    data.update(changes)

    response = client.post("/profile", data=data)

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, field) == message
    if field != "display_name":
        assert page.one(id="display_name").get("value") == "Rear Admiral"
    saved = _user(app, user.email)
    assert (saved.display_name, saved.department_id, saved.locale) == (
        "Grace Hopper",
        department.id,
        "en",
    )


def test_profile_department_is_reused_when_posting_an_idea(app, client, auth, make_department):
    department = make_department("Canadian Digital Service")
    auth.as_role()
    client.post(
        "/profile",
        data={"display_name": "Grace", "department": str(department.id), "locale": "en"},
    )
    with app.app_context():
        theme = theme_id()

    response = client.post(
        "/ideas/new",
        data={
            "title": "Reusable forms",
            "body": "One form kit.",
            "theme": str(theme),
            "group": "0",
        },
    )

    assert response.status_code == 302
    with app.app_context():
        idea = db.session.scalar(select(Idea).where(Idea.title == "Reusable forms"))
        assert idea.department_id == department.id


def test_profile_language_is_used_on_every_page(client, auth):
    auth.as_role(locale="zh_Hant_TW")
    for path in ("/", "/ideas", "/groups", "/profile"):
        assert '<html lang="zh-Hant-TW">' in client.get(path).text


# --- Member pages -------------------------------------------------------------------------


def test_member_profile_page(client, auth, make_user, make_department, make_idea):
    department = make_department("City of Ottawa", level=GovernmentLevel.MUNICIPAL)
    author = make_user(
        email="hedy@example.gc.ca", display_name="Hedy Lamarr", department=department
    )
    make_idea(author=author, title="Frequency hopping for radios")
    make_idea(title="Somebody else wrote this")
    auth.as_role()

    response = client.get(f"/members/{author.id}")

    assert response.status_code == 200
    page = parse(response.text)
    assert page.one("h1").text() == "Hedy Lamarr"
    assert "City of Ottawa" in page.one("dl", class_="facts").text()
    assert "Frequency hopping for radios" in response.text
    assert "Somebody else wrote this" not in response.text
    # The address is private: it is not shown to other members.
    assert "hedy@example.gc.ca" not in response.text


def test_member_page_without_department_says_not_set(client, auth, make_user):
    member = make_user()
    auth.as_role()
    page = parse(client.get(f"/members/{member.id}").text)
    assert "Not set" in page.one("dl", class_="facts").text()


def test_unknown_member_is_404(client, auth):
    user = auth.as_role()
    assert client.get(f"/members/{user.id + 1000}").status_code == 404


def test_profile_page_links_to_own_member_page(client, auth):
    user = auth.as_role()
    page = parse(client.get("/profile").text)
    assert page.find("a", href=f"/members/{user.id}") is not None


# --- Login required -----------------------------------------------------------------------

# Everything else is for members only.
PUBLIC_ENDPOINTS = {
    "static",
    "main.home",
    "main.set_language",
    "privacy.policy",
    "accounts.register",
    "accounts.registration_sent",
    "accounts.confirm_registration",
    "accounts.sign_in",
    "accounts.sign_out",
    "accounts.request_password_reset",
    "accounts.password_reset_sent",
    "accounts.reset_password",
}


def _member_requests(app) -> list[tuple[str, str]]:
    """(method, url) for every route not in PUBLIC_ENDPOINTS, with placeholder arguments."""
    requests = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        # <int:user_id> gets 1, any other argument a slug.
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        url = re.sub(r"<[^>]+>", "some-slug", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            requests.append((method, url))
    return requests


def test_member_pages_are_many(app):
    urls = {url for _method, url in _member_requests(app)}
    # Guard the test below against an empty list: these pages must be among them.
    assert {"/ideas", "/ideas/new", "/groups", "/profile", "/members/1"} <= urls


def test_every_member_page_redirects_anonymous_visitors_to_sign_in(app, client):
    failures = []
    for method, url in _member_requests(app):
        if method == "GET":
            response = client.get(url)
            expected_next = url
        else:
            # A form posted from a page returns to that page after signing in, since
            # the POST-only address itself cannot be shown.
            response = client.open(
                url,
                method=method,
                data={"csrf_token": client.csrf_token()},
                headers={"Referer": "http://localhost/groups?kind=topic"},
            )
            expected_next = "/groups?kind=topic"
        location = urlsplit(response.location or "")
        if response.status_code != 302 or location.path != "/sign-in":
            failures.append((method, url, response.status_code, response.location))
        elif parse_qs(location.query).get("next") != [expected_next]:
            failures.append((method, url, "next", response.location))
    assert failures == [], "\n".join(map(str, failures))


@pytest.mark.parametrize("referrer", [None, "https://evil.example/page"])
def test_anonymous_post_without_a_page_of_ours_to_return_to_goes_home(client, referrer):
    headers = {"Referer": referrer} if referrer else {}
    response = client.post("/ideas/1/vote", data={"value": "1"}, headers=headers)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.location).query)["next"] == ["/"]


def test_anonymous_fetch_gets_401_json_not_a_redirect(client):
    response = client.post(
        "/ideas/1/vote", data={"value": "1"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 401
    assert response.json == {"error": "Please sign in to see this page."}


def test_sign_in_page_tells_why_after_redirect(client):
    response = client.get("/profile", follow_redirects=True)
    assert response.request.path == "/sign-in"
    assert "Please sign in to see this page." in response.text


def test_anonymous_home_is_the_welcome_page(client):
    response = client.get("/")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.find("a", href="/sign-in") is not None
    assert page.find("a", href="/register") is not None
    assert page.find("form", action="/sign-out") is None
