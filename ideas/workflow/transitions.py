"""The stage workflow as data: which moves exist, who may make them, and what each needs."""

import enum
from dataclasses import dataclass

from ideas.accounts.models import Role
from ideas.workflow.stages import Stage

STAFF = frozenset({Role.SECRETARIAT, Role.ADMIN})


class Requirement(enum.StrEnum):
    """Something a move needs besides the rationale."""

    ASSESSMENT = "assessment"  # at least one assessment scorecard
    PILOT_PLAN = "pilot_plan"  # hypothesis, success measure, lead department, dates
    PILOT_OUTCOME = "pilot_outcome"  # the running pilot's outcome and findings
    MERGE_TARGET = "merge_target"  # the idea a duplicate merges into
    HELD_FROM = "held_from"  # leaving on_hold only goes back to the stage it left


@dataclass(frozen=True)
class Transition:
    """One allowed move: the roles that may make it and what it requires."""

    roles: frozenset[Role] = STAFF
    requires: frozenset[Requirement] = frozenset()


def _t(*requires: Requirement) -> Transition:
    return Transition(requires=frozenset(requires))


# Where the secretariat can send an idea from each stage. Side exits: declined and on
# hold from every open stage (declined ideas may be reopened for review), merged for
# duplicates that have not been piloted or implemented.
_OPEN = (Stage.PROPOSED, Stage.UNDER_REVIEW, Stage.ASSESSED, Stage.PILOTED)
ALLOWED_TRANSITIONS: dict[tuple[Stage, Stage], Transition] = {
    (Stage.PROPOSED, Stage.UNDER_REVIEW): _t(),
    (Stage.UNDER_REVIEW, Stage.ASSESSED): _t(Requirement.ASSESSMENT),
    (Stage.ASSESSED, Stage.PILOTED): _t(Requirement.PILOT_PLAN),
    # Simple ideas were implemented at once, without a pilot.
    (Stage.ASSESSED, Stage.IMPLEMENTED): _t(),
    (Stage.PILOTED, Stage.IMPLEMENTED): _t(Requirement.PILOT_OUTCOME),
    (Stage.PROPOSED, Stage.DECLINED): _t(),
    (Stage.UNDER_REVIEW, Stage.DECLINED): _t(),
    (Stage.ASSESSED, Stage.DECLINED): _t(),
    (Stage.PILOTED, Stage.DECLINED): _t(Requirement.PILOT_OUTCOME),
    (Stage.DECLINED, Stage.UNDER_REVIEW): _t(),
    **{(stage, Stage.ON_HOLD): _t() for stage in _OPEN},
    **{(Stage.ON_HOLD, stage): _t(Requirement.HELD_FROM) for stage in _OPEN},
    **{
        (stage, Stage.MERGED): _t(Requirement.MERGE_TARGET)
        for stage in (
            Stage.PROPOSED,
            Stage.UNDER_REVIEW,
            Stage.ASSESSED,
            Stage.ON_HOLD,
            Stage.DECLINED,
        )
    },
}

RATIONALE_MIN = 20
RATIONALE_MAX = 5_000


def transition_for(from_stage: Stage, to_stage: Stage) -> Transition | None:
    """The transition between two stages, or None if the table has no such move."""
    return ALLOWED_TRANSITIONS.get((from_stage, to_stage))


def next_stages(from_stage: Stage, role: Role, held_from: Stage | None = None) -> list[Stage]:
    """Stages a user of this role may move an idea to from `from_stage`, in stage order.

    Merging is left out: it has its own action, which picks the target.
    """
    options = []
    for stage in Stage:
        transition = transition_for(from_stage, stage)
        if transition is None or role not in transition.roles:
            continue
        if Requirement.MERGE_TARGET in transition.requires:
            continue
        if Requirement.HELD_FROM in transition.requires and stage != held_from:
            continue
        options.append(stage)
    return options
