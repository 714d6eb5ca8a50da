"""Workflow pages: implementation progress, one idea at a time or from a CSV file.

The pilot itself is recorded by the stage move (see views/stages.py); the idea page shows
it through the panels registered in ideas/workflow/pilots.py and progress.py.
"""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import Form
from ideas.web import attach_error, transaction
from ideas.workflow.permissions import can_record_progress, is_staff
from ideas.workflow.progress import (
    IMPORT_MAX_ROWS,
    MILESTONE_MAX,
    accepts_progress,
    export_progress_csv,
    import_progress_csv,
    milestones_of,
    read_upload,
    record_progress,
)
from ideas.workflow.views import bp

PERCENT_MESSAGE = _l("Progress is a whole number from 0 to 100.")


class ProgressForm(Form):
    """An idea's progress, with an optional milestone and its date."""

    progress = IntegerField(
        _l("Progress (percent)"),
        validators=[InputRequired(PERCENT_MESSAGE), NumberRange(0, 100, PERCENT_MESSAGE)],
        description=_l("A whole number from 0 to 100."),
    )
    milestone = StringField(
        _l("Milestone (optional)"),
        validators=[
            Optional(),
            Length(
                max=MILESTONE_MAX,
                message=_l(
                    "Describe the milestone in at most %(count)d characters.", count=MILESTONE_MAX
                ),
            ),
        ],
        description=_l("What was done, in one sentence. It is shown to every member."),
    )
    happened_on = DateField(
        _l("Date of the milestone"),
        validators=[Optional()],
        description=_l("Leave empty for today."),
    )


class ProgressImportForm(Form):
    """A CSV file of progress updates."""

    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file to upload.")),
            FileAllowed(["csv"], _l("Upload a file whose name ends in .csv.")),
        ],
        description=_l(
            "At most 1 MB and %(count)d rows, saved as CSV UTF-8.", count=IMPORT_MAX_ROWS
        ),
        render_kw={"accept": ".csv,text/csv"},
    )


@bp.route("/ideas/<int:idea_id>/progress", methods=["GET", "POST"])
@login_required
def update_progress(idea_id: int):
    """Secretariat staff record an idea's progress and, optionally, a dated milestone."""
    idea = db.get_or_404(Idea, idea_id)
    if not can_record_progress(current_user, idea):
        abort(403)
    form = ProgressForm(progress=idea.progress)
    if form.validate_on_submit():
        try:
            with transaction():
                record_progress(
                    idea, current_user, form.progress.data, form.milestone.data,
                    form.happened_on.data,
                )  # fmt: skip
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The progress is recorded."), "success")
            return redirect(url_for("board.show_idea", idea_id=idea.id, _anchor="progress"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "workflow/progress.html",
        form=form,
        idea=idea,
        progress_open=accepts_progress(idea),
        milestones=milestones_of(idea),
    ), status


@bp.route("/progress/import", methods=["GET", "POST"])
@login_required
def import_progress():
    """Secretariat staff update many ideas at once from a CSV file, all rows or none."""
    if not is_staff(current_user):
        abort(403)
    form = ProgressImportForm()
    report = None
    if form.validate_on_submit():
        try:
            text = read_upload(form.file.data.read())
            with transaction():
                report = import_progress_csv(text, current_user)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
    failed = form.errors or form.form_errors or (report is not None and not report.ok)
    return render_template(
        "workflow/progress_import.html",
        form=form,
        report=report,
        milestone_max=MILESTONE_MAX,
        max_rows=IMPORT_MAX_ROWS,
    ), 422 if failed else 200


@bp.get("/progress/export.csv")
@login_required
def export_progress():
    """The progress of every piloted and implemented idea, as a CSV file to edit and import."""
    if not is_staff(current_user):
        abort(403)
    return Response(
        export_progress_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="progress.csv"'},
    )
