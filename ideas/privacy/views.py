"""Privacy pages: the privacy notice, downloading my data, deleting an account."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ideas.accounts.fresh import fresh_sign_in_required
from ideas.accounts.models import User
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import ActionForm
from ideas.privacy.forms import AdminDeleteAccountForm, DeleteOwnAccountForm, FindAccountForm
from ideas.privacy.permissions import can_delete_account, can_delete_others, can_export_data
from ideas.privacy.services import delete_account, export_member_data, find_account, record_export
from ideas.timeutil import utcnow
from ideas.web import attach_error, transaction

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def policy():
    """What the platform stores about people, who sees it, for how long; public."""
    return render_template("privacy/policy.html")


@bp.post("/account/export")
@login_required
def export_data():
    """The signed-in member's own data as a JSON file to download (a POST, and audited)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if not can_export_data(current_user, current_user):
        abort(403)
    with transaction():
        archive = export_member_data(current_user)
        record_export(current_user)
    body = json.dumps(archive, ensure_ascii=False, indent=2, sort_keys=False)
    filename = f"ideas-my-data-{utcnow():%Y-%m-%d}.json"
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@fresh_sign_in_required
def delete_my_account():
    """Delete (anonymise) my own account after an explicit confirmation."""
    if not can_delete_account(current_user, current_user):
        abort(403)
    form = DeleteOwnAccountForm()
    if form.validate_on_submit():
        try:
            with transaction():
                delete_account(current_user, actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            logout_user()
            flash(_("Your account is deleted. Thank you for taking part."), "success")
            return redirect(url_for("main.home"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("privacy/delete.html", form=form), status


@bp.route("/admin/accounts/delete", methods=["GET", "POST"])
@login_required
def find_account_to_delete():
    """Administrators find the account a deletion request is about, by email."""
    if not can_delete_others(current_user):
        abort(403)
    form = FindAccountForm()
    if form.validate_on_submit():
        user = find_account(form.email.data)
        if user is not None:
            return redirect(url_for("privacy.admin_delete_account", user_id=user.id))
        form.email.errors = [*form.email.errors, _("No account has this email address.")]
    status = 422 if form.errors else 200
    return render_template("privacy/find_account.html", form=form), status


@bp.route("/admin/members/<int:user_id>/delete", methods=["GET", "POST"])
@login_required
def admin_delete_account(user_id: int):
    """Administrators delete a member's account on request, with a reason (audited)."""
    if not can_delete_others(current_user):
        abort(403)
    return _confirm_admin_deletion(user_id)


@fresh_sign_in_required
def _confirm_admin_deletion(user_id: int):
    """The confirmation form, behind a fresh sign-in (checked after the role, so others get 403)."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404)
    if user.id == current_user.id:
        return redirect(url_for("privacy.delete_my_account"))
    form = AdminDeleteAccountForm()
    if form.validate_on_submit():
        try:
            with transaction():
                delete_account(user, actor=current_user, reason=form.reason.data)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The account is deleted and the deletion is in the audit log."), "success")
            return redirect(url_for("privacy.find_account_to_delete"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("privacy/admin_delete.html", form=form, member=user), status
