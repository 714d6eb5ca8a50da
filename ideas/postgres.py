"""PostgreSQL connections: end read-only transactions with COMMIT, so plans are reused.

psycopg prepares a statement on the server once a connection has run it five times
(`prepare_threshold`), and PostgreSQL then stops planning it afresh. But psycopg forgets
every prepared statement at each ROLLBACK, and every request ends its transaction with
one (the session closes, the pool resets the connection). So every statement of every
page was planned again: 1.6-2.5 ms of the server's CPU for the idea page's query of an
idea with its author, theme, group and departments, which runs in 0.1 ms.

A transaction that wrote nothing ends the same way whether it commits or rolls back, so
such a transaction now commits. Any statement other than a SELECT counts as a write (an
INSERT, UPDATE, DELETE, DDL, a SAVEPOINT), and a transaction that wrote, or that failed,
rolls back as before. The analytical pages opt out of reused plans (plan_afresh).
"""

import weakref

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, event

# The DBAPI connections whose current transaction ran something other than a SELECT.
_WROTE: "weakref.WeakSet" = weakref.WeakSet()
# An execution option: plan these statements for their own parameters, never reuse a plan.
CUSTOM_PLANS = "ideas_custom_plans"
# Larger than psycopg's 100: the pages and forms of the whole site run some hundreds of
# distinct statements, and a full cache deallocates the least recently used.
PREPARED_MAX = 500


def _is_read(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT"


def _raw(connection):
    """The psycopg connection itself: the dialect is handed the pool's proxy of it."""
    return getattr(connection, "dbapi_connection", connection)


def keep_prepared_statements(engine: Engine) -> None:
    """Make a PostgreSQL (psycopg) engine commit, not roll back, transactions that only read."""
    dialect = engine.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return
    rollback, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "connect")
    def _size_cache(dbapi_connection, _record) -> None:
        dbapi_connection.prepared_max = PREPARED_MAX

    @event.listens_for(engine, "before_cursor_execute")
    def _note_write(conn, _cursor, statement, _params, _context, _many) -> None:
        if not _is_read(statement):
            _WROTE.add(_raw(conn.connection))

    @event.listens_for(engine, "do_execute")
    def _plan_afresh(cursor, statement, parameters, context):
        if context.execution_options.get(CUSTOM_PLANS):
            cursor.execute(statement, parameters, prepare=False)
            return True  # executed here: SQLAlchemy must not execute it again
        return None

    def do_commit(dbapi_connection) -> None:
        _WROTE.discard(_raw(dbapi_connection))
        commit(dbapi_connection)

    def do_rollback(dbapi_connection) -> None:
        raw = _raw(dbapi_connection)
        wrote = raw in _WROTE
        _WROTE.discard(raw)
        if not wrote and raw.info.transaction_status == TransactionStatus.INTRANS:
            commit(dbapi_connection)  # read only: the same outcome, and the plans stay
        else:
            rollback(dbapi_connection)

    # The dialect belongs to this engine alone; both the session's rollback and the pool's
    # reset of a returned connection go through it.
    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback


def plan_afresh(session) -> None:
    """Have PostgreSQL plan each statement of this session's transaction for its parameters.

    For the dashboard, reports, exports and the triage queue: their queries take date
    ranges, moments and scopes whose selectivity varies from one request to the next, and
    the generic plan PostgreSQL settles on for a prepared statement cost them more than
    planning (the uncached dashboard: 120-145 ms of the server's CPU per view planned
    afresh, 195-205 reused; triage: 47-52 against 54-61).
    """
    session.connection().execution_options(**{CUSTOM_PLANS: True})
