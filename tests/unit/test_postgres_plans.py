"""On PostgreSQL, read-only transactions keep psycopg's prepared statements; writes still roll back.

psycopg forgets its prepared statements at every ROLLBACK, and every request ends with
one, so without ideas/postgres.py PostgreSQL planned every statement of every page
afresh. The SQLite pass has nothing to check: SQLite has no server-side plans.
"""

import psycopg
import pytest
from sqlalchemy import func, insert, select

from ideas.accounts.models import Department, GovernmentLevel
from ideas.board.models import Theme
from ideas.extensions import db
from ideas.postgres import PREPARED_MAX, plan_afresh
from tests.conftest import BACKEND

pytestmark = [
    pytest.mark.skipif(BACKEND != "postgresql", reason="psycopg's prepared statements"),
    pytest.mark.usefixtures("ctx"),
]


def prepared_on(conn) -> int:
    return conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()


def departments_named(conn, name: str) -> int:
    return conn.scalar(
        select(func.count()).select_from(Department).where(Department.name_en == name)
    )


def test_read_only_transactions_keep_the_prepared_statements():
    with db.engine.connect() as conn:
        assert conn.connection.dbapi_connection.prepared_max == PREPARED_MAX
        for _ in range(8):  # psycopg prepares a statement at its fifth run on a connection
            conn.execute(select(Theme.id).where(Theme.code == "no-such-theme")).all()
            conn.rollback()
        assert prepared_on(conn) >= 1


def test_sessions_that_only_read_keep_them_from_one_request_to_the_next():
    db.session.remove()
    db.engine.dispose()  # one connection in the pool from here on, handed to each session
    for _ in range(8):
        db.session.scalars(select(Theme.code).where(Theme.id == -1)).all()
        db.session.remove()  # what the end of a request does: close, reset the connection
    with db.engine.connect() as conn:
        assert prepared_on(conn) >= 1


def test_sessions_told_to_plan_afresh_prepare_nothing():
    db.session.remove()
    db.engine.dispose()
    for _ in range(8):
        plan_afresh(db.session)  # what the dashboard blueprint does before each request
        db.session.scalars(select(Theme.code).where(Theme.id == -1)).all()
        db.session.remove()
    with db.engine.connect() as conn:
        assert prepared_on(conn) == 0


def test_a_rollback_still_undoes_what_the_transaction_wrote():
    with db.engine.connect() as conn:
        conn.execute(
            insert(Department).values(
                name_en="Rolled back",
                name_fr="Annulé",
                name_zh="已復原",
                level=GovernmentLevel.FEDERAL,
            )
        )
        assert departments_named(conn, "Rolled back") == 1
        conn.rollback()
        assert departments_named(conn, "Rolled back") == 0


def test_a_failed_read_rolls_back_and_the_connection_goes_on():
    with db.engine.connect() as conn:
        with pytest.raises(Exception) as failure:
            conn.exec_driver_sql("SELECT 1 / 0")
        assert isinstance(failure.value.orig, psycopg.errors.DivisionByZero)
        conn.rollback()
        assert conn.exec_driver_sql("SELECT 2").scalar() == 2
