"""Workflow pages: merging a duplicate into another idea, and the idea page's merge panel."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import HiddenField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from ideas.accounts.models import User
from ideas.board.idea_page import idea_panel
from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import Form
from ideas.web import attach_error, transaction
from ideas.workflow.merges import check_merge, merge_ideas, merged_duplicates
from ideas.workflow.permissions import can_merge
from ideas.workflow.stages import Stage
from ideas.workflow.transitions import transition_for
from ideas.workflow.views import bp


class MergeForm(Form):
    """Pick the target by its number and explain; a second step confirms the target's title."""

    target = IntegerField(
        _l("Number of the idea this one duplicates"),
        validators=[
            DataRequired(_l("Enter the number of the idea to merge into.")),
            NumberRange(min=1, message=_l("Enter the number of the idea to merge into.")),
        ],
        description=_l("The number is in the idea's address: /ideas/<number>."),
    )
    rationale = TextAreaField(
        _l("Why is this a duplicate?"),
        validators=[DataRequired(_l("Explain the decision in at least 20 characters."))],
        description=_l("At least 20 characters; every member can read it in the history."),
    )
    # The target the staff member saw and confirmed; merging needs it to match `target`.
    confirmed = IntegerField(validators=[Optional()], widget=HiddenField.widget)
    check = SubmitField(_l("Check the target"))
    merge = SubmitField(_l("Merge"))


@bp.route("/ideas/<int:idea_id>/merge", methods=["GET", "POST"])
@login_required
def merge_idea(idea_id: int):
    """Staff merge a duplicate: check the target first, then confirm to merge."""
    duplicate = db.get_or_404(Idea, idea_id)
    if not can_merge(current_user, duplicate):
        abort(403)
    form, target, confirming = MergeForm(), None, False
    if request.method == "GET":
        # "Possible duplicates" links here with the target already chosen.
        form.target.data = request.args.get("target", type=int)
    if form.validate_on_submit():
        target = db.session.get(Idea, form.target.data)
        try:
            if target is None:
                raise DomainError(
                    _("No idea has the number %(id)d.", id=form.target.data), field="target"
                )
            check_merge(duplicate, target, current_user, form.rationale.data)
            # Merge only what the staff member saw: a changed number asks again.
            confirming = not (form.merge.data and form.confirmed.data == target.id)
            if not confirming:
                with transaction():
                    result = merge_ideas(duplicate, target, current_user, form.rationale.data)
                flash(_merged_message(duplicate, result.votes_moved), "success")
                return redirect(url_for("board.show_idea", idea_id=target.id))
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "workflow/merge.html", form=form, idea=duplicate, target=target, confirming=confirming
    ), status


def _merged_message(duplicate: Idea, votes_moved: int) -> str:
    return ngettext(
        "Idea #%(id)d was merged into this one; %(num)d vote moved here.",
        "Idea #%(id)d was merged into this one; %(num)d votes moved here.",
        votes_moved,
        id=duplicate.id,
    )


@idea_panel
def merge_panel(idea: Idea, viewer: User) -> dict:
    """The duplicates merged into this idea, and whether the viewer may merge it elsewhere."""
    mergeable = transition_for(idea.stage, Stage.MERGED) is not None
    return {
        "merged_duplicates": merged_duplicates(idea),
        "may_merge": mergeable and can_merge(viewer, idea),
    }
