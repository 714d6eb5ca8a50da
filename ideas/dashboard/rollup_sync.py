"""Keep the dashboard roll-up exact: mark dirty, in the same transaction, the days a change touches.

A day is marked when a change can alter its votes, comments or participants: a deleted or
changed vote or comment, an idea hidden, shown, moved to another theme, group or department
or merged (every day with activity on it), and any row inserted with a date in the past
(imports, the demo, backdated data) -- as long as the activity touched is dated before the
start of the current hour (`marking_cutoff`). A refresh rolls up only what is dated before
the start of an hour that ended at least REFRESH_GRACE ago, so later activity (new votes
and comments, changes to this hour's) is always read live and needs nothing. Accounts
whose department changes are listed so the department member bitmaps are corrected live.
The funnel's cohort roll-up (ideas/dashboard/cohort.py) has its own marks: the day an idea
was posted, when its stage, history, scope or visibility changes or it is deleted (if it
was posted before the cutoff). Hiding, merging and moving votes happen through bulk
UPDATE/DELETE/INSERT statements the session never sees as rows, so `do_orm_execute` reads
the rows such a statement will touch before it runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask import g, has_app_context
from sqlalchemy import Date, cast, event, func, inspect, select, true, union
from sqlalchemy.orm import Session

from ideas.accounts.models import User
from ideas.board.models import Comment, Idea, Vote
from ideas.dashboard.models import (
    DashboardCohortDirtyDay,
    DashboardDirtyDay,
    DashboardMovedAccount,
)
from ideas.extensions import db
from ideas.timeutil import utcnow
from ideas.workflow.models import StageChange

# Attributes whose change alters what a row counts for, and where.
_VOTE_ATTRS = ("idea_id", "user_id", "created_at", "idea")
_COMMENT_ATTRS = ("idea_id", "author_id", "hidden", "created_at", "idea", "author")
_IDEA_ATTRS = (
    "hidden",
    "theme_id",
    "group_id",
    "department_id",
    "author_id",
    "created_at",
    "merged_into_id",
    "theme",
    "group",
    "department",
    "author",
    "merged_into",
)
# Attributes of an idea whose change moves it within the funnel's cohort roll-up.
_COHORT_ATTRS = (
    "stage",
    "hidden",
    "theme_id",
    "group_id",
    "department_id",
    "created_at",
    "theme",
    "group",
    "department",
)
_USER_ATTRS = ("department_id", "department")
_TABLE_ATTRS = {
    Vote.__table__: _VOTE_ATTRS,
    Comment.__table__: _COMMENT_ATTRS,
    Idea.__table__: _IDEA_ATTRS,
    User.__table__: _USER_ATTRS,
}
_TABLE_ATTRS[StageChange.__table__] = ()  # any change to an idea's history: its cohort
_CREATED = {Vote.__table__: Vote, Comment.__table__: Comment, Idea.__table__: Idea}


def _sql_day(connection, column):
    if connection.dialect.name == "sqlite":
        return func.date(column)
    return cast(column, Date)


def _as_day(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _changed(row, attrs: Iterable[str]) -> bool:
    state = inspect(row)
    return any(name in state.attrs and state.attrs[name].history.has_changes() for name in attrs)


def marking_cutoff(now: datetime | None = None) -> datetime:
    """Changes to activity dated before this instant (the current hour's start) mark its day.

    A refresh rolls up at most to the start of the hour that ended REFRESH_GRACE before it
    started, so a transaction shorter than the grace never misses a refresh's cutoff.
    """
    return (now or utcnow()).replace(minute=0, second=0, microsecond=0)


def _old_and_new_times(row) -> set[datetime]:
    history = inspect(row).attrs.created_at.history
    values = [*history.added, *history.unchanged, *history.deleted]
    return {value for value in values if isinstance(value, datetime)}


def _days_before(times: Iterable[datetime | None], cutoff: datetime) -> set[date]:
    return {value.date() for value in times if value is not None and value < cutoff}


def idea_activity_days(connection, where, before: datetime | None = None) -> set[date]:
    """Every day with activity (posting, a comment, a vote) on the ideas matching `where`.

    Only activity dated before `before` (default: `marking_cutoff()`) counts: later activity
    is read live, so its day need not be marked.
    """
    before = before or marking_cutoff()
    ideas = select(Idea.id).where(where)
    query = union(
        select(_sql_day(connection, Idea.created_at)).where(where, Idea.created_at < before),
        select(_sql_day(connection, Comment.created_at)).where(
            Comment.idea_id.in_(ideas), Comment.created_at < before
        ),
        select(_sql_day(connection, Vote.created_at)).where(
            Vote.idea_id.in_(ideas), Vote.created_at < before
        ),
    )
    return {day for day in map(_as_day, connection.execute(query).scalars()) if day}


def mark_days(connection, days: Iterable[date | None]) -> None:
    """Mark days dirty (an upsert, so a concurrent refresh waits for us).

    Callers pass only the days of activity dated before `marking_cutoff()`.
    """
    days = sorted({day for day in days if day is not None})
    if days:
        _upsert(connection, DashboardDirtyDay.__table__, "day", [
            {"day": day, "marked_at": utcnow()} for day in days
        ], update="marked_at")  # fmt: skip


def mark_cohort_days(connection, days: Iterable[date | None]) -> None:
    """Mark days of posting whose cohort changed (an upsert, like `mark_days`)."""
    days = sorted({day for day in days if day is not None})
    if days:
        _upsert(connection, DashboardCohortDirtyDay.__table__, "day", [
            {"day": day, "marked_at": utcnow()} for day in days
        ], update="marked_at")  # fmt: skip


def cohort_days(connection, where, before: datetime | None = None) -> set[date]:
    """The days on which the ideas matching `where` were posted, before `before` (the cutoff)."""
    before = before or marking_cutoff()
    query = (
        select(_sql_day(connection, Idea.created_at))
        .where(where, Idea.created_at < before)
        .distinct()
    )
    return {day for day in map(_as_day, connection.execute(query).scalars()) if day}


def mark_accounts_moved(connection, user_ids: Iterable[int]) -> None:
    """List accounts whose department changed, for the department member bitmaps."""
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if ids:
        now = utcnow()
        _upsert(connection, DashboardMovedAccount.__table__, "user_id",
                [{"user_id": user_id, "moved_at": now} for user_id in ids],
                update="moved_at")  # fmt: skip


def _upsert(connection, table, key: str, rows: list[dict], update: str) -> None:
    # DO UPDATE (not DO NOTHING) renews the time of an existing mark, so a refresh that
    # computed before our change sees a newer mark and keeps it (see rollup.refresh_day).
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[key], set_={update: statement.excluded[update]}
    )
    connection.execute(statement)


def _before_flush(session: Session, _context, _instances) -> None:
    # A deleted idea takes its votes and comments with it: read their days first.
    ids = [row.id for row in session.deleted if isinstance(row, Idea) and row.id is not None]
    if ids:
        connection = session.connection()
        mark_days(connection, idea_activity_days(connection, Idea.id.in_(ids), marking_cutoff()))


def _forget_counted_tails() -> None:
    # rollup.days_activity counts the days after the watermark, and reads the rolled-up
    # rows and the watermark itself, once per app context; a write in this context (a
    # refresh moves the watermark) makes them old, so the next read starts afresh.
    if has_app_context():
        g.pop("dashboard_rollup_tails", None)
        g.pop("dashboard_rollup_rows", None)
        g.pop("dashboard_rolled_until", None)


def _after_flush(session: Session, _context) -> None:
    _forget_counted_tails()
    cutoff = marking_cutoff()
    times: set[datetime] = set()
    ideas: set[int] = set()
    moved: set[int] = set()
    # The funnel's cohorts: days of posting of ideas whose stage, history, scope or
    # visibility changed (`posted`), or ideas known by id only (a history row changed).
    posted: set[datetime] = set()
    histories: set[int] = set()
    for row in session.new:
        if isinstance(row, Vote | Comment | Idea) and isinstance(row.created_at, datetime):
            times.add(row.created_at)
            if isinstance(row, Idea):
                posted.add(row.created_at)
        elif isinstance(row, StageChange):
            histories.add(row.idea_id)
        elif isinstance(row, User):
            moved.add(row.id)
    for row in session.deleted:
        if isinstance(row, Vote | Comment):
            times |= _old_and_new_times(row)
        elif isinstance(row, Idea):
            posted |= _old_and_new_times(row)
        elif isinstance(row, StageChange):
            histories.add(row.idea_id)
        elif isinstance(row, User):
            moved.add(row.id)
    for row in session.dirty:
        if (isinstance(row, Vote) and _changed(row, _VOTE_ATTRS)) or (
            isinstance(row, Comment) and _changed(row, _COMMENT_ATTRS)
        ):
            times |= _old_and_new_times(row)
        elif isinstance(row, Idea):
            if _changed(row, _IDEA_ATTRS):
                ideas.add(row.id)
                times |= _old_and_new_times(row)
            if _changed(row, _COHORT_ATTRS):
                posted |= _old_and_new_times(row)
        elif isinstance(row, StageChange):
            histories.add(row.idea_id)
        elif isinstance(row, User) and _changed(row, _USER_ATTRS):
            moved.add(row.id)
    days = _days_before(times, cutoff)
    cohorts = _days_before(posted, cutoff)
    histories.discard(None)
    if not (days or ideas or moved or cohorts or histories):
        return
    connection = session.connection()
    if ideas:
        days |= idea_activity_days(connection, Idea.id.in_(sorted(ideas)), cutoff)
    if histories:
        cohorts |= cohort_days(connection, Idea.id.in_(sorted(histories)), cutoff)
    mark_days(connection, days)
    mark_cohort_days(connection, cohorts)
    mark_accounts_moved(connection, moved)


def _set_columns(statement, parameters) -> set[str] | None:
    """The column names a bulk statement sets; None when they cannot be told."""
    names = set()
    for key in [*(getattr(statement, "_values", None) or {})]:
        names.add(getattr(key, "key", None) or getattr(key, "name", None) or str(key))
    for key, _value in getattr(statement, "_ordered_values", None) or ():
        names.add(getattr(key, "key", None) or str(key))
    if isinstance(parameters, dict):
        names |= set(parameters)
    elif isinstance(parameters, list):
        for row in parameters:
            names |= set(row)
    return names or None


def _inserted_rows(statement, parameters) -> list[dict]:
    """The rows a bulk INSERT writes, as column name -> value (where they can be told)."""
    rows = []
    if isinstance(parameters, dict):
        rows.append(parameters)
    elif isinstance(parameters, list):
        rows.extend(parameters)
    for values in getattr(statement, "_multi_values", None) or ():
        rows.extend(value for value in values if isinstance(value, dict))
    single = getattr(statement, "_values", None)
    if single:
        rows.append({getattr(key, "key", str(key)): value for key, value in single.items()})
    return rows


def _inserted_days(statement, parameters, cutoff: datetime) -> set[date]:
    days = set()
    for row in _inserted_rows(statement, parameters):
        value = row.get("created_at")
        if isinstance(value, datetime):
            days |= _days_before([value], cutoff)
        elif isinstance(value, date) and value <= cutoff.date():
            days.add(value)  # a bare date could be any hour of its day: mark it, to be safe
    return days


def _do_orm_execute(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    _forget_counted_tails()
    statement = state.statement
    table = getattr(statement, "table", None)
    attrs = _TABLE_ATTRS.get(table)
    if attrs is None:
        return
    parameters = state.parameters
    connection = state.session.connection()
    cutoff = marking_cutoff()
    if state.is_insert:
        if table is StageChange.__table__:
            ids = {row.get("idea_id") for row in _inserted_rows(statement, parameters)}
            ids.discard(None)
            if ids:
                mark_cohort_days(connection, cohort_days(connection, Idea.id.in_(ids), cutoff))
        elif table is not User.__table__:
            inserted = _inserted_days(statement, parameters, cutoff)
            mark_days(connection, inserted)
            if table is Idea.__table__:
                mark_cohort_days(connection, inserted)
        return
    where = statement.whereclause
    if where is None:
        where = true()
    names = _set_columns(statement, parameters) if state.is_update else None
    if table is Idea.__table__ and (names is None or names & set(_COHORT_ATTRS)):
        mark_cohort_days(connection, cohort_days(connection, where, cutoff))
    if table is StageChange.__table__:
        ideas = select(StageChange.idea_id).where(where)
        mark_cohort_days(connection, cohort_days(connection, Idea.id.in_(ideas), cutoff))
        return
    if names is not None and not names & set(attrs):
        return  # counters, scores, timestamps: nothing the roll-up counts
    if table is User.__table__:
        mark_accounts_moved(connection, connection.execute(select(User.id).where(where)).scalars())
    elif table is Idea.__table__:
        mark_days(connection, idea_activity_days(connection, where, cutoff))
    else:
        model = _CREATED[table]
        days = connection.execute(
            select(_sql_day(connection, model.created_at))
            .where(where, model.created_at < cutoff)
            .distinct()
        ).scalars()
        mark_days(connection, map(_as_day, days))


def install() -> None:
    """Listen to the application's sessions (once per process, whatever the number of apps)."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("do_orm_execute", _do_orm_execute),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
