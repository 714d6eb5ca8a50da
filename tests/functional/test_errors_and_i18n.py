"""Error pages in the site's own look, and the language: switcher, preference, browser."""

import logging
import re

import pytest
from sqlalchemy import func, select

from ideas import create_app
from ideas.accounts.models import Department, GovernmentLevel, User
from ideas.extensions import db
from ideas.security.access import ACCESS_TABLE, EVERYONE, SIGNED_IN
from tests.conftest import PASSWORD, make_config
from tests.functional.html_dom import parse

CSRF_MESSAGE = "This form has expired or was not sent from this site. Please try again."
LANG_TAGS = {"en": "en-CA", "fr": "fr-CA", "zh_Hant_TW": "zh-Hant-TW"}


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)">', response.text)
    assert match, "no <html lang> on the page"
    return match.group(1)


def assert_site_error_page(response, code: int, title: str, message: str | None = None):
    """The answer is our own page: base.html's skip link and landmarks, no debugging output."""
    assert response.status_code == code
    assert response.mimetype == "text/html"
    page = parse(response.text)
    assert page.one("a", class_="skip-link").get("href") == "#main"
    assert page.one("main", id="main") is not None
    assert page.one("header", class_="site-header") is not None
    assert page.one("h1").text() == title
    assert f"Error code: {code}" in page.one("main").text()
    assert page.one("main").find("a", href="/") is not None
    if message is not None:
        assert message in page.one("main").text()
    for leak in ("Traceback", "Werkzeug Debugger", 'File "', "sqlalchemy", "RuntimeError"):
        assert leak not in response.text


def _department_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Department))


# --- 400: CSRF ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sign-in", "/register", "/language", "/sign-out"])
def test_post_without_csrf_token_gets_site_400_page(client, path):
    response = client.post(path, data={"email": "a@example.gc.ca"}, csrf=False)
    assert_site_error_page(response, 400, "Bad request", CSRF_MESSAGE)


def test_post_with_token_of_another_session_is_refused(app, client, make_user):
    user = make_user()
    other = app.test_client()
    stolen = other.csrf_token()
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": stolen}
    )
    assert_site_error_page(response, 400, "Bad request", CSRF_MESSAGE)
    assert client.get("/profile").status_code == 302  # not signed in


def test_signed_in_post_without_csrf_changes_nothing(app, client, auth):
    user = auth.as_role(display_name="Grace Hopper")
    response = client.post(
        "/profile",
        data={"display_name": "Forged Name", "department": "0", "locale": "en"},
        csrf=False,
    )
    assert_site_error_page(response, 400, "Bad request", CSRF_MESSAGE)
    with app.app_context():
        assert db.session.get(User, user.id).display_name == "Grace Hopper"


def test_csrf_error_answers_json_to_fetch(client, auth, make_idea):
    idea = make_idea()
    auth.as_role()
    response = client.post(
        f"/ideas/{idea.id}/vote",
        data={"value": "1"},
        headers={"Accept": "application/json"},
        csrf=False,
    )
    assert response.status_code == 400
    assert response.is_json
    assert response.json == {"error": CSRF_MESSAGE}


# --- 404 and 405 --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/no-such-page", "/ideas/oops", "/static/missing.css"])
def test_unknown_url_gets_site_404_page(client, path):
    response = client.get(path)
    assert_site_error_page(response, 404, "Page not found")


@pytest.mark.parametrize(
    "path",
    [
        "/members/{missing}",
        "/ideas/{missing}",
        "/ideas/{missing}/edit",
        "/groups/no-such-group",
        "/groups/no-such-group/members",
    ],
)
def test_unknown_id_gets_site_404_page(client, auth, path):
    user = auth.as_role()
    response = client.get(path.format(missing=user.id + 10_000))
    assert_site_error_page(response, 404, "Page not found")
    # The page still knows who is signed in.
    assert user.display_name in response.text


@pytest.mark.parametrize("path", ["/ideas/{missing}/vote", "/ideas/{missing}/follow"])
def test_posting_to_unknown_id_is_404(client, auth, path):
    user = auth.as_role()
    response = client.post(path.format(missing=user.id + 10_000), data={"value": "1"})
    assert_site_error_page(response, 404, "Page not found")


