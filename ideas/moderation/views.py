"""Moderation pages: report an idea or a comment; the moderators' queue and decisions."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ideas.board.models import Comment, Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.moderation.forms import DecisionForm, FlagForm
from ideas.moderation.permissions import can_flag, can_moderate
from ideas.moderation.services import (
    dismiss_flags,
    flag_content,
    flags_on,
    hidden_content,
    hide_content,
    moderation_queue,
    open_flag_count,
    open_flag_of,
    open_item_count,
    unhide_content,
)
from ideas.moderation.voting_report import PERIODS, suspicious_voting
from ideas.web import attach_error, transaction
from ideas.workflow.permissions import is_staff

bp = Blueprint("moderation", __name__)
bp.add_app_template_global(can_flag, "can_flag")
bp.add_app_template_global(can_moderate, "can_moderate")

QUEUE_PAGE_SIZE = 50


def _idea_page(idea: Idea, comment: Comment | None) -> str:
    if comment is None:
        return url_for("board.show_idea", idea_id=idea.id)
    # ?comment= opens the page of a long discussion that holds the comment.
    return url_for("board.show_idea", idea_id=idea.id, comment=comment.id, _anchor=f"c{comment.id}")


def _flag(idea: Idea, comment: Comment | None):
    """Shared by both report pages: show the form, file the report, map errors back."""
    if not can_flag(current_user, idea, comment):
        abort(403)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            with transaction():
                flag_content(current_user, idea, comment, reason=form.reason.data)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Thank you. Moderators will review your report."), "success")
            return redirect(_idea_page(idea, comment))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "moderation/flag.html",
        form=form,
        idea=idea,
        comment=comment,
        already=open_flag_of(current_user, idea, comment) if status == 200 else None,
    ), status


@bp.route("/ideas/<int:idea_id>/flag", methods=["GET", "POST"])
@login_required
def flag_idea(idea_id: int):
    """Report an idea to the moderators."""
    return _flag(db.get_or_404(Idea, idea_id), None)


@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@login_required
def flag_comment(comment_id: int):
    """Report a comment to the moderators."""
    comment = db.get_or_404(Comment, comment_id)
    return _flag(comment.idea, comment)


@bp.get("/moderation")
@login_required
def queue():
    """Open reports grouped by item, the most recently reported first; then hidden content."""
    if not can_moderate(current_user):
        abort(403)
    page = max(request.args.get("page", 1, type=int), 1)
    items = moderation_queue(QUEUE_PAGE_SIZE + 1, (page - 1) * QUEUE_PAGE_SIZE)
    hidden_ideas, hidden_comments = hidden_content()
    return render_template(
        "moderation/queue.html",
        items=items[:QUEUE_PAGE_SIZE],
        page=page,
        has_next=len(items) > QUEUE_PAGE_SIZE,
        total=open_item_count(),
        hidden_ideas=hidden_ideas,
        hidden_comments=hidden_comments,
    )


_DECISIONS = {"hide": hide_content, "dismiss": dismiss_flags, "unhide": unhide_content}


def _review(idea: Idea, comment: Comment | None):
    """Shared by both review pages: the item, its reports, and the decision form."""
    if not can_moderate(current_user):
        abort(403)
    form = DecisionForm()
    if form.validate_on_submit():
        action = next((name for name in _DECISIONS if form[name].data), None)
        if action is None:
            abort(400)
        try:
            with transaction():
                _DECISIONS[action](current_user, idea, comment, reason=form.reason.data)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_decision_message(action), "success")
            return redirect(url_for("moderation.queue"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "moderation/review.html",
        form=form,
        idea=idea,
        comment=comment,
        item=comment if comment is not None else idea,
        flags=flags_on(idea, comment),
        open_count=open_flag_count(idea, comment),
    ), status


def _decision_message(action: str) -> str:
    if action == "hide":
        return _("The content is hidden and its reports are upheld.")
    if action == "dismiss":
        return _("The reports are dismissed.")
    return _("The content is visible to members again.")


@bp.route("/moderation/ideas/<int:idea_id>", methods=["GET", "POST"])
@login_required
def review_idea(idea_id: int):
    """Review the reports on an idea and decide."""
    return _review(db.get_or_404(Idea, idea_id), None)


@bp.route("/moderation/comments/<int:comment_id>", methods=["GET", "POST"])
@login_required
def review_comment(comment_id: int):
    """Review the reports on a comment and decide."""
    comment = db.get_or_404(Comment, comment_id)
    return _review(comment.idea, comment)


@bp.get("/moderation/voting")
@login_required
def suspicious_votes():
    """Read-only report of voting bursts (new accounts, one department, one account)."""
    if not is_staff(current_user):
        abort(403)
    days = request.args.get("days", PERIODS[0], type=int)
    if days not in PERIODS:
        days = PERIODS[0]
    return render_template(
        "moderation/suspicious_votes.html", report=suspicious_voting(days), periods=PERIODS
    )
