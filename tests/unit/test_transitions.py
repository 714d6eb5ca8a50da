"""The transition table, walked exhaustively: every (from, to) pair for every role (no HTTP)."""

from dataclasses import dataclass
from datetime import date
from itertools import product

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea, Theme
from ideas.board.services import follow_idea, post_idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.web import transaction
from ideas.workflow.models import Assessment, Pilot, PilotOutcome, Recommendation, StageChange
from ideas.workflow.pilots import PilotPlan, PilotResult
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from ideas.workflow.transitions import (
    ALLOWED_TRANSITIONS,
    RATIONALE_MAX,
    RATIONALE_MIN,
    STAFF,
    Requirement,
    next_stages,
)

pytestmark = pytest.mark.usefixtures("ctx")

RATIONALE = "Reviewed by the secretariat at its weekly triage meeting."
S = Stage

# The workflow the issue describes, written out by hand so the table is checked against
# the specification rather than against itself.
SPEC = {
    (S.PROPOSED, S.UNDER_REVIEW): set(),
    (S.UNDER_REVIEW, S.ASSESSED): {Requirement.ASSESSMENT},
    (S.ASSESSED, S.PILOTED): {Requirement.PILOT_PLAN},
    (S.ASSESSED, S.IMPLEMENTED): set(),
    (S.PILOTED, S.IMPLEMENTED): {Requirement.PILOT_OUTCOME},
    (S.PROPOSED, S.DECLINED): set(),
    (S.UNDER_REVIEW, S.DECLINED): set(),
    (S.ASSESSED, S.DECLINED): set(),
    (S.PILOTED, S.DECLINED): {Requirement.PILOT_OUTCOME},
    (S.DECLINED, S.UNDER_REVIEW): set(),
    **{(s, S.ON_HOLD): set() for s in (S.PROPOSED, S.UNDER_REVIEW, S.ASSESSED, S.PILOTED)},
    **{
        (S.ON_HOLD, s): {Requirement.HELD_FROM}
        for s in (S.PROPOSED, S.UNDER_REVIEW, S.ASSESSED, S.PILOTED)
    },
    **{
        (s, S.MERGED): {Requirement.MERGE_TARGET}
        for s in (S.PROPOSED, S.UNDER_REVIEW, S.ASSESSED, S.ON_HOLD, S.DECLINED)
    },
}


@dataclass
class Scene:
    """An idea in a given stage, its author, a follower, the actor, and what moves may need."""

    idea: Idea
    author: User
    follower: User
    actor: User
    target: Idea
    department: Department


def _user(email: str, role: Role) -> User:
    user = User(email=email, display_name=email.split("@")[0], password_hash="x", role=role)
    db.session.add(user)
    db.session.flush()
    return user


def _theme() -> Theme:
    return db.session.scalar(select(Theme).where(Theme.code == "innovation"))


def make_scene(from_stage: Stage, role: Role, held_from: Stage | None = None) -> Scene:
    """Build the idea in `from_stage` with every requirement of every move satisfiable."""
    author = _user("author@example.gc.ca", Role.MEMBER)
    follower = _user("follower@example.gc.ca", Role.MEMBER)
    actor = _user("actor@example.gc.ca", role)
    idea = post_idea(author, "An idea to move around", "Body of the idea.", _theme())
    target = post_idea(author, "The idea duplicates merge into", "Body.", _theme())
    follow_idea(follower, idea)
    follow_idea(actor, idea)  # the actor follows too, and must still not be notified
    department = Department(name_en="Treasury Board", level=GovernmentLevel.FEDERAL)
    db.session.add(department)
    db.session.flush()
    idea.stage = from_stage
    idea.held_from = held_from if from_stage is Stage.ON_HOLD else None
    # An assessment exists, so -> assessed is possible.
    db.session.add(
        Assessment(
            idea_id=idea.id,
            assessor_id=follower.id,
            relevance=4,
            support=3,
            impact=5,
            results=4,
            feasibility=2,
            recommendation=Recommendation.PILOT,
        )
    )
    if from_stage is Stage.PILOTED:
        # A running pilot, so leaving piloted can record its outcome.
        db.session.add(
            Pilot(
                idea_id=idea.id,
                hypothesis="Shared desks save money.",
                success_measure="Lease costs fall by 10%.",
                lead_department_id=department.id,
                starts_on=date(2025, 1, 6),
                ends_on=date(2025, 6, 30),
            )
        )
    db.session.commit()
    return Scene(idea, author, follower, actor, target, department)


def plan(scene: Scene) -> PilotPlan:
    return PilotPlan(
        hypothesis="Flexible hours reduce sick leave.",
        success_measure="Sick days per person fall within six months.",
        lead_department=scene.department,
        starts_on=date(2025, 9, 1),
        ends_on=date(2026, 2, 28),
    )


