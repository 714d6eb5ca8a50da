"""Workflow pages: assessment scorecards and the experts assigned to assess an idea."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import EmailField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ideas.accounts.models import User
from ideas.board.idea_page import idea_panel
from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import ActionForm, Form, options
from ideas.web import attach_error, safe_next, transaction
from ideas.workflow.assessments import (
    CRITERION_LABELS,
    NOTE_MAX,
    RECOMMENDATION_LABELS,
    SCORE_MAX,
    SCORE_MIN,
    Scorecard,
    assess_idea,
    assessment_summary,
    assessments_of,
    is_assessable,
    my_assessment,
)
from ideas.workflow.experts import assign_expert_by_email, experts_of, remove_expert
from ideas.workflow.models import CRITERIA, Recommendation
from ideas.workflow.permissions import can_assess, can_assign_experts
from ideas.workflow.views import bp


def _int_or_none(value):
    """Scores arrive as text; anything that is not a whole number reads as "no score"."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _score_in_range(form, field):
    if field.data is None or not SCORE_MIN <= field.data <= SCORE_MAX:
        raise ValidationError(
            _l("Choose a score from %(low)d to %(high)d.", low=SCORE_MIN, high=SCORE_MAX)
        )


def _score(name: str) -> RadioField:
    return RadioField(
        CRITERION_LABELS[name],
        choices=options((n, str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)),
        coerce=_int_or_none,
        validate_choice=False,
        validators=[_score_in_range],
    )


def _note(name: str) -> TextAreaField:
    return TextAreaField(
        _l("%(criterion)s: note (optional)", criterion=CRITERION_LABELS[name]),
        validators=[
            # Length fills in %(max)d itself.
            Length(max=NOTE_MAX, message=_l("A note can have at most %(max)d characters."))
        ],
    )


class AssessmentForm(Form):
    """A scorecard: each criterion scored 1-5 with an optional note, and a recommendation."""

    relevance = _score("relevance")
    relevance_note = _note("relevance")
    support = _score("support")
    support_note = _note("support")
    impact = _score("impact")
    impact_note = _note("impact")
    results = _score("results")
    results_note = _note("results")
    feasibility = _score("feasibility")
    feasibility_note = _note("feasibility")
    recommendation = RadioField(
        _l("Recommendation"),
        choices=options((choice.value, label) for choice, label in RECOMMENDATION_LABELS.items()),
        validate_choice=False,
    )

    def validate_recommendation(self, field):
        """One of the four recommendations must be chosen."""
        if field.data not in Recommendation._value2member_map_:
            raise ValidationError(_l("Choose a recommendation."))


class ExpertForm(Form):
    """Name a member, by email address, as an expert on the idea."""

    email = EmailField(
        _l("Email address of the member"),
        validators=[DataRequired(_l("Give the member's email address."))],
        description=_l("They will be told, and may then assess the idea."),
        id="expert-email",
    )


def _scorecard(form: AssessmentForm) -> Scorecard:
    return Scorecard(
        scores={name: form[name].data for name in CRITERIA},
        notes={name: form[f"{name}_note"].data for name in CRITERIA},
        recommendation=Recommendation(form.recommendation.data),
    )


@bp.route("/ideas/<int:idea_id>/assess", methods=["GET", "POST"])
@login_required
def assess(idea_id: int):
    """Fill in, or update, the viewer's scorecard for the idea."""
    idea = db.get_or_404(Idea, idea_id)
    if not can_assess(current_user, idea):
        abort(403)
    mine = my_assessment(idea, current_user)
    form = AssessmentForm()
    if not form.is_submitted() and mine is not None:
        form.process(obj=mine)  # on a post, only what was sent counts
    if form.validate_on_submit():
        try:
            with transaction():
                assess_idea(idea, current_user, _scorecard(form))
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Your assessment is saved."), "success")
            return redirect(url_for("board.show_idea", idea_id=idea.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "workflow/assess.html",
        idea=idea,
        form=form,
        mine=mine,
        assessable=is_assessable(idea),
        scorecards=assessments_of(idea),
        criteria=CRITERIA,
        recommendation_labels=RECOMMENDATION_LABELS,
    ), status


@bp.route("/ideas/<int:idea_id>/experts", methods=["GET", "POST"])
@login_required
def manage_experts(idea_id: int):
    """The idea's experts; staff add one by email address here or from the idea page."""
    idea = db.get_or_404(Idea, idea_id)
    if not can_assign_experts(current_user, idea):
        abort(403)
    form = ExpertForm()
    if form.validate_on_submit():
        try:
            with transaction():
                assignment = assign_expert_by_email(idea, form.email.data, current_user)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            name = assignment.user.display_name
            flash(
                _("%(name)s is now an expert on this idea and has been told.", name=name), "success"
            )
            return redirect(safe_next(url_for("workflow.manage_experts", idea_id=idea.id)))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "workflow/assess_experts.html", idea=idea, form=form, experts=experts_of(idea)
    ), status


@bp.post("/ideas/<int:idea_id>/experts/<int:user_id>/remove")
@login_required
def withdraw_expert(idea_id: int, user_id: int):
    """Withdraw an expert assignment (their scorecard, if any, stays)."""
    idea = db.get_or_404(Idea, idea_id)
    user = db.get_or_404(User, user_id)
    if not can_assign_experts(current_user, idea):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            remove_expert(idea, user, current_user)
    except PermissionDenied:
        abort(403)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(name)s is no longer an expert on this idea.", name=user.display_name), "success")
    return redirect(safe_next(url_for("workflow.manage_experts", idea_id=idea.id)))


@idea_panel
def assessment_panel(idea: Idea, viewer: User) -> dict:
    """The idea page's assessment summary (for everyone), experts and the assessor's links."""
    experts = experts_of(idea)
    staff = can_assign_experts(viewer, idea)
    assessor = can_assess(viewer, idea)
    return {
        # The comment template shows an "Expert" badge next to these authors.
        "expert_ids": {assignment.user_id for assignment in experts},
        "assessment_summary": assessment_summary(idea),
        "assessment_criteria": [(name, CRITERION_LABELS[name]) for name in CRITERIA],
        "recommendation_labels": RECOMMENDATION_LABELS,
        "idea_experts": experts if staff else [],
        "expert_form": ExpertForm(formdata=None) if staff else None,
        "may_assess": assessor and is_assessable(idea),
        "my_assessment": my_assessment(idea, viewer) if assessor else None,
    }
