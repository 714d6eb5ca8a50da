"""The dashboard roll-up: activity and participants per day and idea scope, never stale.

`dashboard_day` holds, per day and per scope (all ideas, or one department, theme or group
of the *idea*), the votes, the comments, the ideas posted and a roaring bitmap of the
participants' ids.
Everything before the watermark `rolled_until` (an instant, exclusive) is rolled up: whole
days before its day, and a *partial* row for the day containing it, covering [midnight,
rolled_until). A row is read only if it is not marked dirty; dirty days are counted live in
full, and so is everything from the watermark on (at most about an hour of activity, since
refresh rolls up today's finished hours too), merged in Python. So the answer is always
exact: a missing refresh only makes it slower. ideas/dashboard/rollup_sync.py marks days
dirty as data change; `refresh()` (`flask dashboard refresh`) recomputes them, one short
transaction per day or partial day.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, g, has_app_context
from pyroaring import BitMap
from sqlalchemy import (
    Date,
    and_,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
    update,
)

from ideas.accounts.models import User
from ideas.board.models import Comment, Idea, Vote
from ideas.dashboard import cohort
from ideas.dashboard.filters import DashboardFilters, day_start
from ideas.dashboard.models import (
    ROLLUP_STATE_ID,
    DashboardCohortDay,
    DashboardCohortDirtyDay,
    DashboardDay,
    DashboardDepartmentMembers,
    DashboardDirtyDay,
    DashboardMovedAccount,
    DashboardRollupState,
)
from ideas.dashboard.sqltime import as_datetime, as_day
from ideas.extensions import db
from ideas.timeutil import utcnow

STATE_ID = ROLLUP_STATE_ID
# An hour is rolled up only this long after it ended, so a transaction that wrote a row
# dated just before the hour has long committed (the write side marks only changes to
# activity dated before the start of its current hour, see rollup_sync).
REFRESH_GRACE = timedelta(minutes=10)
# The idea column each scope letter filters on ('a': every idea).
SCOPE_COLUMNS = {"d": "department_id", "t": "theme_id", "g": "group_id"}
# Department member bitmaps keep accounts without a department under this key.
NO_DEPARTMENT = 0
# Where the watermark read in this app context is kept on `flask.g` (see rolled_until).
WATERMARK_KEY = "dashboard_rolled_until"


@dataclass
class Activity:
    """Votes, comments, ideas posted and the distinct participants of some days."""

    votes: int = 0
    comments: int = 0
    participants: BitMap = field(default_factory=BitMap)
    ideas: int = 0

    def add(self, other: Activity) -> None:
        """Merge another day's (or period's) activity into this one."""
        self.votes += other.votes
        self.comments += other.comments
        self.ideas += other.ideas
        self.participants |= other.participants


def enabled() -> bool:
    """Whether the dashboard reads the roll-up (DASHBOARD_ROLLUP)."""
    return bool(current_app.config.get("DASHBOARD_ROLLUP", True))


def scope_of(filters: DashboardFilters) -> tuple[str, int] | None:
    """The roll-up scope answering these filters; None when two or more scopes are set."""
    chosen = [
        (letter, value)
        for letter, value in (
            ("d", filters.department_id),
            ("t", filters.theme_id),
            ("g", filters.group_id),
        )
        if value is not None
    ]
    if len(chosen) > 1:
        return None
    return chosen[0] if chosen else ("a", 0)


def _state() -> DashboardRollupState | None:
    return db.session.get(DashboardRollupState, STATE_ID)


def rolled_until(fresh: bool = False) -> datetime | None:
    """The watermark: everything before it is rolled up; None when never refreshed.

    Read once per app context (a dashboard asked about twelve times per request), or
    again when `fresh`: a reader whose rows were stamped with another watermark (a refresh
    committed meanwhile) must read it again before its next attempt. A write in this
    context forgets it (rollup_sync), as it forgets the rows and tails read under it.
    """
    if has_app_context() and not fresh and WATERMARK_KEY in g:
        return g.get(WATERMARK_KEY)
    value = as_datetime(
        db.session.scalar(
            select(DashboardRollupState.rolled_until).where(DashboardRollupState.id == STATE_ID)
        )
    )
    if has_app_context():
        setattr(g, WATERMARK_KEY, value)
    return value


def last_rolled_day(until: datetime | None) -> date | None:
    """The last day with a row under the watermark (whole, or partial when not at midnight)."""
    if until is None:
        return None
    if until == day_start(until.date()):
        return until.date() - timedelta(days=1)
    return until.date()


def usable(filters: DashboardFilters) -> bool:
    """Whether the roll-up can answer these filters (else the live queries do)."""
    return enabled() and scope_of(filters) is not None and rolled_until() is not None


# --- Live counting: the reference rules, per day -------------------------------------------


def within(column, intervals: list[tuple[date | datetime | None, date | datetime | None]]):
    """A clause keeping the column inside any of the intervals.

    A date bound is a whole day (inclusive at both ends); a datetime bound is an instant,
    inclusive at the start and exclusive at the end.
    """
    parts = []
    for first, last in intervals:
        bounds = []
        if first is not None:
            bounds.append(column >= (first if isinstance(first, datetime) else day_start(first)))
        if last is not None:
            end = last if isinstance(last, datetime) else day_start(last + timedelta(days=1))
            bounds.append(column < end)
        parts.append(and_(*bounds) if bounds else true())
    return or_(*parts)


def _unindexed(column):
    """The column, hidden from SQLite's planner so that the date range drives the join.

    Without statistics (no ANALYZE), SQLite would start from idea's `hidden` or theme index
    (thinking it selective) and read every vote of every idea, not one day's votes.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return func.coalesce(column, column)
    return column