RESULT = PilotResult(outcome=PilotOutcome.SUCCEEDED, findings="Sick days fell by 12%.")


def everything_needed(scene: Scene) -> dict:
    """Every optional argument move_stage may need; moves that do not need one ignore it."""
    return {"pilot": plan(scene), "outcome": RESULT, "merge_target": scene.target}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def snapshot(idea_id: int) -> dict:
    """Everything a move could change, read back from the database."""
    db.session.expire_all()
    idea = db.session.get(Idea, idea_id)
    pilots = db.session.execute(
        select(Pilot.id, Pilot.outcome, Pilot.findings, Pilot.concluded_at)
        .where(Pilot.idea_id == idea_id)
        .order_by(Pilot.id)
    ).all()
    return {
        "stage": idea.stage,
        "held_from": idea.held_from,
        "merged_into_id": idea.merged_into_id,
        "stage_changed_at": idea.stage_changed_at,
        "history": count(StageChange, StageChange.idea_id == idea_id),
        "audit": count(AuditEntry),
        "notifications": count(Notification),
        "pilots": [tuple(row) for row in pilots],
    }


def attempt(scene: Scene, to: Stage, rationale: str = RATIONALE, **kwargs):
    """Move as a view would: one transaction, committed on success, rolled back on error."""
    with transaction():
        return move_stage(scene.idea, to, scene.actor, rationale, **kwargs)


def assert_refused(scene, to, error_type, field=None, rationale=RATIONALE, **kwargs):
    """The move raises exactly `error_type` (on `field`) and changes nothing at all."""
    before = snapshot(scene.idea.id)
    with pytest.raises(DomainError) as caught:
        attempt(scene, to, rationale, **kwargs)
    assert type(caught.value) is error_type
    if field is not None:
        assert caught.value.field == field
    assert str(caught.value.message)
    assert snapshot(scene.idea.id) == before
    return caught.value


def _is_allowed(from_stage: Stage, to: Stage, role: Role) -> bool:
    transition = ALLOWED_TRANSITIONS.get((from_stage, to))
    return transition is not None and role in transition.roles


# The table itself -----------------------------------------------------------------------


def test_the_table_is_the_workflow_the_issue_describes():
    assert set(ALLOWED_TRANSITIONS) == set(SPEC)
    for pair, requires in SPEC.items():
        assert set(ALLOWED_TRANSITIONS[pair].requires) == requires, pair
        assert ALLOWED_TRANSITIONS[pair].roles == STAFF == {Role.SECRETARIAT, Role.ADMIN}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("from_stage", list(Stage))
def test_next_stages_offers_the_table_minus_merges_and_other_held_stages(from_stage, role):
    for held_from in (Stage.UNDER_REVIEW, Stage.PILOTED):
        expected = [
            to
            for to in Stage
            if _is_allowed(from_stage, to, role)
            and to is not Stage.MERGED
            and (from_stage is not Stage.ON_HOLD or to is held_from)
        ]
        assert next_stages(from_stage, role, held_from) == expected
    if role not in STAFF:
        assert next_stages(from_stage, role) == []


