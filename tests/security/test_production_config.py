"""Production refuses to start unsafely, and a crash shows the site's own 500 page.

`IDEAS_ENV=production` (what a deployment sets) refuses debug mode and a missing or short
SECRET_KEY with a message naming the fix; `development` (the default, `make run`) still
generates its key into the instance folder. A production app whose view raises answers
with the site's error page, or JSON for fetch(), and never a traceback.
"""

import os
import subprocess
import sys

import pytest

from config import Config
from ideas import create_app
from ideas.security import access
from ideas.security.production import UnsafeConfiguration
from tests.functional.test_errors_and_i18n import assert_site_error_page

STRONG_KEY = "k" * 48


def production_config(database_url: str, **overrides) -> type[Config]:
    """What a deployment sets: production, not testing, an explicit key and database."""
    settings = {
        "IDEAS_ENV": "production", "SECRET_KEY": STRONG_KEY, "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }  # fmt: skip
    return type("ProductionConfig", (Config,), settings)


@pytest.fixture
def database_uri(app):
    """The test database (the `app` fixture empties it afterwards)."""
    return app.config["SQLALCHEMY_DATABASE_URI"]


def test_production_with_a_strong_key_and_no_debug_starts(database_uri):
    app = create_app(production_config(database_uri))
    assert not app.debug and app.config["SECRET_KEY"] == STRONG_KEY


def test_production_refuses_debug_from_the_config(database_uri):
    with pytest.raises(UnsafeConfiguration, match="debug mode"):
        create_app(production_config(database_uri, DEBUG=True))


def test_production_refuses_flask_debug_from_the_environment(database_uri, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")  # what `flask run --debug` sets
    with pytest.raises(UnsafeConfiguration, match="unset FLASK_DEBUG"):
        create_app(production_config(database_uri))


def test_production_refuses_to_run_without_an_explicit_secret_key(
    database_uri, tmp_path, monkeypatch
):
    # Even a key generated earlier by `make run` does not count: it is per host.
    monkeypatch.setenv("IDEAS_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "secret_key").write_text("a generated key would be here " * 3)
    with pytest.raises(UnsafeConfiguration, match="explicit SECRET_KEY"):
        create_app(production_config(database_uri, SECRET_KEY=None))


def test_production_refuses_a_short_secret_key(database_uri):
    with pytest.raises(UnsafeConfiguration, match="at least 32"):
        create_app(production_config(database_uri, SECRET_KEY="changeme"))


def test_an_unknown_environment_name_is_refused_rather_than_taken_as_development(database_uri):
    with pytest.raises(UnsafeConfiguration, match="IDEAS_ENV"):
        create_app(production_config(database_uri, IDEAS_ENV="prod"))


def test_development_still_generates_its_own_key(database_uri, tmp_path, monkeypatch):
    monkeypatch.setenv("IDEAS_INSTANCE_PATH", str(tmp_path))
    app = create_app(production_config(database_uri, IDEAS_ENV="development", SECRET_KEY=None))
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert len(app.config["SECRET_KEY"]) >= 32


def test_the_environment_variable_selects_production():
    code = "import config; print(config.Config.IDEAS_ENV)"
    env = {**os.environ, "IDEAS_ENV": " Production "}
    result = subprocess.run(  # noqa: S603 - our own interpreter running fixed code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "production"


def test_wsgi_refuses_to_start_in_production_without_a_key(tmp_path):
    env = {**os.environ, "IDEAS_ENV": "production", "IDEAS_INSTANCE_PATH": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "IDEAS_ENV=production needs an explicit SECRET_KEY" in result.stderr


@pytest.fixture
def crashing_production_app(database_uri, monkeypatch):
    """A production app whose home page raises (an endpoint the access table lets anyone use)."""
    app = create_app(production_config(database_uri))

    def broken_home():
        raise RuntimeError("secret internal detail in production")

    monkeypatch.setitem(app.view_functions, "main.home", broken_home)
    assert "main.home" in access.ACCESS_TABLE
    return app


def test_a_crash_in_production_shows_the_sites_own_500_page(crashing_production_app):
    response = crashing_production_app.test_client().get("/")
    assert_site_error_page(response, 500, "Something went wrong")
    assert "secret internal detail" not in response.text


def test_a_crash_in_production_answers_json_to_fetch(crashing_production_app):
    client = crashing_production_app.test_client()
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.is_json and response.json["error"].startswith("An unexpected error")
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