def _activity_query(intervals, scope: tuple[str, int] | None, with_scopes: bool, by_day: bool):
    """Every countable action in the intervals: (kind, created_at or day, user id[, scopes])."""
    extra = (Idea.department_id, Idea.theme_id, Idea.group_id) if with_scopes else ()
    visible = [_unindexed(Idea.hidden).is_(False)]
    if scope is not None and scope[0] != "a":
        visible.append(_unindexed(getattr(Idea, SCOPE_COLUMNS[scope[0]])) == scope[1])

    def when(column):
        return _sql_day(column).label("day") if by_day else column.label("day")

    posted = select(
        literal("i").label("kind"), when(Idea.created_at), Idea.author_id.label("user_id"), *extra
    ).where(*visible, within(Idea.created_at, intervals))
    commented = select(
        literal("c").label("kind"),
        when(Comment.created_at),
        Comment.author_id.label("user_id"),
        *extra,
    ).where(Comment.hidden.is_(False), within(Comment.created_at, intervals))
    voted = select(
        literal("v").label("kind"), when(Vote.created_at), Vote.user_id.label("user_id"), *extra
    ).where(within(Vote.created_at, intervals))
    if with_scopes:
        commented = commented.join(Idea, Idea.id == Comment.idea_id).where(*visible)
        voted = voted.join(Idea, Idea.id == Vote.idea_id).where(*visible)
        return union_all(posted, commented, voted)
    # No join from each action to its idea: the date range is read from the covering
    # index alone, the few hidden ideas left out by a list, and one scope's ideas kept by
    # another list read from that scope column's index. (Joined, SQLite built a Bloom
    # filter over the whole idea table for every request: 80 ms at 100,000 ideas.)
    hidden = select(Idea.id).where(Idea.hidden.is_(True))
    commented = commented.where(Comment.idea_id.not_in(hidden))
    voted = voted.where(Vote.idea_id.not_in(hidden))
    if scope is not None and scope[0] != "a":
        in_scope = select(Idea.id).where(getattr(Idea, SCOPE_COLUMNS[scope[0]]) == scope[1])
        # Hidden from SQLite's planner, or it reads every vote of the scope's ideas.
        commented = commented.where(_unindexed(Comment.idea_id).in_(in_scope))
        voted = voted.where(_unindexed(Vote.idea_id).in_(in_scope))
    return union_all(posted, commented, voted)


def _tally(activity: Activity, kind: str, user_id: int | None) -> None:
    if kind == "v":
        activity.votes += 1
    elif kind == "c":
        activity.comments += 1
    else:
        activity.ideas += 1
    if user_id is not None:
        activity.participants.add(user_id)


