"""Merging duplicates (no HTTP): votes, followers, counters, refusals, history, audit, notices."""

import pytest
from flask import current_app
from sqlalchemy import func, select

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Comment, Follow, Idea, Vote
from ideas.board.ranking import controversy_score, hot_score, wilson_lower_bound
from ideas.board.services import (
    IdeaFilters,
    cast_vote,
    follow_idea,
    post_comment,
    ranked_ideas,
    visible_comments,
)
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.workflow.merges import MergeResult, merge_chain, merge_ideas, merged_duplicates
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage
from ideas.workflow.transitions import transition_for
from ideas.workflow.views.merges import merge_panel

pytestmark = pytest.mark.usefixtures("ctx")

RATIONALE = "Same proposal as the older idea, posted again by another team."


def votes(idea: Idea) -> dict[int, int]:
    """{user_id: value} straight from the vote table."""
    rows = db.session.execute(select(Vote.user_id, Vote.value).where(Vote.idea_id == idea.id))
    return {user_id: value for user_id, value in rows}


def followers(idea: Idea) -> list[int]:
    """Follower ids from the follow table, duplicates kept so a test would see them."""
    return sorted(db.session.scalars(select(Follow.user_id).where(Follow.idea_id == idea.id)))


def stored(idea: Idea) -> dict:
    """The counters and ranking columns as the database holds them."""
    row = db.session.execute(
        select(
            Idea.up_count,
            Idea.down_count,
            Idea.follower_count,
            Idea.wilson,
            Idea.hot,
            Idea.controversy,
        ).where(Idea.id == idea.id)
    ).one()
    return row._asdict()


def recounted(idea: Idea) -> dict:
    """What the counters and ranking columns should be, from the rows."""
    values = votes(idea).values()
    up, down = sum(v == 1 for v in values), sum(v == -1 for v in values)
    return {
        "up_count": up,
        "down_count": down,
        "follower_count": len(followers(idea)),
        "wilson": wilson_lower_bound(up, down),
        "hot": hot_score(up, down, idea.created_at),
        "controversy": controversy_score(up, down),
    }


def staff(make_user):
    return make_user(role=Role.SECRETARIAT)


def snapshot(*ideas: Idea) -> dict:
    """Everything a refused merge must leave untouched."""
    db.session.expire_all()
    return {
        "ideas": [
            (i.id, i.stage, i.merged_into_id, *stored(i).values(), tuple(followers(i)))
            for i in ideas
        ],
        "votes": [votes(i) for i in ideas],
        "history": db.session.scalar(select(func.count(StageChange.id))),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
        "notifications": db.session.scalar(select(func.count(Notification.id))),
    }


# --- votes --------------------------------------------------------------------------------


def test_votes_move_once_per_member_and_the_target_vote_wins(make_user, make_idea):
    target_author, duplicate_author = make_user(), make_user()
    target, duplicate = make_idea(author=target_author), make_idea(author=duplicate_author)
    only_dup_up, only_dup_down, both_up_down, both_down_up, only_target = (
        make_user() for _ in range(5)
    )
    cast_vote(only_dup_up, duplicate, 1)
    cast_vote(only_dup_down, duplicate, -1)
    cast_vote(both_up_down, duplicate, 1)
    cast_vote(both_up_down, target, -1)
    cast_vote(both_down_up, duplicate, -1)
    cast_vote(both_down_up, target, 1)
    cast_vote(only_target, target, 1)
    # The target's author may vote on the duplicate, but must not end up voting on their own idea.
    cast_vote(target_author, duplicate, 1)

    result = merge_ideas(duplicate, target, staff(make_user), RATIONALE)

    assert result == MergeResult(votes_moved=2, votes_dropped=3, followers_added=1)
    assert votes(target) == {
        only_dup_up.id: 1,
        only_dup_down.id: -1,
        both_up_down.id: -1,
        both_down_up.id: 1,
        only_target.id: 1,
    }
    assert target_author.id not in votes(target)
    assert votes(duplicate) == {}