# Every (from, to) pair for every role -----------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize(("from_stage", "to"), list(product(Stage, Stage)), ids=str)
def test_every_move_for_every_role(from_stage, to, role):
    # On hold, the idea left the stage we try to send it back to (the held_from rule
    # has its own tests below), so only the table and the role decide.
    scene = make_scene(from_stage, role, held_from=to)
    idea_id = scene.idea.id
    author_id, follower_id, actor_id = scene.author.id, scene.follower.id, scene.actor.id

    if not _is_allowed(from_stage, to, role):
        in_table = (from_stage, to) in ALLOWED_TRANSITIONS
        error_type = PermissionDenied if in_table else DomainError
        error = assert_refused(scene, to, error_type, **everything_needed(scene))
        if not in_table:
            assert error.field == "to_stage"
        return

    before = snapshot(idea_id)
    attempt(scene, to, "  " + RATIONALE + "  ", **everything_needed(scene))
    after = snapshot(idea_id)
    idea = db.session.get(Idea, idea_id)

    assert idea.stage is to
    assert idea.held_from == (from_stage if to is Stage.ON_HOLD else None)
    assert idea.stage_changed_at >= before["stage_changed_at"]
    assert idea.merged_into_id == (scene.target.id if to is Stage.MERGED else None)

    assert after["history"] == before["history"] + 1
    change = db.session.scalars(
        select(StageChange).where(StageChange.idea_id == idea_id).order_by(StageChange.id.desc())
    ).first()
    assert (change.actor_id, change.from_stage, change.to_stage) == (actor_id, from_stage, to)
    assert change.rationale == RATIONALE  # trimmed
    assert change.created_at == idea.stage_changed_at

    assert after["audit"] == before["audit"] + 1
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id, entry.idea_id) == ("idea.move_stage", actor_id, idea_id)
    expected_details = {
        "from_stage": from_stage.value,
        "to_stage": to.value,
        "rationale": RATIONALE,
    }
    requires_now = ALLOWED_TRANSITIONS[(from_stage, to)].requires
    if Requirement.PILOT_PLAN in requires_now:
        expected_details["pilot"] = {
            "hypothesis": "Flexible hours reduce sick leave.",
            "success_measure": "Sick days per person fall within six months.",
            "lead_department_id": scene.department.id,
            "starts_on": "2025-09-01",
            "ends_on": "2026-02-28",
        }
    if Requirement.PILOT_OUTCOME in requires_now:
        expected_details["pilot_outcome"] = "succeeded"
        expected_details["pilot_findings"] = "Sick days fell by 12%."
    assert entry.details == expected_details

    notified = [
        tuple(row)
        for row in db.session.execute(
            select(Notification.user_id, Notification.kind, Notification.idea_id, Notification.data)
        )
    ]
    if to is Stage.MERGED:
        # move_stage leaves the notice of a merge to merge_ideas, which names the target.
        assert notified == []
    else:
        assert sorted(notified) == sorted(
            (
                user_id,
                "stage_moved",
                idea_id,
                {"from_stage": from_stage.value, "to_stage": to.value},
            )
            for user_id in (author_id, follower_id)
        )
    assert actor_id not in {row[0] for row in notified}

    requires = ALLOWED_TRANSITIONS[(from_stage, to)].requires
    pilots = db.session.scalars(select(Pilot).where(Pilot.idea_id == idea_id)).all()
    if Requirement.PILOT_PLAN in requires:
        assert len(pilots) == 1
        assert pilots[0].hypothesis == "Flexible hours reduce sick leave."
        assert pilots[0].lead_department_id == scene.department.id
        assert pilots[0].created_by_id == actor_id
        assert pilots[0].outcome is None
    elif Requirement.PILOT_OUTCOME in requires:
        assert [(p.outcome, p.findings) for p in pilots] == [
            (PilotOutcome.SUCCEEDED, "Sick days fell by 12%.")
        ]
        assert pilots[0].concluded_at is not None
    else:
        # Moves that need no pilot leave pilots alone, whatever they are passed.
        assert after["pilots"] == before["pilots"]


# Rationale ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(STAFF))
@pytest.mark.parametrize(
    "rationale",
    ["", "   ", "x" * (RATIONALE_MIN - 1), "   " + "x" * (RATIONALE_MIN - 1) + "\n\t "],
    ids=["empty", "blank", "one-short", "one-short-padded"],
)
def test_a_rationale_under_20_characters_is_refused(rationale, role):
    scene = make_scene(Stage.PROPOSED, role)
    error = assert_refused(scene, Stage.UNDER_REVIEW, DomainError, "rationale", rationale)
    assert str(RATIONALE_MIN) in str(error.message)


def test_a_rationale_of_exactly_20_characters_is_enough():
    scene = make_scene(Stage.PROPOSED, Role.SECRETARIAT)
    change = attempt(scene, Stage.UNDER_REVIEW, "x" * RATIONALE_MIN)
    assert change.rationale == "x" * RATIONALE_MIN


def test_an_overlong_rationale_is_refused():
    scene = make_scene(Stage.PROPOSED, Role.SECRETARIAT)
    assert_refused(scene, Stage.UNDER_REVIEW, DomainError, "rationale", "x" * (RATIONALE_MAX + 1))


def test_a_member_is_refused_before_the_rationale_is_even_read():
    scene = make_scene(Stage.PROPOSED, Role.MEMBER)
    assert_refused(scene, Stage.UNDER_REVIEW, PermissionDenied, rationale="short")


# On hold --------------------------------------------------------------------------------


@pytest.mark.parametrize("left", [S.PROPOSED, S.UNDER_REVIEW, S.ASSESSED, S.PILOTED])
def test_on_hold_goes_back_only_to_the_stage_it_left(left):
    scene = make_scene(left, Role.SECRETARIAT)
    attempt(scene, Stage.ON_HOLD)
    assert (scene.idea.stage, scene.idea.held_from) == (Stage.ON_HOLD, left)
    assert next_stages(Stage.ON_HOLD, Role.SECRETARIAT, left) == [left]

    for other in (S.PROPOSED, S.UNDER_REVIEW, S.ASSESSED, S.PILOTED):
        if other is not left:
            error = assert_refused(
                scene, other, DomainError, "to_stage", **everything_needed(scene)
            )
            assert left.label in str(error.message)

    attempt(scene, left, **everything_needed(scene))
    assert (scene.idea.stage, scene.idea.held_from) == (left, None)