def _sql_day(column):
    """The calendar day of a datetime column, in SQL (text on SQLite, a date on PostgreSQL)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(column, Date)


def live_days(intervals, scope: tuple[str, int]) -> dict[date, Activity]:
    """Activity per day in the intervals for one scope, counted from the source tables.

    One row per action, tallied here: SQLite's GROUP BY (day, person) sorted the last
    hour's 10,000 votes in a temporary b-tree and took longer than this loop.
    """
    days: dict[date, Activity] = {}
    if not intervals:
        return days
    query = _activity_query(intervals, scope, with_scopes=False, by_day=True)
    # A Core execution on the session's connection: plain tuples, without the ORM's row
    # processing, which cost more than the query itself.
    rows = db.session.connection().execute(query)
    # Per day as the database spells it (text on SQLite): a handful of distinct values.
    tallies: dict[object, list[int]] = {}
    people: dict[object, list[int]] = {}
    for kind, day, user_id in rows:
        tally = tallies.get(day)
        if tally is None:
            tally = tallies[day] = [0, 0, 0]
            people[day] = []
        tally["vci".index(kind)] += 1
        if user_id is not None:
            people[day].append(user_id)
    for day, (votes, comments, ideas) in tallies.items():
        days[as_day(day)] = Activity(votes, comments, BitMap(people[day]), ideas)
    return days


def live_day_all_scopes(
    day: date, until: datetime | None = None
) -> dict[tuple[str, int], Activity]:
    """One day's activity (before `until` if given) for every scope at once: what refresh stores."""
    scopes: dict[tuple[str, int], Activity] = {}
    end = day_start(day + timedelta(days=1))
    if until is not None:
        end = min(end, until)
    rows = db.session.execute(
        _activity_query([(day_start(day), end)], None, with_scopes=True, by_day=False)
    ).all()
    for kind, _created_at, user_id, department_id, theme_id, group_id in rows:
        for key in (("a", 0), ("d", department_id), ("t", theme_id), ("g", group_id)):
            if key[1] is not None:
                _tally(scopes.setdefault(key, Activity()), kind, user_id)
    return scopes


# --- Reading: rolled-up days plus live days -------------------------------------------------


def dirty_intervals(dirty: Iterable[date]) -> list[tuple[date | None, date | None]]:
    """The dirty days as inclusive day intervals, neighbours joined: counted live in full."""
    intervals: list[tuple[date | None, date | None]] = []
    for day in sorted(dirty):
        if intervals and intervals[-1][1] == day - timedelta(days=1):
            intervals[-1] = (intervals[-1][0], day)
        else:
            intervals.append((day, day))
    return intervals


def _day_range(column, first: date | None, last: date | None) -> list:
    clauses = []
    if first is not None:
        clauses.append(column >= first)
    if last is not None:
        clauses.append(column <= last)
    return clauses


def days_activity(
    first: date | None, last: date | None, scope: tuple[str, int]
) -> dict[date, Activity]:
    """Activity per day from `first` to `last` (inclusive; None: unbounded) for one scope.

    Clean rows under the watermark come from dashboard_day (the partial day's row plus its
    live rest); dirty days and everything from the watermark on are live.
    Days without any activity are absent.
    """
    for attempt in range(3):
        until = rolled_until(fresh=attempt > 0)
        if until is None:
            return live_days([(first, last)], scope)
        days = _request_rolled_days(scope, until)
        if days is not None:
            days = days.between(first, last)
            break
    else:
        return live_days([(first, last)], scope)  # refreshes keep committing: count live
    # From the watermark on (the partial day's rest, later days): the live tail. A dirty
    # partial day is counted live in full instead, so its tail part is left out.
    for day, activity in _live_tail(until, scope).items():
        if day in days.dirty or (first is not None and day < first):
            continue
        if last is not None and day > last:
            continue
        if day in days.rows:
            mine = days.rows[day]
            merged = Activity(mine.votes, mine.comments, BitMap(mine.participants), mine.ideas)
            merged.add(activity)
            days.rows[day] = merged
        else:
            days.rows[day] = activity
    days.rows.update(live_days(dirty_intervals(days.dirty), scope))
    return days.rows


