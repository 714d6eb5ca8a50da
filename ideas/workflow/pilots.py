"""Pilots: the plan recorded when an idea moves to piloted, and the outcome that ends it."""

import enum
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ideas.accounts.models import Department, User
from ideas.board.idea_page import idea_has, idea_panel, idea_probe
from ideas.board.models import Idea
from ideas.domain import DomainError
from ideas.extensions import db
from ideas.timeutil import utcnow
from ideas.workflow.models import Pilot, PilotOutcome

TEXT_MAX = 5_000

OUTCOME_LABELS = {
    PilotOutcome.SUCCEEDED: _l("Succeeded"),
    PilotOutcome.FAILED: _l("Failed"),
    PilotOutcome.INCONCLUSIVE: _l("Inconclusive"),
}


class PilotState(enum.StrEnum):
    """Where a pilot stands, as the idea page describes it."""

    PLANNED = "planned"  # its start date is still ahead
    RUNNING = "running"
    OVERDUE = "overdue"  # past its planned end with no outcome recorded yet
    CONCLUDED = "concluded"


PILOT_STATE_LABELS = {
    PilotState.PLANNED: _l("Planned"),
    PilotState.RUNNING: _l("Running"),
    PilotState.OVERDUE: _l("Past its planned end, outcome not recorded yet"),
    PilotState.CONCLUDED: _l("Concluded"),
}


@dataclass(frozen=True)
class PilotPlan:
    """What a pilot sets out to learn, how success is measured, who leads it, and when."""

    hypothesis: str
    success_measure: str
    lead_department: Department | None
    starts_on: date | None
    ends_on: date | None


@dataclass(frozen=True)
class PilotResult:
    """How a pilot ended and what it found."""

    outcome: PilotOutcome | None
    findings: str


def _required_text(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    if len(value) > TEXT_MAX:
        raise DomainError(_l("Use at most %(count)d characters.", count=TEXT_MAX), field=field)
    return value


def start_pilot(idea: Idea, plan: PilotPlan | None, actor: User) -> Pilot:
    """Record the pilot an idea enters `piloted` with, after checking the plan is complete."""
    if plan is None:
        raise DomainError(_l("Describe the pilot before moving the idea to piloted."))
    hypothesis = _required_text(plan.hypothesis, "hypothesis", _l("State the pilot's hypothesis."))
    measure = _required_text(
        plan.success_measure, "success_measure", _l("Say how success will be measured.")
    )
    if plan.lead_department is None:
        raise DomainError(_l("Choose the department leading the pilot."), field="lead_department")
    if plan.starts_on is None:
        raise DomainError(_l("Give the pilot's start date."), field="starts_on")
    if plan.ends_on is None or plan.ends_on < plan.starts_on:
        raise DomainError(_l("The planned end is on or after the start."), field="ends_on")
    pilot = Pilot(
        idea_id=idea.id,
        hypothesis=hypothesis,
        success_measure=measure,
        lead_department=plan.lead_department,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        created_by_id=actor.id,
    )
    db.session.add(pilot)
    return pilot


def current_pilot(idea: Idea) -> Pilot | None:
    """The idea's most recent pilot, if it has one."""
    if not idea_has(idea, "pilot"):
        return None
    return db.session.scalar(
        select(Pilot).where(Pilot.idea_id == idea.id).order_by(Pilot.id.desc()).limit(1)
    )


def conclude_pilot(idea: Idea, result: PilotResult | None) -> Pilot:
    """Record the running pilot's outcome and findings (needed to leave `piloted`)."""
    pilot = current_pilot(idea)
    if pilot is None or pilot.outcome is not None:
        raise DomainError(_l("This idea has no running pilot to conclude."))
    if result is None or result.outcome is None:
        raise DomainError(_l("Give the pilot's outcome."), field="outcome")
    findings = _required_text(result.findings, "findings", _l("Summarise what the pilot found."))
    pilot.outcome = result.outcome
    pilot.findings = findings
    pilot.concluded_at = utcnow()
    return pilot


def outcome_label(outcome: PilotOutcome | None) -> str | None:
    """The outcome's name in the active language (None while the pilot runs)."""
    return str(OUTCOME_LABELS[outcome]) if outcome is not None else None


def pilot_state(pilot: Pilot, today: date | None = None) -> PilotState:
    """Whether the pilot is planned, running, past its planned end, or concluded."""
    today = today or utcnow().date()
    if pilot.outcome is not None:
        return PilotState.CONCLUDED
    if today < pilot.starts_on:
        return PilotState.PLANNED
    if today > pilot.ends_on:
        return PilotState.OVERDUE
    return PilotState.RUNNING


idea_probe("pilot", lambda idea_id: select(Pilot.id).where(Pilot.idea_id == idea_id).exists())


@idea_panel
def pilot_panel(idea: Idea, viewer: User) -> dict:
    """The idea page's pilot section: the current pilot, its state and outcome, in words."""
    pilot = current_pilot(idea)
    if pilot is None:
        return {"pilot": None, "pilot_state": None, "pilot_outcome": None}
    state = pilot_state(pilot)
    return {
        "pilot": pilot,
        "pilot_state": str(PILOT_STATE_LABELS[state]),
        "pilot_outcome": outcome_label(pilot.outcome),
    }
