"""Crash test: SIGKILL gunicorn (master and workers) under a write load, then restart.

Members post ideas through the real server from several threads. Mid-load, the whole
process group is killed at once, as a power cut or the OOM killer would. After a restart
on the same database and search index: every idea whose POST was answered with a redirect
(acknowledged) is there with its title, SQLite's integrity check says ok, the search index
opens, and after `flask search check --repair` (the documented recovery step) the check is
clean. The figures are printed for docs/security.md.
"""

import http.cookiejar
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.engine import make_url

from ideas import create_app
from ideas.accounts.services import register_user
from ideas.board.models import Idea, Theme
from ideas.extensions import db
from ideas.search.index import check, query
from tests.conftest import BACKEND, PASSWORD, make_config, scratch_database
from tests.live_server import ROOT, _wait_until_up, free_port

WRITERS = 4
# Kill once this many writes were acknowledged (or after LOAD_LIMIT seconds, on a slow day).
ACKNOWLEDGED_BEFORE_KILL = 40
LOAD_LIMIT = 30.0
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
IDEA_PATH = re.compile(r"/ideas/(\d+)$")


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


def _start(env: dict, log_path) -> tuple[subprocess.Popen, str]:
    """gunicorn with two workers in its own process group, so one signal kills them all."""
    port = free_port()
    log = log_path.open("a")
    process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "2", "wsgi:app"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    _wait_until_up(process, url, 30, log_path)
    return process, url


def _kill_all(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _writer(url: str, email: str, theme_id: int, stop, acknowledged, errors, tag: str) -> None:
    """Sign in, then post ideas until stopped or the server is gone."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _KeepRedirects()
    )

    def call(path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(url + path, data=body, timeout=10) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode(errors="replace")

    token = CSRF_META.search(call("/sign-in")[2]).group(1)
    call("/sign-in", {"csrf_token": token, "email": email, "password": PASSWORD})
    token = CSRF_META.search(call("/ideas/new")[2]).group(1)
    n = 0
    while not stop.is_set():
        title = f"Crash test idea {tag} number {n}"
        form = {"csrf_token": token, "title": title, "theme": str(theme_id), "group": "0",
                "language": "en", "body": f"{tag}, write {n}.", "submit": "1"}  # fmt: skip
        try:
            status, headers, _body = call("/ideas/new", form)
        except OSError:
            return  # the server died: this write was never acknowledged
        if status == 302 and IDEA_PATH.search(headers.get("Location", "")):
            idea_id = int(IDEA_PATH.search(headers["Location"]).group(1))
            acknowledged.append((idea_id, title))
        elif status >= 500:
            errors.append(status)
        n += 1


def test_acknowledged_writes_survive_a_sigkill_of_every_server_process(tmp_path, capsys):
    with scratch_database(tmp_path, prefix="ideas_crash") as url:
        search_dir = str(tmp_path / "search")
        config = make_config(url, SEARCH_INDEX_DIR=search_dir)
        application = create_app(config)
        with application.app_context():
            upgrade()
            theme_id = db.session.scalar(select(Theme.id).limit(1))
            for n in range(WRITERS):
                register_user(f"writer{n}@example.gc.ca", f"Writer {n}", PASSWORD)
            db.session.commit()
            db.engine.dispose()
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": "crash-test-secret",
            "PASSWORD_HASH_METHOD": config.PASSWORD_HASH_METHOD,
            "IDEAS_INSTANCE_PATH": str(tmp_path / "instance"),
            "SEARCH_INDEX_DIR": search_dir,
            "RATELIMIT_ENABLED": "false",
        }
        log_path = tmp_path / "gunicorn.log"
        process, base = _start(env, log_path)
        stop, acknowledged, errors = threading.Event(), [], []
        threads = [
            threading.Thread(
                target=_writer,
                args=(base, f"writer{n}@example.gc.ca", theme_id, stop, acknowledged, errors,
                      f"w{n}"),
            )
            for n in range(WRITERS)
        ]  # fmt: skip
        try:
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + LOAD_LIMIT
            while len(acknowledged) < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
                time.sleep(0.05)
            _kill_all(process)  # mid-load: requests are in flight
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            if process.poll() is None:
                _kill_all(process)

        process, base = _start(env, log_path)  # the site comes back on the same files
        try:
            with urllib.request.urlopen(base + "/", timeout=10) as response:  # noqa: S310
                assert response.status == 200
        finally:
            process.terminate()
            process.wait(timeout=10)

        if BACKEND == "sqlite":
            with sqlite3.connect(make_url(url).database) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with application.app_context():
            found = dict(db.session.execute(select(Idea.id, Idea.title)).all())
            lost = [(i, t) for i, t in acknowledged if found.get(i) != t]
            query("crash")  # the index opens and answers
            before_repair = check()
            check(repair=True)
            after_repair = check()
            db.session.remove()
            db.engine.dispose()

    with capsys.disabled():
        print(
            f"\ncrash test ({BACKEND}): {len(acknowledged)} acknowledged writes, "
            f"{len(acknowledged) - len(lost)} found after restart, {len(found)} ideas in the "
            f"database, {len(errors)} 5xx; search before repair: missing "
            f"{len(before_repair.missing)}, stale {len(before_repair.stale)}, pending "
            f"{before_repair.pending}"
        )
    assert len(acknowledged) > 0, "the load never got a write through"
    assert lost == []
    assert errors == []
    assert after_repair.ok, after_repair
