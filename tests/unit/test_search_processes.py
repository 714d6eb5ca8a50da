"""Several worker processes writing to one index at once lose no update."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ideas.extensions import db
from ideas.search import index as search

pytestmark = pytest.mark.usefixtures("ctx")
ROOT = Path(__file__).resolve().parents[2]
PER_PROCESS = 15

# Each process edits its own ideas one commit at a time, as a gunicorn worker serving
# members would; the after-commit hook indexes each edit while the other process does too.
WORKER = """
import os, sys, time
from config import Config
from ideas import create_app
from ideas.board.models import Idea
from ideas.extensions import db
url, index_dir, go, tag, *ids = sys.argv[1:]
settings = {"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": index_dir, "SECRET_KEY": "x",
            "SEARCH_LOCK_TIMEOUT": 10.0}
app = create_app(type("C", (Config,), settings))
while not os.path.exists(go):  # start together
    time.sleep(0.01)
with app.app_context():
    for wave in ("early", "final"):
        for idea_id in ids:
            db.session.get(Idea, int(idea_id)).title = f"{tag} {wave} edit of idea {idea_id}"
            db.session.commit()
"""


def test_two_processes_writing_at_once_lose_no_update(make_idea, app, database_url, tmp_path):
    ideas = [make_idea(title=f"Before the race {n}") for n in range(2 * PER_PROCESS)]
    go = tmp_path / "go"
    env = {**os.environ, "IDEAS_INSTANCE_PATH": str(tmp_path)}
    workers = []
    for tag, chunk in (("alpha", ideas[:PER_PROCESS]), ("omega", ideas[PER_PROCESS:])):
        args = [database_url, app.config["SEARCH_INDEX_DIR"], str(go), tag]
        workers.append(
            subprocess.Popen(  # noqa: S603 - our own script
                [sys.executable, "-c", WORKER, *args, *(str(i.id) for i in chunk)],
                cwd=ROOT,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    time.sleep(0.5)  # both import the app before the start signal
    go.touch()
    for worker in workers:
        _, errors = worker.communicate(timeout=180)
        assert worker.returncode == 0, errors
    db.session.expire_all()
    report = search.check()
    assert report.ok, report
    for tag in ("alpha", "omega"):
        assert search.query(f"{tag} final").total == PER_PROCESS
        assert search.query(f"{tag} early").total == 0
    assert search.query("before race").total == 0
