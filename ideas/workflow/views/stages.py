"""Workflow pages: moving an idea to another stage (its own page, and a form on the idea page)."""

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import Optional, ValidationError

from ideas.accounts.models import Department, User
from ideas.accounts.services import list_departments
from ideas.board.idea_page import idea_panel
from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import NONE_CHOICE, Form, OptionalIdSelectField, options
from ideas.web import attach_error, transaction
from ideas.workflow.models import PilotOutcome
from ideas.workflow.permissions import can_move_stage
from ideas.workflow.pilots import OUTCOME_LABELS, PilotPlan, PilotResult
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from ideas.workflow.transitions import RATIONALE_MIN, Requirement, next_stages, transition_for
from ideas.workflow.views import bp


class PlainDateField(DateField):
    """A YYYY-MM-DD date that may be left empty, with our own message when it cannot be read."""

    def process_formdata(self, valuelist):
        """Empty means no date; anything unreadable is reported next to the field."""
        raw = " ".join(valuelist or []).strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(_l("Give the date as YYYY-MM-DD, for example 2025-09-30.")) from None


def _member_or_none(enum_cls):
    """A coercion for selects of enum values: the member, or None for "" and unknown values."""

    def coerce(value):
        if value is None or isinstance(value, enum_cls):
            return value
        return enum_cls._value2member_map_.get(str(value))

    return coerce


class StageForm(Form):
    """Move an idea: the new stage, the public rationale, and what some moves need."""

    to_stage = SelectField(_l("New stage"), coerce=_member_or_none(Stage), validate_choice=False)
    rationale = TextAreaField(
        _l("Rationale"),
        description=_l(
            "At least %(count)d characters. Every member can read it on the idea's history.",
            count=RATIONALE_MIN,
        ),
    )
    hypothesis = TextAreaField(_l("Hypothesis"), description=_l("What the pilot sets out to show."))
    success_measure = TextAreaField(
        _l("Success measure"), description=_l("How you will know the pilot worked.")
    )
    lead_department = OptionalIdSelectField(_l("Lead department"), default=NONE_CHOICE)
    starts_on = PlainDateField(_l("Start date"), validators=[Optional()])
    ends_on = PlainDateField(
        _l("Planned end date"),
        validators=[Optional()],
        description=_l("On or after the start date."),
    )
    outcome = SelectField(
        _l("Pilot outcome"), coerce=_member_or_none(PilotOutcome), validate_choice=False
    )
    findings = TextAreaField(_l("Findings"), description=_l("What the pilot found."))

    def validate_to_stage(self, field):
        """A stage must be chosen; whether the move is allowed is the service's call."""
        if field.data is None:
            raise ValidationError(_l("Choose the stage to move the idea to."))


def _stages_needing(idea: Idea, stages: list[Stage], requirement: Requirement) -> list[str]:
    """The names of the offered stages whose move needs this requirement."""
    return [
        stage.label
        for stage in stages
        if requirement in transition_for(idea.stage, stage).requires  # type: ignore[union-attr]
    ]


def stage_form(idea: Idea, viewer: User, bind: bool = True) -> StageForm:
    """The move form offering only the moves this viewer may make from the idea's stage."""
    form = StageForm() if bind else StageForm(formdata=None)
    stages = next_stages(idea.stage, viewer.role, idea.held_from)
    form.to_stage.choices = options(
        [("", _("Choose a stage")), *((s.value, s.label) for s in stages)]
    )
    form.pilot_stages = _stages_needing(idea, stages, Requirement.PILOT_PLAN)
    form.outcome_stages = _stages_needing(idea, stages, Requirement.PILOT_OUTCOME)
    departments = list_departments() if form.pilot_stages else []
    form.lead_department.choices = options(
        [
            (NONE_CHOICE, _("Choose a department")),
            *((d.id, d.name) for d in sorted(departments, key=lambda d: d.name.casefold())),
        ]
    )
    form.outcome.choices = options(
        [
            ("", _("Choose an outcome")),
            *((outcome.value, str(label)) for outcome, label in OUTCOME_LABELS.items()),
        ]
    )
    return form


def _pilot_plan(form: StageForm) -> PilotPlan:
    department = form.lead_department.data
    return PilotPlan(
        hypothesis=form.hypothesis.data or "",
        success_measure=form.success_measure.data or "",
        lead_department=db.session.get(Department, department) if department else None,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
    )


def _pilot_result(form: StageForm) -> PilotResult:
    return PilotResult(outcome=form.outcome.data, findings=form.findings.data or "")


@bp.route("/ideas/<int:idea_id>/stage", methods=["GET", "POST"], endpoint="move_stage")
@login_required
def move_stage_page(idea_id: int):
    """Move an idea to another stage with a rationale (and a pilot plan or outcome if needed)."""
    idea = db.get_or_404(Idea, idea_id)
    if not can_move_stage(current_user, idea):
        abort(403)
    form = stage_form(idea, current_user)
    if form.validate_on_submit():
        to = form.to_stage.data
        try:
            with transaction():
                move_stage(
                    idea,
                    to,
                    current_user,
                    form.rationale.data,
                    pilot=_pilot_plan(form),
                    outcome=_pilot_result(form),
                )
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The idea moved to %(stage)s.", stage=to.label), "success")
            return redirect(url_for("board.show_idea", idea_id=idea.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("workflow/stage_move.html", idea=idea, form=form), status


@idea_panel
def stage_panel(idea: Idea, viewer: User) -> dict:
    """The idea page's move form, for those who move stages; ids prefixed to stay unique."""
    if not can_move_stage(viewer, idea):
        return {"move_stage_form": None}
    form = stage_form(idea, viewer, bind=False)
    for control in form:
        control.id = f"move-{control.id}"
        control.label.field_id = control.id
    return {"move_stage_form": form}
