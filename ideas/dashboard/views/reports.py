"""Dashboard routes: progress reports, live for the dashboard roles and published for all.

The live report (`/reports/progress?from=…&to=…`) and a published one render the same
snapshot data with the same templates; only the page around it differs.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from ideas.board.services import filter_choices
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.models import PublishedReport
from ideas.dashboard.permissions import (
    can_publish_report,
    can_read_published_report,
    can_view_dashboard,
)
from ideas.dashboard.report_formats import (
    published_line,
    report_csv,
    report_markdown,
    scope_lines,
    template_helpers,
)
from ideas.dashboard.reports import (
    TITLE_MAX,
    build_progress_report,
    default_title,
    publish_report,
    published_reports,
    report_filters,
)
from ideas.dashboard.views import bp
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import Form
from ideas.timeutil import utcnow
from ideas.web import attach_error, transaction


class PublishReportForm(Form):
    """The title a published report goes by; the period comes from the page's address."""

    title = StringField(
        _l("Title of the published report"),
        validators=[
            InputRequired(_l("Give the report a title.")),
            Length(max=TITLE_MAX, message=_l("Use at most %(count)d characters.", count=TITLE_MAX)),
        ],
        description=_l("Every member will read the report under this title."),
    )


def _today() -> date:
    return utcnow().date()


def _live_filters() -> DashboardFilters:
    """The report's period and scope from the address; aborts unless a dashboard role."""
    if not can_view_dashboard(current_user):
        abort(403)
    return report_filters(request.args, _today())


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _render_progress(filters: DashboardFilters, form: PublishReportForm, status: int = 200):
    report = build_progress_report(filters)
    return render_template(
        "dashboard/reports/progress.html",
        report=report,
        filters=filters,
        period_args=filters.to_args(),
        form=form,
        # The dashboard's own department, theme and group selects.
        filter_choices=filter_choices(include_merged=False),
        scope=scope_lines(report),
        can_publish=can_publish_report(current_user),
        **template_helpers(),
    ), status


@bp.get("/reports/progress")
@login_required
def progress_report():
    """The live progress report for a period, printable, with downloads and publishing."""
    filters = _live_filters()
    form = PublishReportForm(formdata=None, title=default_title(filters))
    return _render_progress(filters, form)


@bp.get("/reports/progress.md")
@login_required
def progress_report_markdown():
    """The live progress report as a Markdown file."""
    filters = _live_filters()
    body = report_markdown(build_progress_report(filters), title=default_title(filters))
    name = f"progress-report-{filters.start}-{filters.end}.md"
    return _download(body, "text/markdown", name)


@bp.get("/reports/progress.csv")
@login_required
def progress_report_csv():
    """The live progress report as a CSV file."""
    filters = _live_filters()
    name = f"progress-report-{filters.start}-{filters.end}.csv"
    return _download(report_csv(build_progress_report(filters)), "text/csv", name)


@bp.post("/reports/progress/publish")
@login_required
def publish_progress_report():
    """Secretariat staff freeze the period's report into a permanent page for every member."""
    if not can_publish_report(current_user):
        abort(403)
    filters = report_filters(request.args, _today())
    form = PublishReportForm()
    if form.validate_on_submit():
        try:
            with transaction():
                report = publish_report(current_user, filters, form.title.data)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The report is published. Every member can now read it."), "success")
            return redirect(url_for("dashboard.show_report", report_id=report.id))
    return _render_progress(filters, form, 422)


@bp.get("/reports")
@login_required
def list_reports():
    """Every published progress report, newest first, for every member."""
    if not can_read_published_report(current_user):
        abort(403)
    page = db.paginate(published_reports(), per_page=20, error_out=False)
    return render_template(
        "dashboard/reports/list.html",
        page=page,
        can_prepare=can_view_dashboard(current_user),
        medium_date=template_helpers()["medium_date"],
    )


def _published(report_id: int) -> PublishedReport:
    if not can_read_published_report(current_user):
        abort(403)
    return db.get_or_404(PublishedReport, report_id)


def _publisher_name(published: PublishedReport) -> str | None:
    user = published.published_by
    return user.display_name if user is not None and user.deleted_at is None else None


@bp.get("/reports/<int:report_id>")
@login_required
def show_report(report_id: int):
    """A published report, exactly as it stood when it was published."""
    published = _published(report_id)
    return render_template(
        "dashboard/reports/show.html",
        published=published,
        report=published.snapshot,
        scope=scope_lines(published.snapshot),
        publisher=_publisher_name(published),
        **template_helpers(),
    )


@bp.get("/reports/<int:report_id>.md")
@login_required
def published_report_markdown(report_id: int):
    """A published report as a Markdown file."""
    published = _published(report_id)
    line = published_line(published.published_at, _publisher_name(published))
    body = report_markdown(published.snapshot, title=published.title, published=line)
    return _download(body, "text/markdown", f"progress-report-{published.id}.md")


@bp.get("/reports/<int:report_id>.csv")
@login_required
def published_report_csv(report_id: int):
    """A published report as a CSV file."""
    published = _published(report_id)
    return _download(
        report_csv(published.snapshot), "text/csv", f"progress-report-{published.id}.csv"
    )