@dataclass
class _Rolled:
    rows: dict[date, Activity]
    dirty: set[date]

    def between(self, first: date | None, last: date | None) -> _Rolled:
        """The rows and dirty days from `first` to `last` (inclusive; None: unbounded)."""

        def inside(day: date) -> bool:
            return (first is None or day >= first) and (last is None or day <= last)

        return _Rolled(
            {day: row for day, row in self.rows.items() if inside(day)},
            {day for day in self.dirty if inside(day)},
        )


def _request_rolled_days(scope: tuple[str, int], until: datetime) -> _Rolled | None:
    """Every clean row of the scope under the watermark, read once per request.

    The dashboard reads the period, the previous period, all time, the weeks and the
    departments from the same rows; reading them once (183 days at full size) instead of
    five times saves 20-40 ms on PostgreSQL. A write in the same context forgets them
    (rollup_sync), like the live tails.
    """
    if not has_app_context():
        return _rolled_days(None, None, scope, until)
    cache = g.setdefault("dashboard_rollup_rows", {})
    key = (until, scope)
    if key not in cache:
        rolled = _rolled_days(None, None, scope, until)
        if rolled is None:
            return None
        cache[key] = rolled
    return cache[key]


def _dirty_days(first: date | None, last: date | None, mark: date | None) -> set[date]:
    """The days from `first` to `last` (None: unbounded), up to `mark`, marked dirty."""
    return {
        as_day(day)
        for day in db.session.scalars(
            select(DashboardDirtyDay.day).where(
                *_day_range(DashboardDirtyDay.day, first, last), DashboardDirtyDay.day <= mark
            )
        )
    }


def _watermark_subquery():
    """The watermark as a scalar subquery, to read it in the same statement as the rows."""
    return (
        select(DashboardRollupState.rolled_until)
        .where(DashboardRollupState.id == STATE_ID)
        .scalar_subquery()
    )


def _rolled_days(
    first: date | None, last: date | None, scope: tuple[str, int], until: datetime
) -> _Rolled | None:
    """The clean rows under the watermark `until` and the dirty days; None if it moved.

    The rows are read in one statement with the watermark, so a refresh committing between
    our reads (PostgreSQL reads each statement afresh) cannot pair a grown partial row with
    a tail counted from the older watermark: the caller reads again.
    """
    mark = last_rolled_day(until)
    days: dict[date, Activity] = {}
    dirty = _dirty_days(first, last, mark)
    current = _watermark_subquery()
    rows = db.session.execute(
        select(
            DashboardDay.day,
            DashboardDay.votes,
            DashboardDay.comments,
            DashboardDay.participants,
            DashboardDay.ideas,
            current,
        ).where(
            DashboardDay.scope == scope[0],
            DashboardDay.scope_id == scope[1],
            *_day_range(DashboardDay.day, first, last),
            DashboardDay.day <= mark,
        )
    )
    for day, votes, comments, blob, ideas, seen in rows:
        if seen != until and as_datetime(seen) != until:
            return None  # a refresh moved the watermark meanwhile
        day = as_day(day)
        if day not in dirty:
            days[day] = Activity(votes, comments, BitMap.deserialize(blob), ideas)
    return _Rolled(days, dirty)


def _live_tail(until: datetime, scope: tuple[str, int]) -> dict[date, Activity]:
    """Activity from the watermark on, per day, counted live once per request and scope.

    The dashboard reads the same days for the period, all time, the weeks and the
    departments; counting the last hour's activity once keeps it exact and pays for it once.
    """
    if not has_app_context():
        return live_days([(until, None)], scope)
    cache = g.setdefault("dashboard_rollup_tails", {})
    key = (until, scope)
    if key not in cache:
        cache[key] = live_days([(until, None)], scope)
    return cache[key]


def combined(days: Iterable[Activity]) -> Activity:
    """The activity of several days together: counts added, participants united."""
    days = list(days)
    return Activity(
        sum(day.votes for day in days),
        sum(day.comments for day in days),
        BitMap.union(*(day.participants for day in days)) if days else BitMap(),
        sum(day.ideas for day in days),
    )


