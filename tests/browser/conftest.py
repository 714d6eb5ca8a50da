"""Browser fixtures: the app under gunicorn on 127.0.0.1 and Debian's Chromium via Playwright.

Without Chromium the browser tests are skipped with a message, except in CI (CI=true),
where a missing browser is a failure.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "browser-test-secret",
        "PASSWORD_HASH_METHOD": _app.config["PASSWORD_HASH_METHOD"],
        "IDEAS_INSTANCE_PATH": str(tmp_path_factory.mktemp("live-instance")),
        "IDEAS_PER_PAGE": "5",
    }
    log = (tmp_path_factory.mktemp("live-log") / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "4", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=1)  # noqa: S310 - loopback only
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


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
