"""Home page and language switcher."""

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user

from ideas.accounts.forms import LanguageForm
from ideas.accounts.services import set_locale
from ideas.board.services import hot_this_week, my_votes, newest_ideas
from ideas.groups.services import groups_of
from ideas.web import safe_next, transaction

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Show this week's hot ideas, the newest ideas and my groups; a welcome for visitors."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    hot = hot_this_week()
    newest = newest_ideas()
    return render_template(
        "main/home.html",
        hot=hot,
        newest=newest,
        my_groups=groups_of(current_user),
        votes=my_votes(current_user, hot + newest),
    )


@bp.post("/language")
def set_language():
    """Switch language, remember it (on the profile when signed in), stay on the same page."""
    form = LanguageForm()
    if form.validate_on_submit() and form.locale.data in current_app.config["LANGUAGES"]:
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            with transaction():
                set_locale(current_user, form.locale.data)
    return redirect(safe_next(url_for("main.home")))