def period_activity(filters: DashboardFilters) -> Activity:
    """Votes, comments and participants for the filters' period (all time without dates)."""
    scope = scope_of(filters)
    if scope is None:
        raise ValueError("the roll-up answers at most one of department, theme and group")
    return combined(days_activity(filters.start, filters.end, scope).values())


# --- Ideas per department -------------------------------------------------------------------


def department_ideas(first: date | None, last: date | None) -> dict[int | None, int] | None:
    """Visible ideas posted from `first` to `last` (inclusive; None: unbounded) per department.

    Keyed by the idea's department (None: none), as the live GROUP BY would be. The clean
    days come from the rows of scope 'a' and 'd': a department's ideas from its own rows,
    and those without a department as all ideas less every department's, since each
    visible idea counts once in 'a' and once in its department if it has one. Dirty days
    and the ideas posted from the watermark on are counted live, as in days_activity.
    None when the roll-up has no watermark, or refreshes keep moving it (count live).
    """
    for attempt in range(3):
        until = rolled_until(fresh=attempt > 0)
        if until is None:
            return None
        rolled = _rolled_department_ideas(first, last, until)
        if rolled is not None:
            break
    else:
        return None
    counts, dirty = rolled
    mark = last_rolled_day(until)
    intervals: list = dirty_intervals(dirty)
    # A dirty partial day is counted live in full, so its tail starts at the next midnight.
    tail_start = day_start(mark + timedelta(days=1)) if mark in dirty else until
    if first is not None:
        tail_start = max(tail_start, day_start(first))
    if last is None or tail_start < day_start(last + timedelta(days=1)):
        intervals.append((tail_start, last))
    if intervals:
        # Grouped by a department unknown to SQLite's planner: grouping by the indexed
        # column, it scanned every idea in department order (600 ms at 100,000 ideas)
        # instead of reading each interval from the created_at index.
        department = _unindexed(Idea.department_id)
        for department_id, count in db.session.execute(
            select(department, func.count())
            .where(Idea.hidden.is_(False), within(Idea.created_at, intervals))
            .group_by(department)
        ):
            counts[department_id] = counts.get(department_id, 0) + int(count)
    return {key: count for key, count in counts.items() if count}


def _rolled_department_ideas(
    first: date | None, last: date | None, until: datetime
) -> tuple[dict[int | None, int], set[date]] | None:
    """Ideas per department on the clean days under the watermark, and the dirty days.

    One statement sums both scopes (so "all less every department's" comes from one
    snapshot) over the days that were not dirty when the dirty days were read: exactly
    the days the caller does not count live, so a day marked or cleared in between is
    neither missed nor counted twice. The watermark is read in the same statement, as in
    _rolled_days: None if it moved.
    """
    mark = last_rolled_day(until)
    dirty = _dirty_days(first, last, mark)
    current = _watermark_subquery()
    clauses = [
        DashboardDay.scope.in_(("a", "d")),
        *_day_range(DashboardDay.day, first, last),
        DashboardDay.day <= mark,
    ]
    if dirty:
        clauses.append(DashboardDay.day.not_in(sorted(dirty)))
    # A Core execution: a few dozen plain tuples, without the ORM's row processing.
    rows = db.session.connection().execute(
        select(
            DashboardDay.scope,
            DashboardDay.scope_id,
            func.sum(DashboardDay.ideas),
            func.max(current),
        )
        .where(*clauses)
        .group_by(DashboardDay.scope, DashboardDay.scope_id)
    )
    counts: dict[int | None, int] = {}
    for letter, scope_id, ideas, seen in rows:
        if seen != until and as_datetime(seen) != until:
            return None  # a refresh moved the watermark meanwhile
        ideas = int(ideas)
        if letter == "a":
            counts[None] = counts.get(None, 0) + ideas
        else:
            counts[scope_id] = counts.get(scope_id, 0) + ideas
            counts[None] = counts.get(None, 0) - ideas
    return counts, dirty


# --- Department members ---------------------------------------------------------------------


