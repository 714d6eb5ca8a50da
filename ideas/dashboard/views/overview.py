"""Dashboard routes: the executive overview."""

from flask import abort, render_template, request
from flask_babel import format_date, format_decimal, format_percent
from flask_login import current_user, login_required

from ideas.board.services import filter_choices
from ideas.dashboard.figures import FIGURE_LABELS
from ideas.dashboard.permissions import can_view_dashboard
from ideas.dashboard.rankings import RANKINGS, parse_ranking, parse_stage
from ideas.dashboard.services import WEEKLY_SERIES, cached_dashboard, dashboard_filters
from ideas.dashboard.views import bp

# The header shows the Dashboard link only to those who may open it.
bp.add_app_template_global(can_view_dashboard, "can_view_dashboard")


@bp.get("/dashboard")
@login_required
def overview():
    """Key figures, rankings, funnel, participation, departments and responses."""
    if not can_view_dashboard(current_user):
        abort(403)
    filters = dashboard_filters(request.args)
    dashboard = cached_dashboard(
        filters,
        parse_ranking(request.args.get("ranking")),
        parse_stage(request.args.get("stage")),
    )
    return render_template(
        "dashboard/overview.html",
        dashboard=dashboard,
        filters=filters,
        filter_choices=filter_choices(include_merged=False),
        rankings=RANKINGS,
        figure_labels=FIGURE_LABELS,
        weekly_series=WEEKLY_SERIES,
    )


def _signed(value: int) -> str:
    return format_decimal(value, format="+#,##0;-#,##0") if value else format_decimal(0)


def _percent(value: float | None, signed: bool = False) -> str:
    if value is None:
        return ""
    pattern = "+#,##0.0%;-#,##0.0%" if signed else "#,##0.0%"
    return format_percent(value / 100, format=pattern)


def _days(value: float | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.0")


@bp.context_processor
def dashboard_formatting():
    """Number and date formats of the dashboard pages, in the reader's locale."""
    return {
        "dash_signed": _signed,
        "dash_percent": _percent,
        "dash_days": _days,
        "dash_date": lambda value: format_date(value, "medium"),
    }
