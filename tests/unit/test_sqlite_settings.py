"""SQLite connection settings read back from pooled connections, and IMMEDIATE write actions.

These settings and locks are SQLite's own: on the PostgreSQL pass only the config default
is checked (PostgreSQL locks rows, so two actions writing different rows never wait).
"""

import sqlite3
import threading
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from config import TestConfig
from ideas import create_app
from ideas.accounts.models import Department, GovernmentLevel
from ideas.extensions import db
from ideas.web import transaction
from tests.conftest import BACKEND, make_config

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite connection settings")

PRAGMAS = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
SYNCHRONOUS_NUMBERS = {"OFF": 0, "NORMAL": 1, "FULL": 2, "EXTRA": 3}


def _pragmas_of_pool(application, connections: int = 3) -> list[dict[str, object]]:
    """Open several connections at once (so the pool must create each) and read them."""
    with application.app_context(), ExitStack() as stack:
        opened = [stack.enter_context(db.engine.connect()) for _ in range(connections)]
        raw = {id(conn.connection.driver_connection) for conn in opened}
        assert len(raw) == connections, "the pool handed out the same connection twice"
        return [
            {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in PRAGMAS}
            for conn in opened
        ]


@sqlite_only
def test_every_pooled_connection_has_the_default_settings(app):
    """WAL, synchronous=FULL, foreign keys on and a 5 s busy timeout, on every connection."""
    for settings in _pragmas_of_pool(app):
        assert settings == {
            "journal_mode": "wal",
            "synchronous": SYNCHRONOUS_NUMBERS["FULL"],
            "foreign_keys": 1,
            "busy_timeout": 5000,
        }


@sqlite_only
def test_synchronous_and_busy_timeout_come_from_the_config(app):
    """SQLITE_SYNCHRONOUS and SQLITE_BUSY_TIMEOUT_MS reach every connection."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    other = create_app(make_config(url, SQLITE_SYNCHRONOUS="normal", SQLITE_BUSY_TIMEOUT_MS=1234))
    try:
        for settings in _pragmas_of_pool(other):
            assert settings["synchronous"] == SYNCHRONOUS_NUMBERS["NORMAL"]
            assert settings["busy_timeout"] == 1234
            assert settings["foreign_keys"] == 1
            assert settings["journal_mode"] == "wal"
    finally:
        with other.app_context():
            db.engine.dispose()


@sqlite_only
def test_an_unknown_synchronous_level_stops_the_start(app):
    """A typo in SQLITE_SYNCHRONOUS fails loudly instead of running with SQLite's default."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        create_app(make_config(url, SQLITE_SYNCHRONOUS="SOMETIMES"))


def test_the_production_default_is_full():
    """Durability first: the shipped default syncs every commit."""
    assert TestConfig.SQLITE_SYNCHRONOUS == "FULL"
    assert TestConfig.SQLITE_BUSY_TIMEOUT_MS == 5000


def _database_file(application) -> str:
    return application.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def _can_take_write_lock(path: str) -> bool:
    """Try SQLite's write lock from an outside connection, without waiting."""
    outside = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        outside.execute("BEGIN IMMEDIATE")
        outside.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        outside.close()


@sqlite_only
def test_writes_begin_immediate_and_reads_take_no_lock(app, ctx):
    """A read never locks; a read for update or a write takes the write lock at once."""
    path = _database_file(app)
    assert db.session.connection().connection.driver_connection.isolation_level == "IMMEDIATE"
    with transaction():
        db.session.scalars(select(Department)).all()  # a page reading the database
        assert _can_take_write_lock(path)
        db.session.scalars(select(Department).with_for_update()).all()  # read to write
        assert not _can_take_write_lock(path)
    assert _can_take_write_lock(path)
    with transaction():
        db.session.add(Department(name_en="Written", level=GovernmentLevel.FEDERAL))
        db.session.flush()
        assert not _can_take_write_lock(path)
    assert _can_take_write_lock(path)


@sqlite_only
def test_a_savepoint_takes_the_write_lock(app, ctx):
    """begin_nested() only ever wraps writes: its transaction starts with the lock too."""
    path = _database_file(app)
    db.session.commit()
    with db.session.begin_nested():
        db.session.connection()  # the SAVEPOINT is sent when the block first needs it
        assert not _can_take_write_lock(path)
    db.session.rollback()
    assert _can_take_write_lock(path)


@sqlite_only
def test_a_second_writer_waits_for_the_first_instead_of_failing(app):
    """Two actions at once: the second blocks until the first commits, then both are saved."""
    first_holds_lock, release_first = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first():
        with app.app_context():
            try:
                with transaction():
                    db.session.add(
                        Department(name_en="First department", level=GovernmentLevel.FEDERAL)
                    )
                    db.session.flush()
                    first_holds_lock.set()
                    release_first.wait(10)
            except BaseException as error:  # reported by the test thread
                errors.append(error)
                first_holds_lock.set()

    def second():
        with app.app_context():
            try:
                with transaction():
                    # Reads for update first, as services do, then writes: it must wait
                    # for the first writer, then see its row.
                    seen = len(db.session.scalars(select(Department).with_for_update()).all())
                    db.session.add(
                        Department(
                            name_en=f"Second department, after {seen}",
                            level=GovernmentLevel.FEDERAL,
                        )
                    )
            except BaseException as error:  # reported by the test thread
                errors.append(error)

    one = threading.Thread(target=first)
    one.start()
    assert first_holds_lock.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.3)
    still_waiting = two.is_alive()
    release_first.set()
    one.join(10)
    two.join(10)
    assert not errors, errors
    assert still_waiting, "the second writer should wait for the first one's lock"
    with app.app_context():
        names = set(db.session.scalars(select(Department.name_en)))
    assert names == {"First department", "Second department, after 1"}