def department_members() -> dict[int, BitMap]:
    """Account ids per department of the account (NO_DEPARTMENT: none), exact as of now.

    The bitmaps stored by refresh, corrected live for accounts created since (higher ids)
    and for those whose department changed since (dashboard_moved_account).
    """
    state = _state()
    stored = db.session.execute(
        select(DashboardDepartmentMembers.department_id, DashboardDepartmentMembers.members)
    ).all()
    if state is None or not stored:
        return _members_from(db.session.execute(select(User.id, User.department_id)))
    members = {key: BitMap.deserialize(blob) for key, blob in stored}
    moved = select(DashboardMovedAccount.user_id)
    # Two index range reads: with OR, PostgreSQL scanned all 300,000 accounts (36 ms).
    changed = db.session.execute(
        union(
            select(User.id, User.department_id).where(User.id > state.members_max_user_id),
            select(User.id, User.department_id).where(User.id.in_(moved)),
        )
    ).all()
    moved_ids = BitMap(db.session.scalars(moved))
    if moved_ids:
        for bitmap in members.values():
            bitmap -= moved_ids
    for user_id, department_id in changed:
        members.setdefault(department_id or NO_DEPARTMENT, BitMap()).add(user_id)
    return members


def _members_from(rows) -> dict[int, BitMap]:
    members: dict[int, BitMap] = {}
    for user_id, department_id in rows:
        members.setdefault(department_id or NO_DEPARTMENT, BitMap()).add(user_id)
    return members


# --- Refresh ----------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    """What a refresh did."""

    days: int = 0
    rows: int = 0
    longest_day: date | None = None
    longest_seconds: float = 0.0  # counting and writing one day
    longest_write_seconds: float = 0.0  # the write transaction alone (the lock held)
    rolled_until: datetime | None = None


def rollable_until(now: datetime | None = None) -> datetime:
    """How far a refresh may roll up: the start of the last finished hour, past the grace."""
    return ((now or utcnow()) - REFRESH_GRACE).replace(minute=0, second=0, microsecond=0)


def _first_activity_day() -> date | None:
    firsts = [
        db.session.scalar(select(func.min(column)))
        for column in (Idea.created_at, Comment.created_at, Vote.created_at)
    ]
    days = [as_day(value) for value in firsts if value is not None]
    return min(days) if days else None


def _ensure_state() -> DashboardRollupState:
    state = _state()
    if state is None:
        state = DashboardRollupState(id=STATE_ID, rolled_until=None, members_max_user_id=0)
        db.session.add(state)
        db.session.commit()
    return state


def _days_to_refresh(full: bool, cutoff: datetime, until: datetime | None) -> list[date]:
    """Dirty days and every day from the watermark's day on that starts before the cutoff."""
    last = cutoff.date() if cutoff > day_start(cutoff.date()) else cutoff.date() - timedelta(days=1)
    days = {
        as_day(day)
        for table in (DashboardDirtyDay, DashboardCohortDirtyDay)
        for day in db.session.scalars(select(table.day).where(table.day <= last))
    }
    # The watermark's own day is redone when it moves: its partial row grows to the cutoff.
    if full or until is None:
        start = _first_activity_day()
    else:
        start = until.date() if until < cutoff else None
    if start is not None:
        day = start
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return sorted(days)


