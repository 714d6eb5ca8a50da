"""Account pages: register, sign in and out, profile."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ideas.accounts.forms import ProfileForm, RegisterForm, SignInForm, department_options
from ideas.accounts.models import Department, User
from ideas.accounts.services import authenticate, register_user, update_profile
from ideas.board.models import Idea
from ideas.board.services import IdeaFilters, ranked_ideas
from ideas.domain import DomainError
from ideas.extensions import db
from ideas.forms import NONE_CHOICE, ActionForm
from ideas.i18n import select_locale
from ideas.web import attach_error, referrer_path, safe_next, transaction, wants_json

bp = Blueprint("accounts", __name__)


def _department(department_id: int) -> Department | None:
    return db.session.get(Department, department_id) if department_id else None


def redirect_to_sign_in():
    """Send an anonymous visitor to sign in, then back to where they were."""
    message = _("Please sign in to see this page.")
    if wants_json():
        return jsonify(error=message), 401
    flash(message, "info")
    if request.method == "GET":
        target = request.full_path.rstrip("?")
    else:
        # A form posted from a page (a vote, say): return to that page, since the
        # POST-only address itself cannot be shown after signing in.
        target = referrer_path() or url_for("main.home")
    return redirect(url_for("accounts.sign_in", next=target))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    form.department.choices = department_options()
    if not form.is_submitted():
        form.locale.data = select_locale()
    if form.validate_on_submit():
        try:
            with transaction():
                user = register_user(
                    form.email.data,
                    form.display_name.data,
                    form.password.data,
                    department=_department(form.department.data),
                    locale=form.locale.data,
                )
        except DomainError as error:
            attach_error(form, error)
        else:
            login_user(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.display_name), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        with transaction():
            user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(url_for("main.home")))
        form.form_errors.append(_("The email or password is not correct."))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/sign_in.html", form=form), status


@bp.post("/sign-out")
def sign_out():
    """Sign out (a POST with a CSRF token, so no link can sign someone out)."""
    if ActionForm().validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    """Change display name, department and language, asked once and reused."""
    form = ProfileForm(obj=current_user)
    form.department.choices = department_options()
    if not form.is_submitted():
        form.department.data = current_user.department_id or NONE_CHOICE
    if form.validate_on_submit():
        try:
            with transaction():
                update_profile(
                    current_user,
                    form.display_name.data,
                    _department(form.department.data),
                    form.locale.data,
                )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/profile.html", form=form), 422 if form.errors else 200


@bp.get("/members/<int:user_id>")
@login_required
def show_user(user_id: int):
    """A member's public profile and the ideas they posted."""
    user = db.session.get(User, user_id) or abort(404)
    query = ranked_ideas("new", IdeaFilters()).where(Idea.author_id == user.id)
    page = db.paginate(query, per_page=20, error_out=False)
    return render_template("accounts/user.html", user=user, page=page)
