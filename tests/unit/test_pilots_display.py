"""What the idea page shows of a pilot: the current one, its state, its outcome in words."""

from datetime import date, timedelta

import pytest

from ideas.accounts.models import Department, Role
from ideas.extensions import db
from ideas.workflow.models import PilotOutcome
from ideas.workflow.pilots import (
    OUTCOME_LABELS,
    PilotPlan,
    PilotResult,
    PilotState,
    current_pilot,
    outcome_label,
    pilot_panel,
    pilot_state,
)
from ideas.workflow.progress import today
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage

pytestmark = pytest.mark.usefixtures("ctx")

RATIONALE = "The assessment recommends a pilot in two offices first."


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.SECRETARIAT)


@pytest.fixture
def department(make_department):
    return db.session.get(Department, make_department("Employment and Social Development").id)


@pytest.fixture
def assessed(make_idea):
    idea = make_idea()
    idea.stage = Stage.ASSESSED
    db.session.commit()
    return idea


def _plan(department, starts_on=None, ends_on=None, hypothesis="Shared desks cut costs."):
    starts_on = starts_on or today() - timedelta(days=10)
    return PilotPlan(
        hypothesis=hypothesis,
        success_measure="Lease costs fall 10% in six months.",
        lead_department=department,
        starts_on=starts_on,
        ends_on=ends_on or starts_on + timedelta(days=90),
    )


def test_no_pilot_means_nothing_to_show(assessed, staff):
    assert pilot_panel(assessed, staff) == {
        "pilot": None,
        "pilot_state": None,
        "pilot_outcome": None,
    }


def test_a_running_pilot_is_shown_with_its_plan(assessed, staff, department):
    move_stage(assessed, Stage.PILOTED, staff, RATIONALE, pilot=_plan(department))
    db.session.commit()
    panel = pilot_panel(assessed, staff)
    pilot = panel["pilot"]
    assert pilot.hypothesis == "Shared desks cut costs."
    assert pilot.success_measure == "Lease costs fall 10% in six months."
    assert pilot.lead_department.name == "Employment and Social Development"
    assert pilot.ends_on - pilot.starts_on == timedelta(days=90)
    assert panel["pilot_state"] == "Running"
    assert panel["pilot_outcome"] is None


@pytest.mark.parametrize(
    ("outcome", "label"),
    [
        (PilotOutcome.SUCCEEDED, "Succeeded"),
        (PilotOutcome.FAILED, "Failed"),
        (PilotOutcome.INCONCLUSIVE, "Inconclusive"),
    ],
)
def test_a_concluded_pilot_shows_its_outcome_in_words(assessed, staff, department, outcome, label):
    move_stage(assessed, Stage.PILOTED, staff, RATIONALE, pilot=_plan(department))
    to = Stage.IMPLEMENTED if outcome is PilotOutcome.SUCCEEDED else Stage.DECLINED
    result = PilotResult(outcome=outcome, findings="Costs fell 12%; staff liked it.")
    move_stage(assessed, to, staff, "The pilot is over; here is what it showed.", outcome=result)
    db.session.commit()
    panel = pilot_panel(assessed, staff)
    assert panel["pilot"].findings == "Costs fell 12%; staff liked it."
    assert panel["pilot_outcome"] == label
    assert panel["pilot_state"] == "Concluded"


def test_every_outcome_has_a_label():
    assert set(OUTCOME_LABELS) == set(PilotOutcome)
    assert outcome_label(None) is None


@pytest.mark.parametrize(
    ("offset", "state"),
    [
        (-1, PilotState.PLANNED),  # the day before it starts
        (0, PilotState.RUNNING),  # its first day
        (30, PilotState.RUNNING),  # its planned last day
        (31, PilotState.OVERDUE),  # past the planned end, no outcome yet
    ],
)
def test_pilot_state_follows_its_dates(assessed, staff, department, offset, state):
    start = date(2025, 6, 1)
    plan = _plan(department, starts_on=start, ends_on=start + timedelta(days=30))
    move_stage(assessed, Stage.PILOTED, staff, RATIONALE, pilot=plan)
    pilot = current_pilot(assessed)
    assert pilot_state(pilot, start + timedelta(days=offset)) is state


def test_the_panel_shows_the_newest_pilot_after_a_second_one(assessed, staff, department):
    move_stage(assessed, Stage.PILOTED, staff, RATIONALE, pilot=_plan(department, hypothesis="One"))
    result = PilotResult(outcome=PilotOutcome.INCONCLUSIVE, findings="Too few people took part.")
    move_stage(assessed, Stage.DECLINED, staff, "The first pilot was inconclusive.", outcome=result)
    move_stage(assessed, Stage.UNDER_REVIEW, staff, "Reopened with a better pilot design.")
    assessed.stage = Stage.ASSESSED  # the assessment path is tested elsewhere
    move_stage(assessed, Stage.PILOTED, staff, RATIONALE, pilot=_plan(department, hypothesis="Two"))
    panel = pilot_panel(assessed, staff)
    assert panel["pilot"].hypothesis == "Two"
    assert panel["pilot_state"] == "Running"
