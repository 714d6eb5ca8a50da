"""Audit pages: administrators browse and filter the append-only log (read only)."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_timezone
from flask_login import current_user, login_required

from ideas.audit.forms import AuditFilterForm
from ideas.audit.labels import action_choices, action_label, detail_items
from ideas.audit.permissions import can_browse_audit
from ideas.audit.services import audit_entries, day_bounds, ideas_of, known_actions
from ideas.extensions import db

bp = Blueprint("audit", __name__)
DEFAULT_PER_PAGE = 50


@bp.get("/admin/audit")
@login_required
def browse_log():
    """The log, newest first, 50 entries a page, filtered by the query string."""
    if not can_browse_audit(current_user):
        abort(403)
    form = AuditFilterForm(request.args)
    form.action.choices = action_choices(known_actions())
    if not form.validate():
        return render_template("audit/log.html", form=form, page=None), 422
    since, until = day_bounds(form.date_from.data, form.date_to.data, str(get_timezone()))
    query = audit_entries(
        action=form.action.data or None,
        actor_id=form.actor_id,
        idea_id=form.idea.data,
        since=since,
        until=until,
    )
    per_page = current_app.config.get("AUDIT_PER_PAGE", DEFAULT_PER_PAGE)
    page = db.paginate(query, per_page=per_page, error_out=False)
    return render_template(
        "audit/log.html",
        form=form,
        page=page,
        ideas=ideas_of(page.items),
        action_label=action_label,
        detail_items=detail_items,
    )
