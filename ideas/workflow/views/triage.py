"""Workflow pages: the secretariat's triage queue and its bulk actions."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ideas.accounts.models import User
from ideas.board.services import filter_choices
from ideas.board.views import parse_filters
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import NONE_CHOICE, Form, OptionalIdSelectField, options
from ideas.postgres import plan_afresh
from ideas.timeutil import utcnow
from ideas.web import attach_error, transaction
from ideas.workflow.permissions import can_triage
from ideas.workflow.services import check_rationale
from ideas.workflow.stages import Stage
from ideas.workflow.transitions import RATIONALE_MIN
from ideas.workflow.triage import (
    BULK_TARGETS,
    Bucket,
    MoveResult,
    assign_reviewer,
    bucket_counts,
    bucket_query,
    bulk_move,
    ideas_by_ids,
    response_due_at,
    reviewer_candidates,
)
from ideas.workflow.views import bp

ACTIONS = ("assign", "move")


class BulkTriageForm(Form):
    """Assign a reviewer to, or move, the ideas ticked in the triage list."""

    ideas = SelectMultipleField(_l("Selected ideas"), coerce=int, validate_choice=False)
    # Set by the button pressed: "assign" or "move".
    action = StringField(_l("Action"))
    reviewer = OptionalIdSelectField(_l("Reviewer"), default=NONE_CHOICE)
    to_stage = SelectField(_l("Move to stage"), default="")
    rationale = TextAreaField(
        _l("Rationale"),
        description=_l(
            "At least %(count)d characters; shown on each idea's timeline.", count=RATIONALE_MIN
        ),
    )

    def validate(self, extra_validators=None) -> bool:
        """Field checks, plus an action the form knows."""
        valid = super().validate(extra_validators)
        if self.action.data not in ACTIONS:
            self.form_errors.append(_l("Choose an action: assign a reviewer or move the ideas."))
            return False
        return valid

    def validate_ideas(self, field):
        """At least one idea is ticked."""
        if not field.data:
            raise ValidationError(_l("Select at least one idea."))

    def validate_reviewer(self, field):
        """Assigning needs a reviewer."""
        if self.action.data == "assign" and not field.data:
            raise ValidationError(_l("Choose a reviewer."))

    def validate_to_stage(self, field):
        """Moving needs a stage."""
        if self.action.data == "move" and not field.data:
            raise ValidationError(_l("Choose the stage to move the ideas to."))

    def validate_rationale(self, field):
        """Moving needs a rationale long enough to explain the decision."""
        if self.action.data == "move":
            try:
                check_rationale(field.data)
            except DomainError as error:
                raise ValidationError(error.message) from error


def _bulk_form() -> BulkTriageForm:
    form = BulkTriageForm()
    staff = [(user.id, user.display_name) for user in reviewer_candidates()]
    form.reviewer.choices = options([(NONE_CHOICE, _("Choose a reviewer")), *staff])
    form.to_stage.choices = [("", _("Choose a stage"))] + [(s.value, s.label) for s in BULK_TARGETS]
    return form


def _bucket() -> Bucket:
    value = request.args.get("bucket", "")
    return Bucket(value) if value in Bucket._value2member_map_ else Bucket.NEW


def triage_url(**changes) -> str:
    """The triage page with the current bucket, filters and page, some replaced (None drops)."""
    args = request.args.to_dict()
    args.update(changes)
    return url_for("workflow.triage", **{k: v for k, v in args.items() if v is not None})


def _render_triage(form: BulkTriageForm, status: int = 200):
    # Its counts compare times with the moment of the request: plans made for the values
    # beat PostgreSQL's reused generic ones here (ideas/postgres.py).
    plan_afresh(db.session)
    bucket, filters, now = _bucket(), parse_filters(request.args), utcnow()
    counts = bucket_counts(filters, now)
    # The bucket's count is the page's total, not counted a second time for the pagination
    # (a filtered backlog of thousands of proposed ideas is counted, not read from the tally).
    page = db.paginate(
        bucket_query(bucket, filters, now),
        per_page=current_app.config["IDEAS_PER_PAGE"],
        error_out=False,
        count=False,
    )
    page.total = counts[bucket]
    return render_template(
        "workflow/triage.html",
        bucket=bucket,
        buckets=list(Bucket),
        counts=counts,
        page=page,
        filters=filters,
        form=form,
        selected=set(form.ideas.data or []),
        filter_choices=filter_choices(include_merged=False),
        triage_url=triage_url,
        response_due_at=response_due_at,
    ), status


@bp.get("/triage")
@login_required
def triage():
    """The three lists of ideas needing action, with their counts and filters."""
    if not can_triage(current_user):
        abort(403)
    return _render_triage(_bulk_form())


def _move_summary(results: list[MoveResult], to: Stage) -> tuple[str, str]:
    moved = sum(result.moved for result in results)
    refused = [result for result in results if not result.moved]
    if not refused:
        message = ngettext(
            "%(num)d idea moved to %(stage)s.", "%(num)d ideas moved to %(stage)s.", moved,
            stage=to.label,
        )  # fmt: skip
        return message, "success"
    reasons = "; ".join(
        _("“%(title)s”: %(reason)s", title=result.idea.title, reason=result.message)
        for result in refused
    )
    message = _(
        "%(moved)d moved, %(refused)d refused: %(reasons)s",
        moved=moved,
        refused=len(refused),
        reasons=reasons,
    )
    return message, "error"


@bp.post("/triage/bulk")
@login_required
def bulk_triage():
    """Apply one action to the ticked ideas, then go back to the same list."""
    if not can_triage(current_user):
        abort(403)
    form = _bulk_form()
    if form.validate_on_submit():
        ideas = ideas_by_ids(form.ideas.data)
        try:
            with transaction():
                if form.action.data == "assign":
                    reviewer = db.session.get(User, form.reviewer.data)
                    changed = assign_reviewer(ideas, reviewer, current_user)
                    message, category = _assign_summary(len(changed), reviewer), "success"
                else:
                    to = Stage(form.to_stage.data)
                    results = bulk_move(ideas, to, current_user, form.rationale.data)
                    message, category = _move_summary(results, to)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(message, category)
            return redirect(triage_url())
    return _render_triage(form, 422)


def _assign_summary(count: int, reviewer: User) -> str:
    return ngettext(
        "%(name)s is now the reviewer of %(num)d idea.",
        "%(name)s is now the reviewer of %(num)d ideas.",
        count,
        name=reviewer.display_name,
    )
