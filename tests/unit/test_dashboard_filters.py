"""DashboardFilters: tolerant parsing, URL round trips, periods and SQL clauses; chart geometry."""

from datetime import date, datetime

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ideas.board.models import Idea
from ideas.dashboard.charts import bar_chart, column_chart, nice_ceiling
from ideas.dashboard.filters import DashboardFilters
from ideas.extensions import db


def test_round_trip_through_the_url():
    filters = DashboardFilters(date(2026, 1, 1), date(2026, 1, 31), 3, 4, 5)
    args = filters.to_args()
    assert args == {
        "from": "2026-01-01", "to": "2026-01-31", "department": "3", "theme": "4", "group": "5"
    }  # fmt: skip
    assert DashboardFilters.from_args(MultiDict(args)) == filters
    assert filters.scope_args() == {"department": "3", "theme": "4", "group": "5"}
    assert DashboardFilters().to_args() == {}


@pytest.mark.parametrize(
    ("args", "expected", "errors"),
    [
        ({"from": "2026-02-30"}, DashboardFilters(), 1),
        ({"to": "soon", "theme": "-1"}, DashboardFilters(), 2),
        ({"department": "99999999999"}, DashboardFilters(), 1),
        ({"group": "7", "start": "2026-03-01"}, DashboardFilters(date(2026, 3, 1), group_id=7), 0),
        ({"from": "2026-03-02", "to": "2026-03-01"}, DashboardFilters(), 1),
        ({"department": "", "theme": "  "}, DashboardFilters(), 0),
    ],
)
def test_bad_values_are_dropped_and_reported_never_raised(args, expected, errors):
    filters = DashboardFilters.from_args(MultiDict(args))
    assert filters == expected
    assert len(filters.errors) == errors


def test_resolved_and_previous_periods():
    today = date(2026, 3, 31)
    default = DashboardFilters().resolved(today, 84)
    assert (default.start, default.end, default.days) == (date(2026, 1, 7), today, 84)
    open_end = DashboardFilters(start=date(2026, 3, 1)).resolved(today)
    assert (open_end.start, open_end.end) == (date(2026, 3, 1), today)
    future = DashboardFilters(start=date(2026, 5, 1)).resolved(today, 28)
    assert (future.start, future.end) == (date(2026, 5, 1), date(2026, 5, 28))
    previous = DashboardFilters(date(2026, 3, 1), date(2026, 3, 31)).previous()
    assert (previous.start, previous.end) == (date(2026, 1, 29), date(2026, 2, 28))
    with pytest.raises(ValueError):
        DashboardFilters().previous()


def test_idea_clauses_include_the_whole_end_day(ctx, make_idea):
    idea = make_idea()
    row = db.session.get(Idea, idea.id)
    row.created_at = datetime(2026, 3, 31, 23, 59, 59)
    db.session.flush()

    def matches(**kwargs):
        clauses = DashboardFilters(**kwargs).idea_clauses()
        return db.session.scalar(select(Idea.id).where(*clauses)) == idea.id

    assert matches(start=date(2026, 3, 31), end=date(2026, 3, 31))
    assert not matches(start=date(2026, 4, 1))
    assert not matches(end=date(2026, 3, 30))
    assert matches(theme_id=row.theme_id)
    assert not matches(theme_id=row.theme_id + 1)
    assert not matches(department_id=1)


def test_nice_ceiling():
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 10, 11, 240, 501)] == [
        1,
        1,
        5,
        10,
        10,
        20,
        500,
        1000,
    ]


def test_bar_chart_scales_to_the_largest_value():
    chart = bar_chart([("A", 10, "10"), ("B", 5, "5"), ("C", 0, "0")], width=640, label_width=200)
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == chart.plot_width
    assert widths[1] == chart.plot_width / 2
    assert widths[2] == 0
    assert chart.bars[1].y > chart.bars[0].y


def test_column_chart_heights_and_labels():
    chart = column_chart([(str(i), value) for i, value in enumerate([0, 5, 10] * 6)], max_labels=6)
    assert chart.ticks[-1].value == 10  # the axis ends at the nice ceiling
    tallest = max(chart.columns, key=lambda c: c.value)
    assert tallest.height == chart.plot_height
    assert sum(c.show_label for c in chart.columns) == 6


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [(0, [0, 1]), (2, [0, 1, 2]), (4, [0, 1, 2, 3, 4, 5]), (17, [0, 5, 10, 15, 20]),
     (90, [0, 20, 40, 60, 80, 100]), (300, [0, 100, 200, 300, 400, 500])],
)  # fmt: skip
def test_column_chart_ticks_are_whole_and_even(largest, ticks):
    chart = column_chart([("a", largest)])
    assert [tick.value for tick in chart.ticks] == ticks
