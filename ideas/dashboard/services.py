"""The dashboard page's data, gathered from the query modules in one call."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from ideas.dashboard import charts
from ideas.dashboard.accountability import Accountability, accountability
from ideas.dashboard.departments import DepartmentRow, department_rows
from ideas.dashboard.figures import Figure, key_figures
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.funnel import Funnel, build_funnel
from ideas.dashboard.participation import Week, weekly_participation
from ideas.dashboard.rankings import RankedIdea, ranked_ideas
from ideas.timeutil import utcnow
from ideas.workflow.stages import Stage

# The weekly series, each drawn as its own chart so small counts are not dwarfed by votes.
WEEKLY_SERIES = ("ideas", "comments", "votes", "participants")


def default_period_days() -> int:
    """Days the dashboard covers when the URL gives no dates (DASHBOARD_PERIOD_DAYS)."""
    return int(current_app.config.get("DASHBOARD_PERIOD_DAYS", 84))


def dashboard_filters(args, now: datetime | None = None) -> DashboardFilters:
    """The page's filters from URL arguments, with both dates set."""
    today = (now or utcnow()).date()
    return DashboardFilters.from_args(args).resolved(today, default_period_days())


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows."""

    filters: DashboardFilters
    previous: DashboardFilters
    figures: list[Figure]
    ranking: str
    ranking_stage: Stage | None
    ranked: list[RankedIdea]
    funnel: Funnel
    weeks: list[Week]
    departments: list[DepartmentRow]
    accountability: Accountability
    funnel_chart: charts.BarChart
    department_chart: charts.BarChart
    weekly_charts: dict[str, charts.ColumnChart]


def _funnel_chart(funnel: Funnel) -> charts.BarChart:
    return charts.bar_chart(
        [(step.stage.label, step.reached, format_decimal(step.reached)) for step in funnel.steps]
    )


def _department_chart(rows: list[DepartmentRow]) -> charts.BarChart:
    items = [
        (
            row.department.name if row.department else _("No department"),
            row.participants,
            format_decimal(row.participants),
        )
        for row in rows[:12]
    ]
    return charts.bar_chart(items, label_width=240)


def _weekly_charts(weeks: list[Week]) -> dict[str, charts.ColumnChart]:
    return {
        series: charts.column_chart(
            [(format_date(week.starts_on, "short"), getattr(week, series)) for week in weeks]
        )
        for series in WEEKLY_SERIES
    }


# Recently built dashboards, per filters, ranking and language: executives tend to open the
# same views, and every figure may lag the data by DASHBOARD_CACHE_SECONDS. Per process.
_cache: OrderedDict[tuple, tuple[float, Dashboard]] = OrderedDict()
_CACHE_ENTRIES = 64


def cached_dashboard(
    filters: DashboardFilters, ranking: str, ranking_stage: Stage | None = None
) -> Dashboard:
    """The dashboard from the cache when built less than DASHBOARD_CACHE_SECONDS ago."""
    seconds = float(current_app.config.get("DASHBOARD_CACHE_SECONDS", 0))
    if seconds <= 0:
        return build_dashboard(filters, ranking, ranking_stage)
    key = (filters, ranking, ranking_stage, str(get_locale()))
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < seconds:
        _cache.move_to_end(key)
        return hit[1]
    dashboard = build_dashboard(filters, ranking, ranking_stage)
    _cache[key] = (time.monotonic(), dashboard)
    while len(_cache) > _CACHE_ENTRIES:
        _cache.popitem(last=False)
    return dashboard


def clear_cache() -> None:
    """Forget every cached dashboard."""
    _cache.clear()


def build_dashboard(
    filters: DashboardFilters,
    ranking: str,
    ranking_stage: Stage | None = None,
    now: datetime | None = None,
) -> Dashboard:
    """Every section of the dashboard for the filters (both dates must be set)."""
    now = now or utcnow()
    funnel = build_funnel(filters, now)
    weeks = weekly_participation(filters)
    departments = department_rows(filters)
    return Dashboard(
        filters=filters,
        previous=filters.previous(),
        figures=key_figures(filters),
        ranking=ranking,
        ranking_stage=ranking_stage,
        ranked=ranked_ideas(filters, ranking, ranking_stage, now=now),
        funnel=funnel,
        weeks=weeks,
        departments=departments,
        accountability=accountability(filters, now),
        funnel_chart=_funnel_chart(funnel),
        department_chart=_department_chart(departments),
        weekly_charts=_weekly_charts(weeks),
    )