def test_counters_and_ranking_columns_of_both_ideas_equal_a_recount(make_user, make_idea):
    target, duplicate = make_idea(), make_idea()
    voters = [make_user() for _ in range(6)]
    for voter, value in zip(voters[:4], (1, 1, -1, 1), strict=True):
        cast_vote(voter, duplicate, value)
    for voter, value in zip(voters[2:], (1, -1, -1, 1), strict=True):
        cast_vote(voter, target, value)
    before = stored(target)

    merge_ideas(duplicate, target, staff(make_user), RATIONALE)

    db.session.expire_all()
    assert stored(target) == recounted(target)
    assert stored(duplicate) == recounted(duplicate)
    assert (stored(target)["up_count"], stored(target)["down_count"]) == (4, 2)
    assert stored(target) != before
    assert stored(duplicate)["up_count"] == stored(duplicate)["down_count"] == 0
    assert stored(duplicate)["wilson"] == stored(duplicate)["controversy"] == 0
    # The loaded objects show the new values too (they were expired, not left stale).
    assert (target.up_count, target.down_count, duplicate.up_count) == (4, 2, 0)


def test_moved_votes_count_towards_the_response_threshold(make_user, make_idea):
    current_app.config["RESPONSE_THRESHOLD_VOTES"] = 3
    target, duplicate = make_idea(), make_idea()
    for _ in range(2):
        cast_vote(make_user(), duplicate, 1)
    cast_vote(make_user(), target, 1)
    assert target.threshold_reached_at is None

    merge_ideas(duplicate, target, staff(make_user), RATIONALE)

    assert target.threshold_reached_at is not None


def test_merged_duplicate_leaves_the_ranked_list_and_the_target_rises(make_user, make_idea):
    target, duplicate, other = make_idea(), make_idea(), make_idea()
    cast_vote(make_user(), other, 1)
    for _ in range(3):
        cast_vote(make_user(), duplicate, 1)

    merge_ideas(duplicate, target, staff(make_user), RATIONALE)

    ranked = list(db.session.scalars(ranked_ideas("top", IdeaFilters())))
    assert ranked[0] == target
    assert duplicate not in ranked


# --- followers -------------------------------------------------------------------------------


def test_followers_of_the_duplicate_follow_the_target_without_duplicates(make_user, make_idea):
    target_author, duplicate_author = make_user(), make_user()
    target, duplicate = make_idea(author=target_author), make_idea(author=duplicate_author)
    both, only_duplicate = make_user(), make_user()
    follow_idea(both, target)
    follow_idea(both, duplicate)
    follow_idea(only_duplicate, duplicate)
    follow_idea(target_author, duplicate)

    result = merge_ideas(duplicate, target, staff(make_user), RATIONALE)

    assert result.followers_added == 2
    assert followers(target) == sorted(
        [target_author.id, both.id, duplicate_author.id, only_duplicate.id]
    )
    # The duplicate's followers keep it too: they hear of what happens to it.
    assert followers(duplicate) == sorted(
        [duplicate_author.id, both.id, only_duplicate.id, target_author.id]
    )
    db.session.expire_all()
    assert target.follower_count == 4
    assert duplicate.follower_count == 4


# --- stage, history, audit, notifications --------------------------------------------------


