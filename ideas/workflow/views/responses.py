"""Workflow pages: posting an official response, and the responses panel of the idea page."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ideas.accounts.models import User
from ideas.board.idea_page import idea_panel
from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import Form
from ideas.web import attach_error, transaction
from ideas.workflow.permissions import can_respond
from ideas.workflow.responses import (
    RESPONSE_MAX,
    official_responses,
    post_official_response,
)
from ideas.workflow.views import bp


class ResponseForm(Form):
    """An official response, in Markdown."""

    body = TextAreaField(
        _l("Official response"),
        validators=[
            DataRequired(_l("Write the response first.")),
            Length(
                max=RESPONSE_MAX,
                message=_l("A response can have at most %(count)d characters.", count=RESPONSE_MAX),
            ),
        ],
        description=_l(
            "Markdown is supported. Shown to everyone above the comments, with your name and role."
        ),
    )


@idea_panel
def responses_panel(idea: Idea, viewer: User) -> dict:
    """The idea page's official responses, oldest first, and how to name each role."""
    return {"official_responses": official_responses(idea)}


@bp.route("/ideas/<int:idea_id>/respond", methods=["GET", "POST"])
@bp.post("/ideas/<int:idea_id>/responses")
@login_required
def respond(idea_id: int):
    """Post an official response; errors re-render the form with the text kept."""
    idea = db.get_or_404(Idea, idea_id)
    if not can_respond(current_user, idea):
        abort(403)
    form = ResponseForm()
    if form.validate_on_submit():
        try:
            with transaction():
                response = post_official_response(idea, current_user, form.body.data)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Your official response is published."), "success")
            return redirect(url_for("board.show_idea", idea_id=idea.id, _anchor=f"r{response.id}"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "workflow/respond.html", idea=idea, form=form, responder_role=current_user.role.label
    ), status