def test_404_answers_json_to_fetch(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {
        "error": "There is nothing at this address. It may have moved or been removed."
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/sign-out"), ("GET", "/language"), ("DELETE", "/profile"), ("PUT", "/register")],
)
def test_wrong_method_gets_site_405_page(client, method, path):
    response = client.open(path, method=method)
    assert_site_error_page(
        response, 405, "Method not allowed", "This address does not accept that kind of request."
    )
    # HTTP requires a 405 to say which methods the address does accept.
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert method not in allowed
    assert "POST" in allowed


# --- 500 ----------------------------------------------------------------------------------


@pytest.fixture
def crashing_app(app, client, monkeypatch):
    """A second app on the same database with routes that fail in different ways.

    The shared app has served requests already, so Flask no longer lets routes be added
    to it; this one is built by the same factory with the same configuration. Its test
    routes are open to everyone in the access table, which refuses routes it does not list.
    """
    for endpoint, method in (("boom", "GET"), ("boom_after_write", "POST")):
        monkeypatch.setitem(ACCESS_TABLE, endpoint, {method: EVERYONE})
    monkeypatch.setitem(ACCESS_TABLE, "boom_in_database", {"GET": SIGNED_IN})
    fresh = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"]))
    fresh.test_client_class = type(client)

    @fresh.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    @fresh.post("/boom-after-write")
    def boom_after_write():
        db.session.add(Department(name_en="Half-done Department", level=GovernmentLevel.FEDERAL))
        db.session.flush()
        raise RuntimeError("failed after writing")

    @fresh.get("/boom-in-database")
    def boom_in_database():
        # A failed flush leaves the session unusable until someone rolls it back.
        existing = db.session.scalars(select(Department)).first()
        db.session.add(Department(name_en=existing.name_en, level=GovernmentLevel.FEDERAL))
        db.session.flush()
        return "unreachable"

    yield fresh
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


def test_crash_shows_site_500_page_and_is_logged(crashing_app, caplog):
    client = crashing_app.test_client()
    with caplog.at_level(logging.ERROR, logger=crashing_app.logger.name):
        response = client.get("/boom")
    assert_site_error_page(
        response,
        500,
        "Something went wrong",
        "An unexpected error happened on our side. Nothing you entered was saved",
    )
    assert "secret internal detail" not in response.text
    assert any(
        record.exc_info and "secret internal detail" in str(record.exc_info[1])
        for record in caplog.records
    )


def test_crash_answers_json_to_fetch(crashing_app):
    response = crashing_app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.is_json
    assert "secret internal detail" not in response.text


def test_crash_after_a_write_keeps_nothing(app, crashing_app):
    client = crashing_app.test_client()
    response = client.post("/boom-after-write")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert _department_count(app) == 0


def test_database_error_is_rolled_back_before_the_error_page(
    app, crashing_app, make_user, make_department
):
    make_department("Health Canada")
    user = make_user(display_name="Grace Hopper")
    client = crashing_app.test_client()
    assert (
        client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )

    response = client.get("/boom-in-database")

    # The error page loads the signed-in member, which needs a usable session.
    assert_site_error_page(response, 500, "Something went wrong")
    assert "Grace Hopper" in response.text
    assert _department_count(app) == 1
    # And the next request on the same app works normally.
    assert client.get("/profile").status_code == 200


# --- Language switcher --------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "tag"), LANG_TAGS.items())
def test_language_switcher_sets_locale_and_stays_on_page(client, locale, tag):
    response = client.post("/language", data={"locale": locale, "next": "/register"})
    assert response.status_code == 302
    assert response.location == "/register"
    page = client.get("/register")
    assert html_lang(page) == tag
    assert parse(page.text).one("select", id="language-select").value() == locale


def test_switcher_options_name_their_own_language(client):
    page = parse(client.get("/").text)
    select_ = page.one("select", id="language-select")
    options = {option.get("value"): option for option in select_.find_all("option")}
    assert {code: option.get("lang") for code, option in options.items()} == {
        "en": "en",
        "fr": "fr",
        "zh_Hant_TW": "zh-Hant-TW",
    }
    assert options["fr"].text() == "Français"
    assert page.one("label", **{"for": "language-select"}).text() == "Language"


def test_switcher_form_points_back_to_the_current_page_with_its_query(client, auth):
    auth.as_role()
    page = parse(client.get("/groups?kind=topic&q=data").text)
    form = page.one("form", class_="language-form")
    assert form.get("method") == "post"
    assert form.get("action") == "/language"
    next_value = form.one("input", name="next").get("value")
    assert next_value == "/groups?kind=topic&q=data"

    response = client.post("/language", data={"locale": "fr", "next": next_value})
    assert response.location == "/groups?kind=topic&q=data"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_switcher_ignores_next_leaving_the_site(client, target):
    response = client.post("/language", data={"locale": "fr", "next": target})
    assert response.status_code == 302
    assert response.location == "/"
    assert html_lang(client.get("/")) == "fr-CA"


def test_switcher_without_next_goes_home(client):
    response = client.post("/language", data={"locale": "fr"})
    assert response.location == "/"


@pytest.mark.parametrize("locale", ["de", "", "zh", "EN"])
def test_switcher_ignores_unknown_language(client, locale):
    client.post("/language", data={"locale": "fr"})
    response = client.post("/language", data={"locale": locale, "next": "/register"})
    assert response.location == "/register"
    assert html_lang(client.get("/register")) == "fr-CA"


def test_switcher_updates_signed_in_members_preference(app, client, auth, make_user):
    user = auth.as_role(locale="en")
    response = client.post("/language", data={"locale": "zh_Hant_TW", "next": "/profile"})
    assert response.location == "/profile"
    with app.app_context():
        assert db.session.get(User, user.id).locale == "zh_Hant_TW"
    page = client.get("/profile")
    assert html_lang(page) == "zh-Hant-TW"
    assert parse(page.text).one("select", id="locale").value() == "zh_Hant_TW"

    # The preference follows the member to another browser.
    other = app.test_client()
    other.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert html_lang(other.get("/")) == "zh-Hant-TW"


def test_visitor_choice_does_not_touch_any_account(app, client, make_user):
    user = make_user(locale="en")
    client.post("/language", data={"locale": "fr"})
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"


def test_members_preference_beats_browser_and_earlier_choice(client, auth):
    client.post("/language", data={"locale": "zh_Hant_TW"})
    auth.as_role(locale="fr")
    response = client.get("/", headers={"Accept-Language": "en-CA,en;q=0.9"})
    assert html_lang(response) == "fr-CA"


def test_switcher_without_csrf_changes_nothing(client, auth, app):
    user = auth.as_role(locale="en")
    response = client.post("/language", data={"locale": "fr"}, csrf=False)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"
    assert html_lang(client.get("/")) == "en-CA"


# --- Browser language ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "tag"),
    [
        (None, "en-CA"),
        ("fr", "fr-CA"),
        ("fr-CA", "fr-CA"),
        ("fr-CA,fr;q=0.9,en-CA;q=0.8,en;q=0.7", "fr-CA"),
        # A regional French ranked first wins over a plain English ranked lower.
        ("fr-CA,en;q=0.8", "fr-CA"),
        ("fr-FR,en-US;q=0.7,en;q=0.3", "fr-CA"),
        # ...and a regional English ranked first wins over a plain French ranked lower.
        ("en-GB,fr;q=0.9", "en-CA"),
        ("de-DE,fr;q=0.5", "fr-CA"),
        ("fr;q=0,en;q=0.5", "en-CA"),
        ("zh-TW", "zh-Hant-TW"),
        ("zh-Hant-TW,en;q=0.5", "zh-Hant-TW"),
        ("de-DE", "en-CA"),
        ("*", "en-CA"),
    ],
)
def test_browser_language_chooses_for_a_visitor(client, accept, tag):
    headers = {"Accept-Language": accept} if accept is not None else {}
    assert html_lang(client.get("/", headers=headers)) == tag


def test_visitors_choice_beats_browser_language(client):
    client.post("/language", data={"locale": "en"})
    response = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert html_lang(response) == "en-CA"


def test_french_visitor_sees_department_names_in_french(client, make_department):
    make_department("Health Canada", name_fr="Santé Canada", name_zh="加拿大衛生部")
    make_department("Public Safety Canada")  # no translation: falls back to English
    french = client.get("/register", headers={"Accept-Language": "fr-CA"})
    options = parse(french.text).one("select", id="department").find_all("option")
    names = [option.text() for option in options]
    assert "Santé Canada" in names
    assert "Public Safety Canada" in names
    assert "Health Canada" not in names
    chinese = client.get("/register", headers={"Accept-Language": "zh-TW"})
    assert "加拿大衛生部" in chinese.text
