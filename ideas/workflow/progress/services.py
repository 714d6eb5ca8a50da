"""Recording implementation progress: the percentage and dated milestones, one idea at a time."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ideas.accounts.models import User
from ideas.audit.services import record
from ideas.board.idea_page import idea_has, idea_panel, idea_probe
from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.services import author_and_followers, notify
from ideas.timeutil import utcnow
from ideas.workflow.models import Milestone
from ideas.workflow.permissions import can_record_progress
from ideas.workflow.stages import Stage

PROGRESS_STAGES = frozenset({Stage.PILOTED, Stage.IMPLEMENTED})
MILESTONE_MAX = 500


def accepts_progress(idea: Idea) -> bool:
    """Progress is recorded only while an idea is piloted or implemented."""
    return idea.stage in PROGRESS_STAGES


def today() -> date:
    """Today's date in UTC, the reference for "not in the future"."""
    return utcnow().date()


def check_progress(value) -> int:
    """A whole percentage from 0 to 100."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise DomainError(_l("Progress is a whole number from 0 to 100."), field="progress")
    return value


def clean_milestone(text: str | None) -> str | None:
    """The milestone as stored: plain text on one line, or None when there is none."""
    if text is not None and "\x00" in text:
        raise DomainError(_l("The milestone contains a character that is not text."), "milestone")
    cleaned = " ".join((text or "").split())
    if len(cleaned) > MILESTONE_MAX:
        raise DomainError(
            _l("Describe the milestone in at most %(count)d characters.", count=MILESTONE_MAX),
            field="milestone",
        )
    return cleaned or None


def check_milestone_date(happened_on: date | None) -> date:
    """The milestone's date: today when not given, and never in the future."""
    if happened_on is None:
        return today()
    # One day of slack: "today" is UTC, and staff east of Greenwich are already tomorrow.
    if happened_on > today() + timedelta(days=1):
        raise DomainError(
            _l("A milestone records something done: its date cannot be in the future."),
            field="happened_on",
        )
    return happened_on


def _check_stage(idea: Idea) -> None:
    if not accepts_progress(idea):
        raise DomainError(
            _l(
                "This idea is %(stage)s: progress is recorded only for piloted and "
                "implemented ideas.",
                stage=idea.stage.label,
            )
        )


def _milestone_exists(idea: Idea, text: str, happened_on: date) -> bool:
    found = db.session.scalar(
        select(Milestone.id).where(
            Milestone.idea_id == idea.id,
            Milestone.description == text,
            Milestone.happened_on == happened_on,
        )
    )
    return found is not None


@dataclass(frozen=True)
class ProgressChange:
    """One checked change to apply: the new percentage and an optional dated milestone."""

    idea: Idea
    progress: int
    text: str | None = None
    on: date | None = None
    details: dict = field(default_factory=dict)  # extra audit details (source, line...)


def apply_progress(changes: list[ProgressChange], actor: User) -> list[Milestone | None]:
    """Apply checked changes in order; each writes one audit entry. Returns the milestones."""
    steps = []
    for change in changes:
        previous = change.idea.progress
        change.idea.progress = change.progress
        milestone = None
        if change.text is not None:
            milestone = Milestone(
                idea_id=change.idea.id,
                description=change.text,
                happened_on=change.on,
                recorded_by_id=actor.id,
            )
            db.session.add(milestone)
        steps.append((change, previous, milestone))
    # One flush inserts every milestone in a batch and gives each the id its audit entry names.
    db.session.flush()
    for change, previous, milestone in steps:
        record(
            actor,
            "idea.progress",
            idea_id=change.idea.id,
            target_type="milestone" if milestone else None,
            target_id=milestone.id if milestone else None,
            previous=previous,
            progress=change.progress,
            milestone=change.text,
            happened_on=change.on,
            **change.details,
        )
    return [milestone for _, _, milestone in steps]


def record_progress(
    idea: Idea,
    actor: User,
    progress: int,
    milestone_text: str | None = None,
    happened_on: date | None = None,
) -> Milestone | None:
    """Set an idea's progress and optionally add a dated milestone; audits and notifies.

    Returns the new milestone, or None when only the percentage changed.
    """
    if not can_record_progress(actor, idea):
        raise PermissionDenied(_l("Only secretariat staff record implementation progress."))
    _check_stage(idea)
    progress = check_progress(progress)
    text = clean_milestone(milestone_text)
    if text is None and happened_on is not None:
        raise DomainError(_l("Describe the milestone this date belongs to."), field="milestone")
    on = check_milestone_date(happened_on) if text is not None else None
    if text is None and progress == idea.progress:
        raise DomainError(_l("Change the progress or describe a milestone."), field="progress")
    if text is not None and _milestone_exists(idea, text, on):
        raise DomainError(
            _l("This milestone is already recorded for this idea on that date."), "milestone"
        )
    previous = idea.progress
    [milestone] = apply_progress([ProgressChange(idea, progress, text, on)], actor)
    notify(
        author_and_followers(idea),
        "progress_updated",
        idea=idea,
        actor=actor,
        previous=previous,
        progress=progress,
        milestones=1 if milestone else 0,
    )
    db.session.flush()
    return milestone


idea_probe(
    "milestones", lambda idea_id: select(Milestone.id).where(Milestone.idea_id == idea_id).exists()
)


def milestones_of(idea: Idea) -> list[Milestone]:
    """The idea's milestones, newest first."""
    if not idea_has(idea, "milestones"):
        return []
    return list(
        db.session.scalars(
            select(Milestone)
            .where(Milestone.idea_id == idea.id)
            .order_by(Milestone.happened_on.desc(), Milestone.id.desc())
        )
    )


@idea_panel
def progress_panel(idea: Idea, viewer: User) -> dict:
    """The idea page's progress section: whether to show it, and the milestones."""
    milestones = milestones_of(idea)
    return {
        "milestones": milestones,
        "progress_open": accepts_progress(idea),
        "shows_progress": accepts_progress(idea) or bool(milestones) or idea.progress > 0,
    }
