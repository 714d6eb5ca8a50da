"""The department table's ideas per department from the roll-up equal the live count.

Ideas posted on whole days, on the watermark's partial day before and after the watermark,
and later; with and without a department; one hidden before the refresh and one after it
(its days read live), and one moved to another department after it.
"""

from datetime import date, datetime, timedelta

import pytest

from ideas.board.models import Idea
from ideas.dashboard import departments, rollup, rollup_sync
from ideas.dashboard.departments import department_rows
from ideas.dashboard.filters import DashboardFilters, day_start
from ideas.extensions import db
from ideas.timeutil import utcnow
from tests.conftest import theme_id

# The scenario's "today": two days ago, so the real clock never matters (as in
# test_dashboard_rollup.py); the watermark falls at 11:00 on that day.
DAY = utcnow().date() - timedelta(days=2)


def at(day: date, hours: float) -> datetime:
    """An instant on a day."""
    return day_start(day) + timedelta(hours=hours)


def _figures(rows) -> list[tuple[int | None, int, int, int]]:
    return [
        (
            row.department.id if row.department else None,
            row.participants,
            row.ideas,
            row.implemented,
        )
        for row in rows
    ]


def _answer(app, filters: DashboardFilters, on: bool):
    app.config["DASHBOARD_ROLLUP"] = on
    try:
        return _figures(department_rows(filters))
    finally:
        app.config["DASHBOARD_ROLLUP"] = True


@pytest.fixture
def scene(ctx, app, make_user, make_department, make_idea, monkeypatch):
    """Ideas over several days, rolled up to 11:00 on DAY, then some changes."""
    clock = {"now": at(DAY, 11.3)}
    # The write side's clock is the scenario's; refresh gets it as `now`.
    monkeypatch.setattr(rollup_sync, "utcnow", lambda: clock["now"])
    alpha, beta = make_department("Alpha"), make_department("Beta")
    people = {key: make_user(department=d) for key, d in (("a", alpha), ("b", beta), ("n", None))}
    posted = [
        ("a", at(DAY - timedelta(days=8), 9)),
        ("b", at(DAY - timedelta(days=8), 10)),
        ("n", at(DAY - timedelta(days=8), 11)),
        ("a", at(DAY - timedelta(days=8), 12)),  # hidden before the refresh
        ("b", at(DAY - timedelta(days=3), 9)),  # hidden after it
        ("n", at(DAY - timedelta(days=3), 10)),
        ("a", at(DAY - timedelta(days=3), 11)),  # moved to Beta after it
        ("a", at(DAY, 9)),  # the partial row: [midnight, 11:00)
        ("n", at(DAY, 10.5)),
        ("b", at(DAY, 11.5)),  # from the watermark on: live
        ("n", at(DAY, 14)),
        ("a", at(DAY + timedelta(days=1), 8)),
    ]
    ideas = []
    for key, when in posted:
        idea = db.session.get(Idea, make_idea(author=people[key]).id)
        idea.created_at = idea.stage_changed_at = when
        ideas.append(idea)
    ideas[3].hidden = True
    db.session.commit()
    assert rollup.refresh(now=clock["now"]).rolled_until == at(DAY, 11)
    ideas[4].hidden = True
    ideas[6].department_id = beta.id
    db.session.commit()
    assert rollup._rolled_department_ideas(None, None, at(DAY, 11))[1] == {
        DAY - timedelta(days=3)
    }  # that day is now read live
    return {"alpha": alpha.id, "beta": beta.id}


def _cases(scene) -> list[DashboardFilters]:
    periods = [
        (None, None),
        (DAY - timedelta(days=8), DAY - timedelta(days=8)),
        (DAY - timedelta(days=3), DAY),
        (DAY, DAY),
        (DAY - timedelta(days=20), utcnow().date()),
        (DAY + timedelta(days=1), utcnow().date()),
    ]
    scopes = [{}, {"department_id": scene["alpha"]}, {"department_id": scene["beta"]}]
    return [DashboardFilters(start=a, end=b, **scope) for a, b in periods for scope in scopes]


def test_ideas_per_department_from_the_rollup_equal_the_live_count(app, scene, monkeypatch):
    live = {filters: _answer(app, filters, False) for filters in _cases(scene)}

    def refuse(_filters):
        raise AssertionError("the roll-up answers ideas per department")

    monkeypatch.setattr(departments, "_ideas_live", refuse)
    for filters in _cases(scene):
        assert _answer(app, filters, True) == live[filters], filters
    # All time, by hand: Alpha 3 visible (one hidden, one moved away), Beta 3 (one hidden,
    # one moved in), no department 4.
    ideas = {key: count for key, _people, count, _done in live[DashboardFilters()]}
    assert ideas == {scene["alpha"]: 3, scene["beta"]: 3, None: 4}


def test_a_theme_filter_counts_ideas_per_department_live(app, scene):
    filters = DashboardFilters(start=DAY - timedelta(days=8), end=DAY, theme_id=theme_id())
    assert _answer(app, filters, True) == _answer(app, filters, False)


def test_rows_read_under_an_older_watermark_are_refused(scene):
    assert rollup._rolled_department_ideas(None, None, at(DAY, 10)) is None
    counts, _dirty = rollup._rolled_department_ideas(None, None, at(DAY, 11))
    assert sum(counts.values()) == 5  # DAY - 8 and the partial row of DAY (DAY - 3 dirty)
