"""Triage queue: the three buckets at a frozen moment, the response threshold, bulk actions."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea
from ideas.board.services import IdeaFilters, cast_vote, idea_to_vote_on
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.timeutil import utcnow
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage
from ideas.workflow.triage import (
    BULK_TARGETS,
    Bucket,
    assign_reviewer,
    awaiting_response,
    bucket_counts,
    bucket_query,
    bulk_move,
    ideas_by_ids,
    new_ideas,
    overdue_responses,
    response_due_at,
    reviewer_candidates,
)
from tests.statements import StatementCounter

pytestmark = pytest.mark.usefixtures("ctx")

NOW = datetime(2025, 6, 1, 12, 0, 0)
DUE_DAYS = 30
RATIONALE = "Reviewed together at the weekly triage meeting."
ANY = IdeaFilters()


@pytest.fixture(autouse=True)
def _due_days(app):
    app.config["RESPONSE_DUE_DAYS"] = DUE_DAYS


def shape(idea, *, created=None, reached=None, responded=None, stage=None, hidden=False):
    """Give an idea explicit timestamps (relative to NOW) and state, and save it."""
    idea.created_at = NOW - (created if created is not None else timedelta(days=1))
    idea.threshold_reached_at = NOW - reached if reached is not None else None
    idea.responded_at = NOW - responded if responded is not None else None
    if stage is not None:
        idea.stage = stage
    idea.hidden = hidden
    db.session.commit()
    return idea


def titles(query) -> list[str]:
    return [idea.title for idea in db.session.scalars(query)]


def history(idea) -> list[tuple]:
    rows = db.session.execute(
        select(StageChange.from_stage, StageChange.to_stage, StageChange.rationale)
        .where(StageChange.idea_id == idea.id, StageChange.from_stage.is_not(None))
        .order_by(StageChange.id)
    )
    return [tuple(row) for row in rows]


def audits(action: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


def notifications(kind: str) -> list[tuple[int, int]]:
    rows = db.session.execute(
        select(Notification.user_id, Notification.idea_id)
        .where(Notification.kind == kind)
        .order_by(Notification.id)
    )
    return [tuple(row) for row in rows]


# --- buckets ----------------------------------------------------------------------------


def test_new_bucket_lists_proposed_ideas_oldest_first(make_idea):
    # Created in one order, dated in another: the bucket follows the dates.
    young = shape(make_idea(title="Young idea"), created=timedelta(hours=2))
    old = shape(make_idea(title="Old idea"), created=timedelta(days=9))
    middle = shape(make_idea(title="Middle idea"), created=timedelta(days=3))
    shape(make_idea(title="Reviewed idea"), created=timedelta(days=20), stage=Stage.UNDER_REVIEW)
    assert titles(new_ideas(ANY, NOW)) == [old.title, middle.title, young.title]
    assert bucket_counts(ANY, NOW)[Bucket.NEW] == 3


def test_awaiting_and_overdue_split_at_the_deadline(make_idea):
    due = timedelta(days=DUE_DAYS)
    fresh = shape(make_idea(title="Crossed yesterday"), reached=timedelta(days=1))
    edge = shape(make_idea(title="Due right now"), reached=due)
    late = shape(make_idea(title="One second late"), reached=due + timedelta(seconds=1))
    later = shape(make_idea(title="Long overdue"), reached=due + timedelta(days=10))
    shape(make_idea(title="Answered"), reached=due + timedelta(days=5), responded=timedelta(days=2))
    shape(make_idea(title="Not popular"))

    # Oldest threshold first: the most urgent answer comes first.
    assert titles(awaiting_response(ANY, NOW)) == [edge.title, fresh.title]
    assert titles(overdue_responses(ANY, NOW)) == [later.title, late.title]
    assert response_due_at(edge) == NOW
    assert response_due_at(db.session.get(Idea, fresh.id)) == NOW - timedelta(days=1) + due
    counts = bucket_counts(ANY, NOW)
    assert counts == {Bucket.NEW: 6, Bucket.AWAITING: 2, Bucket.OVERDUE: 2}


def test_an_unanswered_idea_becomes_overdue_as_time_passes(make_idea):
    idea = shape(make_idea(), reached=timedelta(days=1))
    assert titles(awaiting_response(ANY, NOW)) == [idea.title]
    assert titles(overdue_responses(ANY, NOW)) == []

    later = NOW + timedelta(days=DUE_DAYS)  # one day past the deadline
    assert titles(awaiting_response(ANY, later)) == []
    assert titles(overdue_responses(ANY, later)) == [idea.title]
    assert bucket_counts(ANY, later)[Bucket.OVERDUE] == 1


def test_due_days_come_from_the_configuration(app, make_idea):
    idea = shape(make_idea(), reached=timedelta(days=10))
    assert titles(awaiting_response(ANY, NOW)) == [idea.title]
    app.config["RESPONSE_DUE_DAYS"] = 7
    assert titles(awaiting_response(ANY, NOW)) == []
    assert titles(overdue_responses(ANY, NOW)) == [idea.title]


def test_answered_ideas_leave_both_response_buckets(make_idea):
    shape(make_idea(), reached=timedelta(days=1), responded=timedelta(hours=1))
    shape(make_idea(), reached=timedelta(days=90), responded=timedelta(days=1))
    counts = bucket_counts(ANY, NOW)
    assert (counts[Bucket.AWAITING], counts[Bucket.OVERDUE]) == (0, 0)


@pytest.mark.parametrize("bucket", list(Bucket))
def test_hidden_and_merged_ideas_are_left_out(make_idea, bucket):
    reached = {
        Bucket.NEW: None,
        Bucket.AWAITING: timedelta(days=1),
        Bucket.OVERDUE: timedelta(days=DUE_DAYS + 1),
    }[bucket]
    visible = shape(make_idea(title="Visible"), reached=reached)
    shape(make_idea(title="Hidden"), reached=reached, hidden=True)
    shape(make_idea(title="Merged"), reached=reached, stage=Stage.MERGED)
    assert titles(bucket_query(bucket, ANY, NOW)) == [visible.title]
    assert bucket_counts(ANY, NOW)[bucket] == 1


def test_filters_narrow_lists_and_counts(make_idea, make_user, make_department, make_group):
    revenue, health = make_department("Revenue"), make_department("Health")
    group = make_group()
    author = make_user(department=revenue)
    other = make_user(department=health)
    match = shape(
        make_idea(author=author, title="Revenue idea", theme="innovation"),
        reached=timedelta(days=2),
    )
    match.group_id = group.id
    shape(make_idea(author=other, title="Health idea"), reached=timedelta(days=2))
    shape(
        make_idea(author=author, title="Other theme", theme="fundamentals"),
        reached=timedelta(days=2),
    )
    db.session.commit()
    theme_id = match.theme_id

    by_department = IdeaFilters(department_id=revenue.id)
    assert titles(awaiting_response(by_department, NOW)) == ["Revenue idea", "Other theme"]
    assert bucket_counts(by_department, NOW)[Bucket.AWAITING] == 2

    narrow = IdeaFilters(department_id=revenue.id, theme_id=theme_id, group_id=group.id)
    assert titles(awaiting_response(narrow, NOW)) == ["Revenue idea"]
    assert bucket_counts(narrow, NOW) == {Bucket.NEW: 1, Bucket.AWAITING: 1, Bucket.OVERDUE: 0}

    # A stage filter other than proposed empties the "not yet reviewed" bucket.
    reviewing = IdeaFilters(stage=Stage.UNDER_REVIEW)
    match.stage = Stage.UNDER_REVIEW
    db.session.commit()
    assert titles(new_ideas(reviewing, NOW)) == []
    assert titles(awaiting_response(reviewing, NOW)) == ["Revenue idea"]
    assert bucket_counts(reviewing, NOW) == {Bucket.NEW: 0, Bucket.AWAITING: 1, Bucket.OVERDUE: 0}


def test_bulk_targets_leave_out_moves_needing_their_own_form():
    assert Stage.MERGED not in BULK_TARGETS
    assert {Stage.UNDER_REVIEW, Stage.DECLINED, Stage.ON_HOLD} <= set(BULK_TARGETS)


# --- the response threshold, set by votes -----------------------------------------------


@pytest.fixture
def two_votes(app):
    app.config["RESPONSE_THRESHOLD_VOTES"] = 2
    app.config["RESPONSE_THRESHOLD_DAYS"] = 60


def reached_at(idea) -> datetime | None:
    return db.session.scalar(select(Idea.threshold_reached_at).where(Idea.id == idea.id))


@pytest.mark.usefixtures("two_votes")
def test_enough_up_votes_in_the_window_set_the_threshold(make_idea, make_user):
    idea = make_idea()
    cast_vote(make_user(), idea, 1)
    assert reached_at(idea) is None
    before = utcnow()
    cast_vote(make_user(), idea, 1)
    assert before <= reached_at(idea) <= utcnow()
    assert idea.threshold_reached_at == reached_at(idea)  # the ORM object sees it too


@pytest.mark.usefixtures("two_votes")
def test_the_threshold_is_set_once(make_idea, make_user):
    idea = make_idea()
    first, second, third = make_user(), make_user(), make_user()
    cast_vote(first, idea, 1)
    cast_vote(second, idea, 1)
    stamped = reached_at(idea) - timedelta(days=3)
    idea.threshold_reached_at = stamped  # as if it had crossed three days ago
    db.session.commit()
    cast_vote(third, idea, 1)
    cast_vote(second, idea, 0)
    cast_vote(second, idea, 1)
    assert reached_at(idea) == stamped


@pytest.mark.usefixtures("two_votes")
def test_a_vote_on_an_idea_already_owed_a_response_sends_no_threshold_update(
    app, make_idea, make_user
):
    idea = make_idea()
    cast_vote(make_user(), idea, 1)
    cast_vote(make_user(), idea, 1)
    stamped = reached_at(idea)
    db.session.commit()
    voter = make_user()
    loaded = idea_to_vote_on(idea.id)  # what the vote view reads: the stamp included
    with StatementCounter(app) as counter:
        cast_vote(voter, loaded, 1)
    updates = [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1  # the counters and scores; not threshold_reached_at again
    assert "threshold_reached_at" not in updates[0]
    assert reached_at(idea) == stamped


@pytest.mark.usefixtures("two_votes")
def test_votes_after_the_window_do_not_set_the_threshold(make_idea, make_user):
    idea = make_idea()
    idea.created_at = utcnow() - timedelta(days=61)
    db.session.commit()
    cast_vote(make_user(), idea, 1)
    cast_vote(make_user(), idea, 1)
    cast_vote(make_user(), idea, 1)
    assert reached_at(idea) is None


@pytest.mark.usefixtures("two_votes")
def test_down_votes_do_not_count_towards_the_threshold(make_idea, make_user):
    idea = make_idea()
    cast_vote(make_user(), idea, 1)
    cast_vote(make_user(), idea, -1)
    cast_vote(make_user(), idea, -1)
    assert reached_at(idea) is None


# --- bulk_move --------------------------------------------------------------------------


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.SECRETARIAT, display_name="Sam Staff")


def test_bulk_move_keeps_allowed_moves_and_refuses_the_rest(make_idea, staff):
    first, second = make_idea(title="First proposal"), make_idea(title="Second proposal")
    reviewing = make_idea(title="Already in review")
    reviewing.stage = Stage.UNDER_REVIEW
    db.session.commit()

    results = bulk_move([first, reviewing, second], Stage.UNDER_REVIEW, staff, RATIONALE)
    db.session.commit()

    assert [(r.idea.id, r.moved) for r in results] == [
        (first.id, True),
        (reviewing.id, False),
        (second.id, True),
    ]
    assert str(results[1].message) == "An idea cannot move from Under review to Under review."
    for idea in (first, second):
        db.session.refresh(idea)
        assert idea.stage is Stage.UNDER_REVIEW
        assert history(idea) == [(Stage.PROPOSED, Stage.UNDER_REVIEW, RATIONALE)]
    db.session.refresh(reviewing)
    assert reviewing.stage is Stage.UNDER_REVIEW
    assert history(reviewing) == []
    moves = audits("idea.move_stage")
    assert [entry.idea_id for entry in moves] == [first.id, second.id]
    assert all(entry.actor_id == staff.id for entry in moves)
    assert {entry.details["rationale"] for entry in moves} == {RATIONALE}
    moved = {(first.author_id, first.id), (second.author_id, second.id)}
    assert set(notifications("stage_moved")) == moved


def test_a_refused_requirement_rolls_back_only_that_idea(make_idea, staff):
    held = make_idea(title="Held from review")
    held.stage, held.held_from = Stage.ON_HOLD, Stage.UNDER_REVIEW
    proposed = make_idea(title="Fresh proposal")
    db.session.commit()

    # On hold may only go back where it came from; proposed may go on hold.
    results = bulk_move([held, proposed], Stage.ON_HOLD, staff, RATIONALE)
    db.session.commit()
    assert [r.moved for r in results] == [False, True]
    db.session.refresh(held)
    db.session.refresh(proposed)
    assert (held.stage, held.held_from) == (Stage.ON_HOLD, Stage.UNDER_REVIEW)
    assert (proposed.stage, proposed.held_from) == (Stage.ON_HOLD, Stage.PROPOSED)

    results = bulk_move([held, proposed], Stage.UNDER_REVIEW, staff, RATIONALE)
    db.session.commit()
    assert [r.moved for r in results] == [True, False]
    assert "Proposed" in str(results[1].message)
    assert history(held) == [(Stage.ON_HOLD, Stage.UNDER_REVIEW, RATIONALE)]


def test_bulk_move_to_assessed_needs_an_assessment_for_each(make_idea, staff):
    idea = make_idea()
    idea.stage = Stage.UNDER_REVIEW
    db.session.commit()
    [result] = bulk_move([idea], Stage.ASSESSED, staff, RATIONALE)
    assert not result.moved
    assert str(result.message) == "Assess the idea at least once before marking it assessed."


def test_bulk_move_with_a_short_rationale_changes_nothing(make_idea, staff):
    ideas = [make_idea(), make_idea()]
    with pytest.raises(DomainError) as caught:
        bulk_move(ideas, Stage.UNDER_REVIEW, staff, "  too short  ")
    assert caught.value.field == "rationale"
    assert all(idea.stage is Stage.PROPOSED for idea in ideas)
    assert db.session.scalar(select(func.count(StageChange.id))) == 2  # the creation rows
    assert audits("idea.move_stage") == []


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_bulk_move_is_for_staff(make_idea, make_user, role):
    idea = make_idea()
    with pytest.raises(PermissionDenied):
        bulk_move([idea], Stage.UNDER_REVIEW, make_user(role=role), RATIONALE)
    assert idea.stage is Stage.PROPOSED


def test_bulk_move_needs_ideas(staff):
    with pytest.raises(DomainError) as caught:
        bulk_move([], Stage.UNDER_REVIEW, staff, RATIONALE)
    assert caught.value.field == "ideas"


def test_ideas_by_ids_dedupes_and_skips_unknown_ids(make_idea):
    first, second = make_idea(), make_idea()
    found = ideas_by_ids([second.id, first.id, second.id, 999_999])
    assert [idea.id for idea in found] == [first.id, second.id]
    assert ideas_by_ids([]) == []


# --- assign_reviewer --------------------------------------------------------------------


def test_assign_reviewer_sets_audits_and_notifies(make_idea, make_user, staff):
    reviewer = make_user(role=Role.ADMIN)
    first, second = make_idea(), make_idea()
    changed = assign_reviewer([first, second], reviewer, staff)
    db.session.commit()

    assert changed == [first, second]
    assert [db.session.get(Idea, i.id).reviewer_id for i in (first, second)] == [reviewer.id] * 2
    entries = audits("idea.assign_reviewer")
    assert [(e.idea_id, e.actor_id, e.target_type, e.target_id) for e in entries] == [
        (first.id, staff.id, "user", reviewer.id),
        (second.id, staff.id, "user", reviewer.id),
    ]
    assert entries[0].details == {"previous_reviewer_id": None}
    assert notifications("reviewer_assigned") == [(reviewer.id, first.id), (reviewer.id, second.id)]


def test_reassigning_records_the_previous_reviewer_and_skips_no_ops(make_idea, make_user, staff):
    before, after = make_user(role=Role.SECRETARIAT), make_user(role=Role.SECRETARIAT)
    first, second = make_idea(), make_idea()
    assign_reviewer([first], before, staff)
    assign_reviewer([second], after, staff)
    changed = assign_reviewer([first, second], after, staff)
    db.session.commit()
    assert changed == [first]
    last = audits("idea.assign_reviewer")[-1]
    assert (last.idea_id, last.details) == (first.id, {"previous_reviewer_id": before.id})
    assert len(audits("idea.assign_reviewer")) == 3


def test_assigning_yourself_is_audited_but_not_notified(make_idea, staff):
    idea = make_idea()
    assign_reviewer([idea], staff, staff)
    db.session.commit()
    assert db.session.get(Idea, idea.id).reviewer_id == staff.id
    assert len(audits("idea.assign_reviewer")) == 1
    assert notifications("reviewer_assigned") == []


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_reviewers_must_be_staff(make_idea, make_user, staff, role):
    idea = make_idea()
    with pytest.raises(DomainError) as caught:
        assign_reviewer([idea], make_user(role=role), staff)
    assert caught.value.field == "reviewer"
    assert idea.reviewer_id is None
    assert audits("idea.assign_reviewer") == []


def test_inactive_staff_cannot_review(make_idea, make_user, staff):
    gone = make_user(role=Role.SECRETARIAT)
    gone.active = False
    db.session.commit()
    with pytest.raises(DomainError):
        assign_reviewer([make_idea()], gone, staff)
    assert gone not in reviewer_candidates()
    assert staff in reviewer_candidates()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_only_staff_assign_reviewers(make_idea, make_user, staff, role):
    idea = make_idea()
    with pytest.raises(PermissionDenied):
        assign_reviewer([idea], staff, make_user(role=role))
    assert idea.reviewer_id is None


def test_reviewer_candidates_are_active_staff_by_name(make_user):
    zed = make_user(role=Role.ADMIN, display_name="Zed Admin")
    amy = make_user(role=Role.SECRETARIAT, display_name="Amy Staff")
    make_user(role=Role.EXECUTIVE, display_name="Eve Exec")
    make_user(display_name="Mo Member")
    assert reviewer_candidates() == [amy, zed]
    assert all(isinstance(user, User) for user in reviewer_candidates())
