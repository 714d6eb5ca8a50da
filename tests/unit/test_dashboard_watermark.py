"""The roll-up watermark is read once per request, and again when a refresh moved it meanwhile.

A refresh committed by another process (here: another app context, with its own session)
between the dashboard's first read of the watermark and a later read of rows must not be
answered from the older watermark: the reader that notices reads the watermark again, so
it still answers from the roll-up, exactly.
"""

from datetime import date, datetime, timedelta

import pytest

from ideas.board.models import Comment, Idea, Vote
from ideas.dashboard import rollup, rollup_sync
from ideas.dashboard.departments import department_rows
from ideas.dashboard.filters import DashboardFilters, day_start
from ideas.dashboard.funnel import rolled_cohort_stats
from ideas.dashboard.rankings import DEFAULT_RANKING
from ideas.dashboard.services import build_dashboard
from ideas.extensions import db
from ideas.timeutil import utcnow
from ideas.workflow.stages import Stage
from tests.statements import StatementCounter

# The scenario's "today": two days ago, so the real clock never matters.
DAY = utcnow().date() - timedelta(days=2)
WATERMARK_READ = "SELECT dashboard_rollup_state.rolled_until FROM dashboard_rollup_state"


def at(hours: float, day: date = DAY) -> datetime:
    """An instant on a day of the scenario."""
    return day_start(day) + timedelta(hours=hours)


@pytest.fixture
def clock(monkeypatch):
    """The write side's clock: the scenario's (refresh gets it as `now`)."""
    now = {"now": at(11.3)}
    monkeypatch.setattr(rollup_sync, "utcnow", lambda: now["now"])
    return now


@pytest.fixture
def scene(ctx, app, clock, make_user, make_department, make_idea):
    """Ideas, votes and comments every hour of DAY, rolled up to 11:00."""
    alpha = make_department("Alpha")
    people = [make_user(department=alpha), make_user(), make_user(department=alpha)]
    for hour in range(8, 17):
        idea = db.session.get(Idea, make_idea(author=people[hour % 3]).id)
        idea.created_at = idea.stage_changed_at = at(hour + 0.25)
        voter = people[(hour + 1) % 3]
        db.session.add(Vote(idea_id=idea.id, user_id=voter.id, value=1, created_at=at(hour + 0.5),
                            updated_at=at(hour + 0.5)))  # fmt: skip
        idea.up_count += 1
        db.session.add(Comment(idea_id=idea.id, author_id=people[(hour + 2) % 3].id, body="c",
                               body_html="<p>c</p>", created_at=at(hour + 0.75),
                               updated_at=at(hour + 0.75)))  # fmt: skip
        idea.comment_count += 1
    db.session.commit()
    assert rollup.refresh(now=clock["now"]).rolled_until == at(11)
    return {"alpha": alpha.id}


def _refresh_elsewhere(app, clock, hours: float) -> datetime:
    """A refresh committed by another process: its own app context and session."""
    db.session.rollback()  # our reads hold no lock meanwhile (SQLite)
    clock["now"] = at(hours)
    with app.app_context():
        moved = rollup.refresh(now=clock["now"]).rolled_until
    assert moved == at(hours).replace(minute=0)
    return moved


def _live(app, read):
    app.config["DASHBOARD_ROLLUP"] = False
    try:
        return read()
    finally:
        app.config["DASHBOARD_ROLLUP"] = True


def _watermark_reads(statements: list[str]) -> int:
    """Statements reading the watermark alone (rows read with it do not count)."""
    return sum(" ".join(statement.split()).startswith(WATERMARK_READ) for statement in statements)


def test_a_dashboard_reads_the_watermark_once(app, scene):
    periods = [
        DashboardFilters(start=DAY - timedelta(days=20), end=utcnow().date()),
        DashboardFilters(start=DAY, end=DAY, department_id=scene["alpha"]),
    ]
    for filters in periods:
        with app.app_context(), StatementCounter(app) as counter:  # a request's own context
            build_dashboard(filters, DEFAULT_RANKING, now=at(18))
        assert _watermark_reads(counter.statements) == 1, filters


def test_the_period_is_read_again_under_a_watermark_a_refresh_moved(app, scene, clock):
    assert rollup.usable(DashboardFilters())  # the watermark as the request first read it
    moved = _refresh_elsewhere(app, clock, 12.3)
    days = rollup.days_activity(DAY, DAY, ("a", 0))
    assert rollup.rolled_until() == moved  # read again, not answered live from 11:00 on
    live = rollup.live_days([(DAY, DAY)], ("a", 0))[DAY]
    assert (days[DAY].votes, days[DAY].comments, days[DAY].ideas) == (
        live.votes,
        live.comments,
        live.ideas,
    )
    assert days[DAY].participants == live.participants


def test_the_funnel_is_read_again_under_a_watermark_a_refresh_moved(app, scene, clock):
    filters = DashboardFilters(start=DAY - timedelta(days=1), end=DAY)
    assert rollup.usable(filters)
    moved = _refresh_elsewhere(app, clock, 13.3)
    stats = rolled_cohort_stats(filters)
    assert stats is not None  # not left to the live queries
    assert rollup.rolled_until() == moved
    assert stats.stage_counts() == {Stage.PROPOSED: 9}


def test_the_departments_are_read_again_under_a_watermark_a_refresh_moved(app, scene, clock):
    filters = DashboardFilters(start=DAY - timedelta(days=1), end=DAY)
    assert rollup.usable(filters)
    moved = _refresh_elsewhere(app, clock, 14.3)
    assert rollup.department_ideas(filters.start, filters.end) is not None
    assert rollup.rolled_until() == moved
    assert department_rows(filters) == _live(app, lambda: department_rows(filters))


def test_a_refresh_in_the_same_context_is_seen_at_once(scene):
    assert rollup.rolled_until() == at(11)
    rollup.refresh_day(DAY, at(12))  # one day's refresh moves the watermark to 12:00
    assert rollup.rolled_until() == at(12)
