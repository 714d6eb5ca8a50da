"""Notifications pages: the member's notification centre and the header's unread count."""

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ideas.extensions import db
from ideas.notifications.messages import render_message, shows_actor
from ideas.notifications.services import (
    ideas_named_in,
    mark_read,
    notification_of,
    notifications_for,
    unread_count,
)
from ideas.web import safe_next, transaction

bp = Blueprint("notifications", __name__)
DEFAULT_PER_PAGE = 20


@bp.app_context_processor
def unread_notifications() -> dict:
    """The signed-in member's unread count for the header: one COUNT query per request."""
    if not current_user or not current_user.is_authenticated:
        return {}
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user)
    return {"unread_notifications": g.unread_notifications}


@bp.get("/notifications")
@login_required
def list_notifications():
    """The member's own notifications, newest first, unread ones marked."""
    page = db.paginate(
        notifications_for(current_user),
        per_page=current_app.config.get("NOTIFICATIONS_PER_PAGE", DEFAULT_PER_PAGE),
        error_out=False,
    )
    return render_template(
        "notifications/list.html",
        page=page,
        ideas=ideas_named_in(page.items),
        render_message=render_message,
        shows_actor=shows_actor,
    )


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int):
    """Mark one of the member's notifications as read (another member's is not found)."""
    if notification_of(current_user, notification_id) is None:
        abort(404)
    with transaction():
        mark_read(current_user, notification_id)
    flash(_("The notification is marked as read."), "success")
    return redirect(safe_next(url_for("notifications.list_notifications")))


@bp.post("/notifications/read-all")
@login_required
def read_all_notifications():
    """Mark every notification of the member as read."""
    with transaction():
        count = mark_read(current_user)
    if count:
        flash(_("All notifications are marked as read."), "success")
    else:
        flash(_("You had no unread notifications."))
    return redirect(safe_next(url_for("notifications.list_notifications")))