def test_merge_moves_the_stage_and_writes_history_audit_and_notifications(make_user, make_idea):
    duplicate_author, target_author, follower = make_user(), make_user(), make_user()
    target, duplicate = make_idea(author=target_author), make_idea(author=duplicate_author)
    follow_idea(follower, duplicate)
    cast_vote(make_user(), duplicate, 1)
    actor = staff(make_user)

    merge_ideas(duplicate, target, actor, f"  {RATIONALE}  ")

    assert duplicate.stage is Stage.MERGED
    assert duplicate.merged_into_id == target.id
    assert duplicate.merged_into == target
    change = duplicate.history[-1]
    assert (change.from_stage, change.to_stage, change.actor_id, change.rationale) == (
        Stage.PROPOSED,
        Stage.MERGED,
        actor.id,
        RATIONALE,
    )
    merge_entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "idea.merge"))
    assert merge_entry.actor_id == actor.id
    assert (merge_entry.idea_id, merge_entry.target_type, merge_entry.target_id) == (
        duplicate.id,
        "idea",
        target.id,
    )
    assert merge_entry.details["duplicate_id"] == duplicate.id
    assert merge_entry.details["merged_into_id"] == target.id
    assert merge_entry.details["votes_moved"] == 1
    merged_notices = db.session.scalars(
        select(Notification).where(Notification.kind == "merged")
    ).all()
    assert sorted(n.user_id for n in merged_notices) == sorted([duplicate_author.id, follower.id])
    assert all(n.idea_id == duplicate.id and n.actor_id == actor.id for n in merged_notices)
    assert all(n.data == {"target_id": target.id} for n in merged_notices)


def test_the_actor_is_not_notified_even_when_following(make_user, make_idea):
    target, duplicate = make_idea(), make_idea()
    actor = staff(make_user)
    follow_idea(actor, duplicate)

    merge_ideas(duplicate, target, actor, RATIONALE)

    notified = db.session.scalars(select(Notification.user_id)).all()
    assert actor.id not in notified


def test_comments_stay_readable_on_the_duplicate_which_takes_no_more(make_user, make_idea):
    target, duplicate = make_idea(), make_idea()
    member = make_user()
    comment = post_comment(member, duplicate, "I had the same idea last year.")

    merge_ideas(duplicate, target, staff(make_user), RATIONALE)

    assert db.session.get(Comment, comment.id).idea_id == duplicate.id
    assert [c.id for c, _ in visible_comments(member, duplicate)] == [comment.id]
    assert duplicate.comment_count == 1 and target.comment_count == 0
    with pytest.raises(PermissionDenied):
        post_comment(member, duplicate, "Another comment")
    with pytest.raises(PermissionDenied):
        cast_vote(make_user(), duplicate, 1)


def test_target_lists_its_merged_duplicates(make_user, make_idea):
    target, first, second, unrelated = make_idea(), make_idea(), make_idea(), make_idea()
    actor = staff(make_user)
    merge_ideas(first, target, actor, RATIONALE)
    merge_ideas(second, target, actor, RATIONALE)

    assert merged_duplicates(target) == [first, second]
    assert merge_panel(target, actor) == {"merged_duplicates": [first, second], "may_merge": True}
    assert merge_panel(first, actor)["may_merge"] is False  # merged already
    assert merge_panel(target, make_user())["may_merge"] is False  # members do not merge
    assert merged_duplicates(unrelated) == []
    assert merge_chain(first) == [target]


def test_an_on_hold_duplicate_can_be_merged(make_user, make_idea):
    target, duplicate = make_idea(), make_idea()
    duplicate.stage = Stage.ON_HOLD
    duplicate.held_from = Stage.UNDER_REVIEW
    db.session.flush()

    merge_ideas(duplicate, target, staff(make_user), RATIONALE)

    assert duplicate.stage is Stage.MERGED
    assert duplicate.held_from is None


# --- refusals ---------------------------------------------------------------------------------


def test_merging_into_itself_is_refused_and_changes_nothing(make_user, make_idea):
    idea = make_idea()
    cast_vote(make_user(), idea, 1)
    before = snapshot(idea)

    with pytest.raises(DomainError, match="into itself") as error:
        merge_ideas(idea, idea, staff(make_user), RATIONALE)

    assert error.value.field == "target"
    assert snapshot(idea) == before


