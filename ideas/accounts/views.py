"""Account pages: register, sign in and out, profile, password, email and sessions."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_fresh, login_required, login_user, logout_user

from ideas.accounts import credentials
from ideas.accounts.forms import (
    ChangePasswordForm,
    EmailChangeForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    ProfileForm,
    ReauthenticateForm,
    RegisterForm,
    SignInForm,
    department_options,
)
from ideas.accounts.fresh import (
    FRESH_AT_KEY,
    fresh_sign_in_required,
    mark_fresh,
    redirect_and_return,
)
from ideas.accounts.models import Department, User
from ideas.accounts.services import (
    authenticate,
    end_all_sessions,
    normalize_email,
    update_profile,
    verify_password,
)
from ideas.board.models import Idea
from ideas.board.services import IdeaFilters, ranked_ideas
from ideas.domain import DomainError
from ideas.extensions import client_address, db, limiter
from ideas.forms import NONE_CHOICE, ActionForm
from ideas.i18n import select_locale
from ideas.web import attach_error, safe_next, transaction

bp = Blueprint("accounts", __name__)


# --- Throttling password guesses ----------------------------------------------------------
# Each password-checking action is limited twice: per client address (one machine trying
# many accounts) and per account (many machines trying one account). Limits come from the
# config at request time; a refused request gets the site's 429 page.


def _config_limit(key: str):
    return lambda: current_app.config[key]


def _ip_key() -> str:
    return f"ip:{client_address()}"


def _typed_account_key() -> str:
    """The account named in the form (sign-in, reset request), whether it exists or not."""
    return f"account:{normalize_email(request.form.get('email', ''))[:254]}"


def _signed_in_account_key() -> str:
    """The signed-in account (re-authentication, password change)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return _ip_key()


def _throttle(config_key: str, account_key):
    """Two limits from one config key: per client address and per account, POSTs only."""
    per_ip = limiter.limit(_config_limit(config_key), key_func=_ip_key, methods=["POST"])
    per_account = limiter.limit(_config_limit(config_key), key_func=account_key, methods=["POST"])
    return lambda view: per_ip(per_account(view))


def _external(endpoint: str, **values) -> str:
    """An absolute URL for an email, on EXTERNAL_URL when set (never a forged Host)."""
    base = current_app.config.get("EXTERNAL_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _token_link(endpoint: str):
    return lambda token: _external(endpoint, token=token)


def _sign_in_again(user: User, *, password_typed: bool) -> None:
    """Keep this browser signed in after the session token changed (the others end).

    A remember-me cookie this browser holds is renewed with the new token. The session
    stays exactly as fresh as it was, unless the password was just typed.
    """
    cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    fresh_at = session.get(FRESH_AT_KEY)
    login_user(user, remember=cookie_name in request.cookies, fresh=login_fresh())
    if password_typed:
        mark_fresh()
    elif fresh_at is not None:
        session[FRESH_AT_KEY] = fresh_at


def _department(department_id: int) -> Department | None:
    return db.session.get(Department, department_id) if department_id else None


def redirect_to_sign_in():
    """Send an anonymous visitor to sign in, then back to where they were."""
    return redirect_and_return("accounts.sign_in", _("Please sign in to see this page."))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Check a registration and email the link that finishes it (or a reminder, if taken)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    form.department.choices = department_options()
    if not form.is_submitted():
        form.locale.data = select_locale()
    if form.validate_on_submit():
        try:
            with transaction():
                credentials.start_registration(
                    form.email.data,
                    form.display_name.data,
                    form.password.data,
                    _department(form.department.data),
                    form.locale.data,
                    link=_token_link("accounts.confirm_registration"),
                    sign_in_url=_external("accounts.sign_in"),
                    reset_url=_external("accounts.request_password_reset"),
                )
        except DomainError as error:
            attach_error(form, error)
        else:
            # The same answer whether or not the address already has an account.
            return redirect(url_for("accounts.registration_sent"))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.get("/register/sent")
def registration_sent():
    """Tell the visitor to follow the link we emailed (said the same for every address)."""
    return render_template("accounts/registration_sent.html")


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    """Finish creating an account from the emailed link (a button: GET changes nothing)."""
    pending = credentials.read_registration(token)
    if pending is None:
        return render_template("accounts/confirm_registration.html", pending=None), 404
    if ActionForm().validate_on_submit():
        try:
            with transaction():
                user = credentials.complete_registration(token)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("accounts.sign_in"))
        logout_user()
        login_user(user)
        mark_fresh()
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.display_name), "success")
        return redirect(url_for("main.home"))
    return render_template("accounts/confirm_registration.html", pending=pending)


@bp.route("/sign-in", methods=["GET", "POST"])
@_throttle("SIGN_IN_RATE_LIMIT", _typed_account_key)
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
            mark_fresh()
            return redirect(safe_next(url_for("main.home")))
        # One message for an unknown address, a wrong password and a closed account.
        form.form_errors.append(_("The email or password is not correct."))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/sign_in.html", form=form), status


@bp.post("/sign-out")
def sign_out():
    """Sign out here and everywhere (a POST with a CSRF token, so no link can do it).

    The session cookie is signed, not stored: a copy of it (a shared computer, a stolen
    cookie) would stay valid after sign-out unless the session token changes, so it does,
    which also ends the person's sessions on their other devices.
    """
    if ActionForm().validate_on_submit():
        if current_user.is_authenticated:
            with transaction():
                end_all_sessions(current_user._get_current_object())
        logout_user()
        flash(_("You are signed out on every device."), "info")
    return redirect(url_for("main.home"))


