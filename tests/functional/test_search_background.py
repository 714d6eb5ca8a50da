"""The served application (wsgi.py under gunicorn) drains the search queue in a thread."""

import time
import urllib.request

import pytest

from ideas.accounts.models import User
from ideas.board.models import Idea
from ideas.board.services import cast_vote
from ideas.extensions import db
from ideas.search import index as search
from tests.live_server import gunicorn

pytestmark = pytest.mark.usefixtures("ctx")


def test_the_served_app_applies_queued_votes_without_being_asked(
    app, database_url, make_idea, make_user, monkeypatch, tmp_path
):
    # This process only queues the vote: it took the queue just now, and flushes once a minute.
    monkeypatch.setitem(app.config, "SEARCH_VOTES_FLUSH_SECONDS", 60.0)
    monkeypatch.setitem(search._TAKEN, str(search._store().root), time.monotonic())
    idea = make_idea(title="Carpool board")
    cast_vote(db.session.get(User, make_user().id), db.session.get(Idea, idea.id), 1)
    db.session.commit()
    assert search._store().peek_pending() == {idea.id}
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "IDEAS_INSTANCE_PATH": str(tmp_path / "instance"),
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "SEARCH_SYNC_SECONDS": "0.2",
    }
    with gunicorn(env, tmp_path / "gunicorn.log", workers=1, threads=2) as server:
        # One request, answered with a redirect to the sign-in page, starts the thread.
        with urllib.request.urlopen(f"{server.url}/ideas") as response:  # noqa: S310 - loopback
            assert response.status == 200
        # The thread takes the queue, then writes: done when the index matches again.
        deadline = time.monotonic() + 30
        while not search.check().ok and time.monotonic() < deadline:
            time.sleep(0.1)
        report = search.check()
        assert report.ok, (report, server.log())
    assert search._store().peek_pending() == set()
