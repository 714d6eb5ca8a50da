"""`flask search sync --every N`, run as its own process, drains the queue of vote changes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ideas.accounts.models import User
from ideas.board.models import Idea
from ideas.board.services import cast_vote
from ideas.extensions import db
from ideas.search import index as search

pytestmark = pytest.mark.usefixtures("ctx")
ROOT = Path(__file__).resolve().parents[2]


def test_the_sync_loop_applies_queued_votes_and_stops_on_sigterm(
    app, database_url, make_idea, make_user, monkeypatch, tmp_path
):
    # The vote is only queued: a writer took the queue just now, and votes flush once a minute.
    monkeypatch.setitem(app.config, "SEARCH_VOTES_FLUSH_SECONDS", 60.0)
    search._store().mark_taken()
    idea = make_idea(title="Carpool board")
    cast_vote(db.session.get(User, make_user().id), db.session.get(Idea, idea.id), 1)
    db.session.commit()
    assert search._store().peek_pending() == {idea.id}
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "IDEAS_INSTANCE_PATH": str(tmp_path / "instance"),
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
    }
    command = [sys.executable, "-m", "flask", "search", "sync", "--every", "0.2"]
    loop = subprocess.Popen(  # noqa: S603 - our own command line
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        # The loop takes the queue, then writes: done when the index matches again.
        deadline = time.monotonic() + 30
        while not search.check().ok and time.monotonic() < deadline and loop.poll() is None:
            time.sleep(0.1)
        report = search.check()
    finally:
        loop.send_signal(signal.SIGTERM)
        output, _ = loop.communicate(timeout=30)
    assert report.ok, (report, output)
    assert search._store().peek_pending() == set()
    assert loop.returncode == 0, output
    assert "1 queued idea(s) applied." in output
    assert output.rstrip().endswith("Stopped.")