def test_merging_into_a_merged_idea_is_refused_naming_where_it_went(make_user, make_idea):
    final, merged, duplicate = make_idea(), make_idea(), make_idea()
    actor = staff(make_user)
    merge_ideas(merged, final, actor, RATIONALE)
    cast_vote(make_user(), duplicate, 1)
    before = snapshot(final, merged, duplicate)

    with pytest.raises(DomainError) as error:
        merge_ideas(duplicate, merged, actor, RATIONALE)

    assert f"#{final.id}" in str(error.value)
    assert snapshot(final, merged, duplicate) == before


def test_a_cycle_is_refused_and_changes_nothing(make_user, make_idea):
    first, second = make_idea(), make_idea()
    actor = staff(make_user)
    merge_ideas(first, second, actor, RATIONALE)
    before = snapshot(first, second)

    # second's merged duplicate is first: merging second into first would close a loop.
    with pytest.raises(DomainError, match="loop"):
        merge_ideas(second, first, actor, RATIONALE)

    assert snapshot(first, second) == before
    assert second.stage is Stage.PROPOSED


def test_a_longer_cycle_is_refused(make_user, make_idea):
    a, b, c = make_idea(), make_idea(), make_idea()
    actor = staff(make_user)
    merge_ideas(a, b, actor, RATIONALE)
    # Force a chain a -> b -> c as older data could hold, then try c into a.
    b.stage, b.merged_into_id = Stage.MERGED, c.id
    db.session.flush()
    db.session.expire_all()
    before = snapshot(a, b, c)

    with pytest.raises(DomainError, match="loop"):
        merge_ideas(c, a, actor, RATIONALE)

    assert snapshot(a, b, c) == before


@pytest.mark.parametrize(
    "stage", [s for s in Stage if transition_for(s, Stage.MERGED) is None], ids=str
)
def test_a_duplicate_whose_stage_cannot_merge_is_refused(make_user, make_idea, stage):
    target, duplicate = make_idea(), make_idea()
    duplicate.stage = stage
    db.session.flush()
    cast_vote(make_user(), target, 1)
    before = snapshot(target, duplicate)

    with pytest.raises(DomainError, match="cannot be merged"):
        merge_ideas(duplicate, target, staff(make_user), RATIONALE)

    assert snapshot(target, duplicate) == before


@pytest.mark.parametrize("stage", [s for s in Stage if transition_for(s, Stage.MERGED)], ids=str)
def test_every_stage_the_table_allows_can_merge(make_user, make_idea, stage):
    target, duplicate = make_idea(), make_idea()
    duplicate.stage = stage
    if stage is Stage.ON_HOLD:
        duplicate.held_from = Stage.PROPOSED
    db.session.flush()

    merge_ideas(duplicate, target, staff(make_user), RATIONALE)

    assert duplicate.stage is Stage.MERGED


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_only_staff_merge(make_user, make_idea, role):
    target, duplicate = make_idea(), make_idea()
    before = snapshot(target, duplicate)

    with pytest.raises(PermissionDenied):
        merge_ideas(duplicate, target, make_user(role=role), RATIONALE)

    assert snapshot(target, duplicate) == before


def test_an_admin_may_merge(make_user, make_idea):
    target, duplicate = make_idea(), make_idea()
    merge_ideas(duplicate, target, make_user(role=Role.ADMIN), RATIONALE)
    assert duplicate.merged_into_id == target.id


def test_a_short_rationale_is_refused_and_changes_nothing(make_user, make_idea):
    target, duplicate = make_idea(), make_idea()
    cast_vote(make_user(), duplicate, 1)
    before = snapshot(target, duplicate)

    with pytest.raises(DomainError) as error:
        merge_ideas(duplicate, target, staff(make_user), "Duplicate.          ")

    assert error.value.field == "rationale"
    assert snapshot(target, duplicate) == before


def test_a_missing_target_is_refused(make_user, make_idea):
    duplicate = make_idea()
    with pytest.raises(DomainError) as error:
        merge_ideas(duplicate, None, staff(make_user), RATIONALE)
    assert error.value.field == "target"
    assert duplicate.stage is Stage.PROPOSED
