"""The one way an idea changes stage: move_stage checks the table, records, audits, notifies."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from ideas.accounts.models import User
from ideas.audit.services import record
from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.services import author_and_followers, notify
from ideas.timeutil import utcnow
from ideas.workflow.models import Assessment, StageChange
from ideas.workflow.pilots import PilotPlan, PilotResult, conclude_pilot, start_pilot
from ideas.workflow.stages import Stage
from ideas.workflow.transitions import (
    RATIONALE_MAX,
    RATIONALE_MIN,
    Requirement,
    transition_for,
)


def check_rationale(rationale: str) -> str:
    """A rationale everyone can read: at least 20 characters once trimmed."""
    text = (rationale or "").strip()
    if len(text) < RATIONALE_MIN:
        raise DomainError(
            _l("Explain the decision in at least %(count)d characters.", count=RATIONALE_MIN),
            field="rationale",
        )
    if len(text) > RATIONALE_MAX:
        raise DomainError(
            _l("The rationale can have at most %(count)d characters.", count=RATIONALE_MAX),
            field="rationale",
        )
    return text


def has_assessment(idea: Idea) -> bool:
    """True if at least one scorecard was filled in for the idea."""
    return db.session.scalar(select(exists().where(Assessment.idea_id == idea.id)))


def _meet_requirements(
    idea: Idea,
    to: Stage,
    actor: User,
    requires: frozenset[Requirement],
    pilot: PilotPlan | None,
    outcome: PilotResult | None,
    merge_target: Idea | None,
) -> dict:
    """Check what the move needs besides a rationale; record the pilot plan or outcome.

    Every check that can fail runs before anything is written. Returns what the audit
    entry should also say (the pilot started or concluded).
    """
    if Requirement.HELD_FROM in requires and to != idea.held_from:
        raise DomainError(
            _l("An idea on hold goes back to the stage it left (%(stage)s).",
               stage=idea.held_from.label if idea.held_from else "—"),
            field="to_stage",
        )  # fmt: skip
    if Requirement.ASSESSMENT in requires and not has_assessment(idea):
        raise DomainError(_l("Assess the idea at least once before marking it assessed."))
    if Requirement.MERGE_TARGET in requires and merge_target is None:
        raise DomainError(_l("Choose the idea this one duplicates."), field="target")
    details: dict = {}
    if Requirement.PILOT_PLAN in requires:
        started = start_pilot(idea, pilot, actor)
        details["pilot"] = {
            "hypothesis": started.hypothesis,
            "success_measure": started.success_measure,
            "lead_department_id": started.lead_department.id,
            "starts_on": started.starts_on.isoformat(),
            "ends_on": started.ends_on.isoformat(),
        }
    if Requirement.PILOT_OUTCOME in requires:
        concluded = conclude_pilot(idea, outcome)
        details["pilot_outcome"] = concluded.outcome.value
        details["pilot_findings"] = concluded.findings
    return details


def move_stage(
    idea: Idea,
    to: Stage,
    actor: User,
    rationale: str,
    *,
    pilot: PilotPlan | None = None,
    outcome: PilotResult | None = None,
    merge_target: Idea | None = None,
) -> StageChange:
    """Move an idea to another stage if the transition table allows it, or change nothing.

    Writes the history row, updates the idea, writes the audit entry and notifies the
    author and followers, all in the caller's transaction.
    """
    from_stage = idea.stage
    transition = transition_for(from_stage, to)
    if transition is None:
        raise DomainError(
            _l(
                "An idea cannot move from %(from)s to %(to)s.",
                **{"from": from_stage.label, "to": to.label},
            ),
            field="to_stage",
        )
    if actor.role not in transition.roles:
        raise PermissionDenied(
            _l("Only secretariat staff and administrators move ideas between stages.")
        )
    text = check_rationale(rationale)
    pilot_details = _meet_requirements(
        idea, to, actor, transition.requires, pilot, outcome, merge_target
    )

    now = utcnow()
    change = StageChange(
        idea_id=idea.id,
        from_stage=from_stage,
        to_stage=to,
        actor_id=actor.id,
        rationale=text,
        created_at=now,
    )
    db.session.add(change)
    idea.held_from = from_stage if to is Stage.ON_HOLD else None
    idea.stage = to
    idea.stage_changed_at = now
    if Requirement.MERGE_TARGET in transition.requires:
        # Only a move to merged links the duplicate; a stray target on another move is ignored.
        idea.merged_into_id = merge_target.id
    record(
        actor,
        "idea.move_stage",
        idea_id=idea.id,
        from_stage=from_stage,
        to_stage=to,
        rationale=text,
        **pilot_details,
    )
    if to is not Stage.MERGED:
        # A merge tells the same people with its own, more useful notice (with the target).
        notify(
            author_and_followers(idea),
            "stage_moved",
            idea=idea,
            actor=actor,
            from_stage=from_stage.value,
            to_stage=to.value,
        )
    db.session.flush()
    return change
