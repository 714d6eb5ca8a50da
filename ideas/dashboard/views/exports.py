"""Dashboard routes: open-data exports of ideas as CSV and JSON, streamed.

The response body is a generator (`stream_with_context` keeps the request and database
session open while it runs), so a 100,000-idea export never sits in memory whole.
"""

from __future__ import annotations

from flask import Response, abort, current_app, request, stream_with_context
from flask_login import current_user, login_required

from ideas.dashboard.exports import clamp_period, csv_chunks, json_chunks
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.permissions import can_export
from ideas.dashboard.views import bp
from ideas.timeutil import utcnow


def _stream(chunks, mimetype: str, extension: str) -> Response:
    name = f"ideas-{utcnow().date().isoformat()}.{extension}"
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _filters() -> DashboardFilters:
    """The dashboard's filters from the address; aborts unless the caller may export."""
    if not can_export(current_user):
        abort(403)
    return clamp_period(DashboardFilters.from_args(request.args))


@bp.get("/exports/ideas.csv")
@login_required
def export_ideas_csv():
    """Ideas matching the dashboard filters as CSV, streamed batch by batch."""
    filters = _filters()
    batch = current_app.config["EXPORT_BATCH_SIZE"]
    return _stream(csv_chunks(filters, batch), "text/csv", "csv")


@bp.get("/exports/ideas.json")
@login_required
def export_ideas_json():
    """Ideas matching the dashboard filters as JSON, streamed batch by batch."""
    filters = _filters()
    batch = current_app.config["EXPORT_BATCH_SIZE"]
    return _stream(json_chunks(filters, batch), "application/json", "json")
