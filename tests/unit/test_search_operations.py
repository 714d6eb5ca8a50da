"""Operating the index: rebuild swap, drift check, busy index queue, CLI, crashed writers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update

from ideas.board.models import Idea
from ideas.extensions import db
from ideas.search import index as search
from ideas.search.store import JOURNAL, PENDING, POINTER

pytestmark = pytest.mark.usefixtures("ctx")
ROOT = Path(__file__).resolve().parents[2]


def titles(text: str) -> list[str]:
    return sorted(result.idea.title for result in search.query(text).results)


def store():
    return search._store()


def test_rebuild_builds_a_new_generation_and_swaps_it_in(make_idea):
    for n in range(3):
        make_idea(title=f"Carpool matching service {n}")
    before = store().current_name()
    # A search running in another worker while the rebuild happens.
    old_searcher = store().searcher()
    report = search.rebuild()
    after = store().current_name()
    assert after != before
    assert (store().root / POINTER).read_text() == after
    assert not (store().root / before).exists()  # the old generation is removed
    assert report.documents == 3 and report.size_bytes > 0
    assert len(titles("carpool")) == 3
    # A search that began on the old generation still completes: its files stay open.
    assert old_searcher.num_docs == 3


def test_changes_committed_during_a_rebuild_reach_the_new_index(make_idea, monkeypatch):
    first = make_idea(title="Standing desks on request")
    second = make_idea(title="Quiet rooms on every floor")
    real = search.all_documents

    def documents_with_a_commit_midway(session):
        for n, document in enumerate(real(session)):
            if n == 1:
                # Another request edits the first idea after the rebuild has read it.
                db.session.get(Idea, first.id).title = "Sit-stand desks"
                db.session.commit()
            yield document

    monkeypatch.setattr(search, "all_documents", documents_with_a_commit_midway)
    report = search.rebuild()
    assert report.caught_up >= 1
    assert titles("desks") == ["Sit-stand desks"]
    assert titles("quiet") == [second.title]
    assert not (store().root / JOURNAL).exists()


def test_check_finds_missing_stale_and_extra_ideas_and_repairs_them(make_idea, app):
    missing, stale, extra, fine = (make_idea(title=f"Check subject {n}") for n in range(4))
    search.remove_idea(missing.id)
    # Bulk updates bypass the ORM events that keep the index current: drift on purpose.
    db.session.execute(update(Idea).where(Idea.id == stale.id).values(title="Renamed quietly"))
    db.session.execute(update(Idea).where(Idea.id == extra.id).values(hidden=True))
    db.session.commit()
    report = search.check()
    assert (report.missing, report.stale, report.extra) == ([missing.id], [stale.id], [extra.id])
    assert not report.ok
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "1 idea(s) missing" in result.output and "1 idea(s) stale" in result.output
    assert runner.invoke(args=["search", "check", "--repair"]).exit_code == 1
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert titles("renamed") == ["Renamed quietly"]
    assert fine.id in {r.idea.id for r in search.query("check subject").results}


def test_cli_rebuild_and_rebuild_if_missing(make_idea, app):
    make_idea(title="Lunch and learn sessions")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "rebuild", "--if-missing"])
    assert result.exit_code == 0 and "not rebuilt" in result.output
    # An index lacking ideas (one created before search existed, say) counts as missing.
    db.session.execute(
        update(Idea).where(Idea.id == make_idea(title="Older idea").id).values(title="Older")
    )
    db.session.commit()
    search.remove_idea(db.session.scalar(select(Idea.id).where(Idea.title == "Older")))
    result = runner.invoke(args=["search", "rebuild", "--if-missing"])
    assert result.exit_code == 0 and "Indexed 2 ideas" in result.output
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert titles("older") == ["Older"]


def test_a_busy_index_queues_the_change_and_the_next_writer_applies_it(make_idea, app):
    waiting = make_idea(title="Original title of the waiting idea")
    other = make_idea(title="Another idea entirely")
    app.config["SEARCH_LOCK_TIMEOUT"] = 0.1
    lock = store().lock(store().current_name())
    assert lock.acquire()  # another writer holds the index (flock excludes us too)
    try:
        db.session.get(Idea, waiting.id).title = "Renamed while the index was busy"
        db.session.commit()  # the commit itself succeeds
        assert store().peek_pending() == {waiting.id}
        assert titles("busy") == []
    finally:
        lock.release()
    db.session.get(Idea, other.id).title = "Another idea renamed later"
    db.session.commit()
    assert titles("busy") == ["Renamed while the index was busy"]
    assert store().peek_pending() == set()


CRASHING_WRITER = """
import os, sys
from config import Config
from ideas import create_app
from ideas.search import documents, engine, index
app = create_app(type("C", (Config,), {"SQLALCHEMY_DATABASE_URI": sys.argv[1],
                                       "SEARCH_INDEX_DIR": sys.argv[2], "SECRET_KEY": "x"}))
with app.app_context():
    store = index._store()
    with store.locked(5) as ix:
        writer = ix.writer(20_000_000, 1)
        if sys.argv[3] == "mid-write":
            for n in range(200):
                junk = dict(documents.load_documents(index.db.session, [int(sys.argv[4])]))
                doc = junk[int(sys.argv[4])] | {"id": str(10_000 + n), "title": "junk document"}
                writer.add_document(engine.to_document(doc))
            os._exit(1)  # dies holding both locks, with documents added but not committed
        # Dies right after its commit, before closing the writer or releasing the locks.
        idea_id = int(sys.argv[4])
        writer.delete_documents_by_term("id", idea_id)
        doc = documents.load_documents(index.db.session, [idea_id])[idea_id]
        writer.add_document(engine.to_document(doc))
        writer.commit()
        os._exit(1)
"""


@pytest.mark.parametrize("moment", ["mid-write", "after-commit"])
def test_a_writer_that_dies_leaves_a_working_unlocked_index(
    make_idea, app, database_url, tmp_path, moment
):
    idea = make_idea(title="Survives crashed writers")
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(title="Edited survivor"))
    db.session.commit()
    env = {**os.environ, "IDEAS_INSTANCE_PATH": str(tmp_path)}
    args = [database_url, app.config["SEARCH_INDEX_DIR"], moment, str(idea.id)]
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-c", CRASHING_WRITER, *args], cwd=ROOT, env=env, timeout=60
    )
    assert result.returncode != 0  # it really died
    assert titles("junk") == []  # nothing uncommitted is visible
    if moment == "mid-write":
        # The last committed state is intact: the old words still find the idea.
        assert titles("survives crashed") == ["Edited survivor"]
    else:
        # What it committed before dying is there.
        assert titles("survives crashed") == []
        assert titles("edited survivor") == ["Edited survivor"]
    # Both locks died with the process: the next write goes through at once.
    app.config["SEARCH_LOCK_TIMEOUT"] = 0.5
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(title="Edited again"))
    db.session.commit()
    assert search.index_idea(idea.id)
    assert titles("edited survivor") == []
    assert titles("edited again") == ["Edited again"]
    assert not (store().root / PENDING).exists() or store().peek_pending() == set()