def refresh_day(day: date, until: datetime | None = None) -> tuple[int, float]:
    """Recompute one day's rows (only what is before `until`) and commit them in one transaction.

    Returns the rows written and how long the write transaction took, in seconds. When
    `until` falls inside the day, the row is partial and the watermark moves to `until`;
    otherwise it moves to the day's end (never backwards).

    The day is counted first, outside any write transaction; the write that follows only
    swaps the rows, so the SQLite write lock is held for milliseconds. The day's dirty mark
    is cleared only if it is still the one seen before counting: a change committed
    meanwhile renewed it (rollup_sync upserts marked_at), so the day stays dirty, read live.
    """
    end = day_start(day + timedelta(days=1))
    if until is not None:
        end = min(end, until)
    seen = {
        table: db.session.scalar(select(table.marked_at).where(table.day == day))
        for table in (DashboardDirtyDay, DashboardCohortDirtyDay)
    }
    scopes = live_day_all_scopes(day, end)
    cohorts = cohort.count_day(day, end)
    db.session.rollback()  # end the read (PostgreSQL); the write below starts afresh
    writing = time.perf_counter()
    try:
        for table, marked_at in seen.items():
            if marked_at is not None:
                db.session.execute(
                    delete(table).where(table.day == day, table.marked_at == marked_at)
                )
        db.session.execute(delete(DashboardDay).where(DashboardDay.day == day))
        db.session.execute(delete(DashboardCohortDay).where(DashboardCohortDay.day == day))
        if cohorts:
            db.session.execute(
                DashboardCohortDay.__table__.insert(),
                [
                    {"day": day, "scope": letter, "scope_id": scope_id, "funnel": stats.to_json()}
                    for (letter, scope_id), stats in sorted(cohorts.items())
                ],
            )
        if scopes:
            db.session.execute(
                DashboardDay.__table__.insert(),
                [
                    {
                        "day": day,
                        "scope": letter,
                        "scope_id": scope_id,
                        "votes": activity.votes,
                        "comments": activity.comments,
                        "ideas": activity.ideas,
                        "participants": activity.participants.serialize(),
                    }
                    for (letter, scope_id), activity in sorted(scopes.items())
                ],
            )
        db.session.execute(
            update(DashboardRollupState)
            .where(
                DashboardRollupState.id == STATE_ID,
                or_(
                    DashboardRollupState.rolled_until.is_(None),
                    DashboardRollupState.rolled_until < end,
                ),
            )
            .values(rolled_until=end)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(scopes), time.perf_counter() - writing


def refresh_members() -> int:
    """Rebuild the department member bitmaps (read, then one short write); returns accounts."""
    seen = db.session.execute(
        select(DashboardMovedAccount.user_id, DashboardMovedAccount.moved_at)
    ).all()
    rows = db.session.execute(select(User.id, User.department_id)).all()
    members = _members_from(rows)
    blobs = [
        {"department_id": key, "members": bitmap.serialize(), "built_at": utcnow()}
        for key, bitmap in sorted(members.items())
    ]
    db.session.rollback()
    try:
        # Only the marks read before the accounts: a move since keeps its mark (read live).
        for user_id, moved_at in seen:
            db.session.execute(
                delete(DashboardMovedAccount).where(
                    DashboardMovedAccount.user_id == user_id,
                    DashboardMovedAccount.moved_at == moved_at,
                )
            )
        db.session.execute(delete(DashboardDepartmentMembers))
        if blobs:
            db.session.execute(DashboardDepartmentMembers.__table__.insert(), blobs)
        db.session.execute(
            update(DashboardRollupState)
            .where(DashboardRollupState.id == STATE_ID)
            .values(
                members_max_user_id=max((row[0] for row in rows), default=0),
                refreshed_at=utcnow(),
            )
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(rows)


def refresh(
    full: bool = False,
    now: datetime | None = None,
    progress: Callable[[date, int, float], None] | None = None,
) -> RefreshResult:
    """Roll up every dirty day and everything from the watermark to the last finished hour.

    One transaction per day (today's a partial one), so the SQLite write lock is held
    briefly and the app keeps serving; idempotent; `full` recomputes every day from the
    first activity. `now` is injectable (tests); the watermark never moves backwards.
    """
    db.session.rollback()
    _ensure_state()
    until = rolled_until(fresh=True)
    cutoff = rollable_until(now)
    if until is not None and until > cutoff:
        # An earlier refresh (or a later clock) went further: its partial row stays whole.
        cutoff = until
    result = RefreshResult()
    days = _days_to_refresh(full, cutoff, until)
    db.session.rollback()
    for day in days:
        started = time.perf_counter()
        rows, writing = refresh_day(day, cutoff)
        seconds = time.perf_counter() - started
        result.days += 1
        result.rows += rows
        if seconds > result.longest_seconds:
            result.longest_seconds, result.longest_day = seconds, day
        result.longest_write_seconds = max(result.longest_write_seconds, writing)
        if progress is not None:
            progress(day, rows, seconds)
    if full:
        # Rows of days that no longer have activity at all (before the first activity).
        first = _first_activity_day()
        for table in (DashboardDay, DashboardCohortDay):
            query = delete(table)
            if first is not None:
                query = query.where(table.day < first)
            db.session.execute(query)
        db.session.commit()
    refresh_members()
    result.rolled_until = rolled_until(fresh=True)
    db.session.rollback()
    return result
