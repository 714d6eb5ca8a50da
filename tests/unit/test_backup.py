"""`flask backup` and `flask restore` on a live database, while another thread writes."""

import sqlite3
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from ideas import create_app
from ideas.accounts.models import User
from ideas.accounts.services import register_user
from ideas.backup.services import BackupError, backup_database, restore_database
from ideas.board.models import Idea, Theme, Vote
from ideas.board.services import cast_vote, post_idea
from ideas.extensions import db
from tests.conftest import BACKEND, PASSWORD, make_config, scratch_database

VOTERS, IDEAS = 12, 6


@pytest.fixture
def live(tmp_path):
    """An app of its own on a file database (SQLite) or a new PostgreSQL database."""
    with scratch_database(tmp_path, prefix="ideas_backup") as url:
        application = create_app(make_config(url, SEARCH_INDEX_DIR=str(tmp_path / "search")))
        with application.app_context():
            upgrade()
            theme = db.session.scalar(select(Theme).limit(1))
            for n in range(VOTERS):
                register_user(f"voter{n}@example.gc.ca", f"Voter {n}", PASSWORD)
            author = register_user("author@example.gc.ca", "Author", PASSWORD)
            for n in range(IDEAS):
                post_idea(author, f"Idea number {n} for backups", "Body text.", theme)
            db.session.commit()
        yield application, url
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def _wait_for(done: list[int], count: int, writer: threading.Thread) -> None:
    """Until the writer has committed `count` actions (it must not have died)."""
    while len(done) < count:
        assert writer.is_alive(), "the writing thread stopped early"
        writer.join(0.01)


def _write_until(application, stop: threading.Event, done: list[int]) -> None:
    """Vote up, down and away on every idea, one committed action at a time."""
    with application.app_context():
        users = db.session.scalars(select(User).where(User.email.like("voter%"))).all()
        ideas = db.session.scalars(select(Idea)).all()
        step = 0
        while not stop.is_set():
            user, idea = users[step % len(users)], ideas[step % len(ideas)]
            cast_vote(user, idea, (1, -1, 0)[step % 3])
            db.session.commit()
            done.append(step)
            step += 1
        db.session.remove()


def _snapshot(url: str, tmp_path) -> dict:
    """Row counts, and whether each idea's counters agree with its vote rows."""
    application = create_app(make_config(url, SEARCH_INDEX_DIR=str(tmp_path / "s2")))
    with application.app_context():
        ideas = db.session.scalars(select(Idea)).all()
        votes = {
            (idea_id, value): count
            for idea_id, value, count in db.session.execute(
                select(Vote.idea_id, Vote.value, func.count()).group_by(Vote.idea_id, Vote.value)
            )
        }
        result = {
            "ideas": len(ideas),
            "votes": sum(votes.values()),
            "users": db.session.scalar(select(func.count()).select_from(User)),
            "mismatches": [
                idea.id
                for idea in ideas
                if idea.up_count != votes.get((idea.id, 1), 0)
                or idea.down_count != votes.get((idea.id, -1), 0)
            ],
        }
        db.session.remove()
        db.engine.dispose()
    return result


def test_a_backup_under_write_load_is_consistent_and_restores(live, tmp_path):
    application, url = live
    stop, done = threading.Event(), []
    writer = threading.Thread(target=_write_until, args=(application, stop, done))
    writer.start()
    try:
        _wait_for(done, 30, writer)  # the writer is well under way before the backup starts
        report = backup_database(url, tmp_path / "ideas.backup")
        _wait_for(done, len(done) + 30, writer)  # and carries on after it
    finally:
        stop.set()
        writer.join(timeout=30)
    assert report.path.exists() and report.size > 0
    if BACKEND == "sqlite":
        with sqlite3.connect(report.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # Restore into a second, empty database: the copy is a snapshot of one moment, so
    # every idea's counters agree with its vote rows although votes were changing.
    with scratch_database(tmp_path, prefix="ideas_restored") as other:
        restore_database(other, report.path)
        restored = _snapshot(other, tmp_path)
    assert restored["mismatches"] == []
    assert restored["ideas"] == IDEAS and restored["users"] == VOTERS + 1
    assert restored["votes"] > 0

    # Restoring over the live database brings it back to the backup's state.
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    restore_database(url, report.path)
    assert _snapshot(url, tmp_path) == restored


def test_the_cli_backs_up_and_restores(live, tmp_path):
    application, url = live
    runner = application.test_cli_runner()

    made = runner.invoke(args=["backup", str(tmp_path / "cli.backup")])
    assert made.exit_code == 0, made.output
    assert "Backed up" in made.output
    with application.app_context():
        db.session.execute(Vote.__table__.delete())
        db.session.execute(Idea.__table__.delete())
        db.session.commit()
        db.session.remove()

    restored = runner.invoke(args=["restore", str(tmp_path / "cli.backup"), "--yes"])

    assert restored.exit_code == 0, restored.output
    assert "Rebuilt the search index (6 ideas)" in restored.output
    assert _snapshot(url, tmp_path)["ideas"] == IDEAS


def test_a_missing_or_damaged_backup_is_refused_and_changes_nothing(live, tmp_path):
    _application, url = live
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 2000)
    with pytest.raises(BackupError):
        restore_database(url, tmp_path / "missing.backup")
    with pytest.raises(BackupError):
        restore_database(url, damaged)
    assert _snapshot(url, tmp_path)["ideas"] == IDEAS


def test_an_in_memory_database_cannot_be_backed_up(tmp_path):
    with pytest.raises(BackupError, match="in-memory"):
        backup_database("sqlite://", tmp_path / "x.backup")
    with pytest.raises(BackupError, match="not mysql"):
        backup_database("mysql://u@localhost/x", tmp_path / "x.backup")