@bp.route("/sign-in/again", methods=["GET", "POST"])
@login_required
@_throttle("SIGN_IN_RATE_LIMIT", _signed_in_account_key)
def reauthenticate():
    """Type the password again before a sensitive change, then go back to it."""
    form = ReauthenticateForm()
    if form.validate_on_submit():
        with transaction():
            verified = verify_password(current_user._get_current_object(), form.password.data)
        if verified:
            mark_fresh()
            return redirect(safe_next(url_for("accounts.security")))
        form.password.errors = [_("The password is not correct.")]
    status = 422 if form.errors else 200
    return render_template("accounts/reauthenticate.html", form=form), status


# --- Password, email and sessions ---------------------------------------------------------


@bp.get("/account")
@login_required
def security():
    """The sign-in and security page: password, email address, other devices."""
    return render_template("accounts/security.html", form=ActionForm())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@_throttle("SIGN_IN_RATE_LIMIT", _signed_in_account_key)
def change_password():
    """Change the password, which needs the current one; other devices are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            with transaction():
                credentials.change_password(
                    user,
                    form.current_password.data,
                    form.new_password.data,
                    reset_url=_external("accounts.request_password_reset"),
                )
        except DomainError as error:
            attach_error(form, error)
        else:
            _sign_in_again(user, password_typed=True)
            flash(_("Your password is changed. Your other devices are signed out."), "success")
            return redirect(url_for("accounts.security"))
    status = 422 if form.errors else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every other session and remember-me cookie; this browser stays signed in."""
    if ActionForm().validate_on_submit():
        user = current_user._get_current_object()
        with transaction():
            end_all_sessions(user)
        _sign_in_again(user, password_typed=False)
        flash(_("You are signed out on every other device."), "success")
    return redirect(url_for("accounts.security"))


@bp.route("/account/email", methods=["GET", "POST"])
@fresh_sign_in_required
def change_email():
    """Ask to move the account to another address; a link sent there confirms it."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            with transaction():
                credentials.start_email_change(
                    current_user._get_current_object(),
                    form.email.data,
                    link=_token_link("accounts.confirm_email_change"),
                )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _(
                    "We sent a link to the new address. Follow it, while signed in, "
                    "to start using that address."
                ),
                "success",
            )
            return redirect(url_for("accounts.security"))
    status = 422 if form.errors else 200
    return render_template("accounts/change_email.html", form=form), status


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@login_required
def confirm_email_change(token: str):
    """Confirm the new address from the emailed link (a button: GET changes nothing)."""
    user = current_user._get_current_object()
    owner_id = credentials.email_change_account(token)
    if owner_id is not None and owner_id != user.id:
        abort(403)  # someone else's link: the token is theirs, not this account's
    new_email = credentials.read_email_change(user, token)
    if new_email is None:
        return render_template("accounts/confirm_email.html", new_email=None), 404
    if ActionForm().validate_on_submit():
        try:
            with transaction():
                credentials.confirm_email_change(
                    user, token, reset_url=_external("accounts.request_password_reset")
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            _sign_in_again(user, password_typed=False)
            flash(_("Your email address is changed."), "success")
        return redirect(url_for("accounts.security"))
    return render_template("accounts/confirm_email.html", new_email=new_email)


# --- Password reset -----------------------------------------------------------------------


@bp.route("/password-reset", methods=["GET", "POST"])
@_throttle("PASSWORD_RESET_RATE_LIMIT", _typed_account_key)
def request_password_reset():
    """Ask for a reset link; the answer is the same whether the address has an account."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        with transaction():
            credentials.request_password_reset(
                form.email.data, link=_token_link("accounts.reset_password")
            )
        return redirect(url_for("accounts.password_reset_sent"))
    status = 422 if form.errors else 200
    return render_template("accounts/password_reset_request.html", form=form), status


@bp.get("/password-reset/sent")
def password_reset_sent():
    """Say a link is on its way if the address has an account (without saying whether)."""
    minutes = max(1, round(current_app.config["PASSWORD_RESET_MAX_AGE"] / 60))
    return render_template("accounts/password_reset_sent.html", minutes=minutes)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@limiter.limit(_config_limit("PASSWORD_RESET_RATE_LIMIT"), key_func=_ip_key, methods=["POST"])
def reset_password(token: str):
    """Choose a new password through an emailed link; it works once, then every session ends."""
    if credentials.user_for_reset_token(token) is None:
        return render_template("accounts/password_reset_invalid.html"), 404
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            with transaction():
                credentials.reset_password(
                    token,
                    form.password.data,
                    reset_url=_external("accounts.request_password_reset"),
                )
        except DomainError as error:
            attach_error(form, error)
        else:
            logout_user()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.sign_in"))
    status = 422 if form.errors else 200
    return render_template("accounts/password_reset.html", form=form), status


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
    if user.deleted_at is not None:
        abort(404)  # a deleted account has no profile: nothing may gather its ideas together
    query = ranked_ideas("new", IdeaFilters()).where(Idea.author_id == user.id)
    page = db.paginate(query, per_page=20, error_out=False)
    return render_template("accounts/user.html", user=user, page=page)
