"""Browser fixtures: the app under gunicorn on 127.0.0.1 and Debian's Chromium via Playwright.

Without Chromium the browser tests are skipped with a message, except in CI (CI=true),
where a missing browser is a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.live_server import gunicorn

CHROMIUM = os.environ.get("IDEAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def chromium_path():
    """The browser binary, or a skip (a failure in CI) when it is not installed."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(_app, database_url, tmp_path_factory):
    """The app served by gunicorn on a free loopback port, on the test database."""
    env = {
        "DATABASE_URL": database_url,
        # The test app's key: links that seed_site signs (password reset...) must verify.
        "SECRET_KEY": _app.config["SECRET_KEY"],
        "PASSWORD_HASH_METHOD": _app.config["PASSWORD_HASH_METHOD"],
        "IDEAS_INSTANCE_PATH": str(tmp_path_factory.mktemp("live-instance")),
        "IDEAS_PER_PAGE": "5",
        # The browser tests sign in dozens of times a minute from one address; the rate
        # limits have their own tests (tests/security/test_rate_limits.py).
        "RATELIMIT_ENABLED": "false",
        # Tests write rows behind the server's back, between and within tests: a worker's
        # cached counts, names or dashboards would show an earlier test's data.
        "IDEAS_COUNT_CACHE_SECONDS": "0",
        "IDEAS_REFERENCE_CACHE_SECONDS": "0",
        "DASHBOARD_CACHE_SECONDS": "0",
    }
    log_path = tmp_path_factory.mktemp("live-log") / "gunicorn.log"
    with gunicorn(env, log_path, workers=1, threads=4) as server:
        yield server.url


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server, app):
    """A fresh browser page (own cookies) with JavaScript on; the database is emptied after."""
    context = browser.new_context(base_url=live_server)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def page_without_js(browser, live_server, app):
    """A fresh browser page with JavaScript turned off."""
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(tab, user, password):
    """Sign in through the real form, using the keyboard only."""
    tab.goto("/sign-in")
    tab.get_by_label("Email").fill(user.email)
    tab.get_by_label("Password").fill(password)
    tab.get_by_label("Password").press("Enter")
    tab.wait_for_url("**/")