def test_an_on_hold_idea_that_lost_track_of_its_stage_cannot_leave_by_a_guess():
    scene = make_scene(Stage.ON_HOLD, Role.ADMIN, held_from=None)
    for to in (S.PROPOSED, S.UNDER_REVIEW, S.ASSESSED, S.PILOTED):
        assert_refused(scene, to, DomainError, "to_stage", **everything_needed(scene))


def test_a_piloted_idea_put_on_hold_keeps_its_running_pilot():
    scene = make_scene(Stage.PILOTED, Role.SECRETARIAT)
    attempt(scene, Stage.ON_HOLD, outcome=RESULT)
    attempt(scene, Stage.PILOTED, pilot=plan(scene))
    pilots = db.session.scalars(select(Pilot).where(Pilot.idea_id == scene.idea.id)).all()
    assert [(p.outcome, p.hypothesis) for p in pilots] == [(None, "Shared desks save money.")]


# Requirements -------------------------------------------------------------------------------


def test_assessed_needs_an_assessment():
    scene = make_scene(Stage.UNDER_REVIEW, Role.SECRETARIAT)
    db.session.execute(Assessment.__table__.delete())
    db.session.commit()
    error = assert_refused(scene, Stage.ASSESSED, DomainError)
    assert error.field is None
    assert "Assess" in str(error.message)


def test_piloted_needs_a_plan():
    scene = make_scene(Stage.ASSESSED, Role.SECRETARIAT)
    assert_refused(scene, Stage.PILOTED, DomainError)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hypothesis": "  "}, "hypothesis"),
        ({"success_measure": ""}, "success_measure"),
        ({"lead_department": None}, "lead_department"),
        ({"starts_on": None}, "starts_on"),
        ({"ends_on": None}, "ends_on"),
        ({"ends_on": date(2025, 8, 31)}, "ends_on"),  # before the start
    ],
)
def test_an_incomplete_pilot_plan_is_refused_on_its_field(change, field):
    scene = make_scene(Stage.ASSESSED, Role.SECRETARIAT)
    incomplete = PilotPlan(**{**plan(scene).__dict__, **change})
    assert_refused(scene, Stage.PILOTED, DomainError, field, pilot=incomplete)


@pytest.mark.parametrize("to", [Stage.IMPLEMENTED, Stage.DECLINED])
@pytest.mark.parametrize(
    ("result", "field"),
    [
        (None, "outcome"),
        (PilotResult(outcome=None, findings="Found things."), "outcome"),
        (PilotResult(outcome=PilotOutcome.FAILED, findings="  "), "findings"),
    ],
)
def test_leaving_piloted_needs_the_outcome_and_findings(to, result, field):
    scene = make_scene(Stage.PILOTED, Role.SECRETARIAT)
    assert_refused(scene, to, DomainError, field, outcome=result)


def test_leaving_piloted_without_a_running_pilot_is_refused():
    scene = make_scene(Stage.PILOTED, Role.SECRETARIAT)
    db.session.execute(Pilot.__table__.delete())
    db.session.commit()
    assert_refused(scene, Stage.IMPLEMENTED, DomainError, outcome=RESULT)


def test_merged_needs_a_target():
    scene = make_scene(Stage.PROPOSED, Role.SECRETARIAT)
    assert_refused(scene, Stage.MERGED, DomainError, "target")


def test_a_merge_target_given_to_another_move_is_ignored():
    scene = make_scene(Stage.PROPOSED, Role.SECRETARIAT)
    attempt(scene, Stage.DECLINED, merge_target=scene.target)
    assert scene.idea.stage is Stage.DECLINED
    assert scene.idea.merged_into_id is None


def test_a_declined_idea_can_be_reopened_and_walk_the_main_path_again():
    scene = make_scene(Stage.DECLINED, Role.SECRETARIAT)
    for to in (S.UNDER_REVIEW, S.ASSESSED, S.PILOTED, S.IMPLEMENTED):
        attempt(scene, to, **everything_needed(scene))
    stages = db.session.execute(
        select(StageChange.from_stage, StageChange.to_stage)
        .where(StageChange.idea_id == scene.idea.id, StageChange.from_stage.is_not(None))
        .order_by(StageChange.id)
    ).all()
    assert stages == [
        (S.DECLINED, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, S.ASSESSED),
        (S.ASSESSED, S.PILOTED),
        (S.PILOTED, S.IMPLEMENTED),
    ]
