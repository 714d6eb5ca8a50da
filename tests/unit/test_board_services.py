"""Board services: ideas, votes, comments, follows, ranked lists (no HTTP)."""

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ideas.accounts.models import Role
from ideas.board.models import Comment, Follow, Idea, Theme, Vote
from ideas.board.ranking import controversy_score, hot_score, wilson_lower_bound
from ideas.board.services import (
    BODY_MAX,
    COMMENT_MAX,
    IdeaFilters,
    cast_vote,
    edit_idea,
    follow_idea,
    hot_this_week,
    is_following,
    my_vote,
    my_votes,
    newest_ideas,
    post_comment,
    post_idea,
    ranked_ideas,
    unfollow_idea,
    visible_comments,
)
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.groups.services import join_group, leave_group
from ideas.timeutil import utcnow
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage

pytestmark = pytest.mark.usefixtures("ctx")


def theme(code="innovation") -> Theme:
    return db.session.scalar(select(Theme).where(Theme.code == code))


def stored(idea: Idea) -> dict:
    """The idea's counters and ranking columns as the database holds them."""
    row = db.session.execute(
        select(
            Idea.up_count,
            Idea.down_count,
            Idea.wilson,
            Idea.hot,
            Idea.controversy,
            Idea.created_at,
            Idea.comment_count,
            Idea.follower_count,
        ).where(Idea.id == idea.id)
    ).one()
    return row._asdict()


def vote_rows(idea: Idea) -> dict[int, int]:
    query = select(Vote.user_id, Vote.value).where(Vote.idea_id == idea.id)
    return {user_id: value for user_id, value in db.session.execute(query)}


def assert_consistent(idea: Idea, up: int, down: int) -> None:
    """Counters match the vote rows, and every ranking column matches the counters."""
    row = stored(idea)
    assert (row["up_count"], row["down_count"]) == (up, down)
    values = list(vote_rows(idea).values())
    assert (values.count(1), values.count(-1)) == (up, down)
    assert row["wilson"] == pytest.approx(wilson_lower_bound(up, down))
    assert row["hot"] == pytest.approx(hot_score(up, down, row["created_at"]), abs=1e-6)
    assert row["controversy"] == pytest.approx(controversy_score(up, down))
    # The ORM object sees the new values too (its stale attributes were expired).
    assert (idea.up_count, idea.down_count) == (up, down)
    assert idea.wilson == pytest.approx(row["wilson"])


# --- cast_vote ---------------------------------------------------------------------------


def test_up_vote_counts_and_ranks(make_user, make_idea):
    idea, voter = make_idea(), make_user()
    tally = cast_vote(voter, idea, 1)
    assert (tally.up, tally.down, tally.my_vote, tally.score) == (1, 0, 1, 1)
    assert vote_rows(idea) == {voter.id: 1}
    assert_consistent(idea, 1, 0)
    # Hand value: one up vote -> 1 / (1 + 1.96^2) = 0.2065.
    assert stored(idea)["wilson"] == pytest.approx(0.2065, abs=1e-4)
    assert my_vote(voter, idea) == 1


def test_down_vote_counts_and_ranks(make_user, make_idea):
    idea, voter = make_idea(), make_user()
    tally = cast_vote(voter, idea, -1)
    assert (tally.up, tally.down, tally.my_vote, tally.score) == (0, 1, -1, -1)
    assert vote_rows(idea) == {voter.id: -1}
    assert_consistent(idea, 0, 1)
    assert stored(idea)["wilson"] == 0.0
    assert my_vote(voter, idea) == -1


def test_changing_a_vote_moves_it_without_double_counting(make_user, make_idea):
    idea, voter = make_idea(), make_user()
    cast_vote(voter, idea, 1)
    tally = cast_vote(voter, idea, -1)
    assert (tally.up, tally.down, tally.my_vote) == (0, 1, -1)
    assert vote_rows(idea) == {voter.id: -1}
    assert_consistent(idea, 0, 1)
    tally = cast_vote(voter, idea, 1)
    assert (tally.up, tally.down, tally.my_vote) == (1, 0, 1)
    assert_consistent(idea, 1, 0)


def test_repeating_the_same_vote_changes_nothing(make_user, make_idea):
    idea, voter = make_idea(), make_user()
    cast_vote(voter, idea, 1)
    tally = cast_vote(voter, idea, 1)
    assert (tally.up, tally.down, tally.my_vote) == (1, 0, 1)
    assert_consistent(idea, 1, 0)


@pytest.mark.parametrize("first", [1, -1])
def test_retracting_a_vote_removes_it(make_user, make_idea, first):
    idea, voter = make_idea(), make_user()
    cast_vote(voter, idea, first)
    tally = cast_vote(voter, idea, 0)
    assert (tally.up, tally.down, tally.my_vote) == (0, 0, 0)
    assert vote_rows(idea) == {}
    assert_consistent(idea, 0, 0)
    assert stored(idea)["wilson"] == 0.0
    assert stored(idea)["controversy"] == 0.0
    assert my_vote(voter, idea) == 0


def test_retracting_without_a_vote_is_a_no_op(make_user, make_idea):
    idea, voter, other = make_idea(), make_user(), make_user()
    cast_vote(other, idea, 1)
    tally = cast_vote(voter, idea, 0)
    assert (tally.up, tally.down, tally.my_vote) == (1, 0, 0)
    assert vote_rows(idea) == {other.id: 1}
    assert_consistent(idea, 1, 0)


def test_many_voters_keep_every_column_consistent(make_user, make_idea):
    idea = make_idea()
    voters = [make_user() for _ in range(5)]
    for voter, value in zip(voters, [1, 1, 1, -1, -1], strict=True):
        cast_vote(voter, idea, value)
    assert_consistent(idea, 3, 2)
    # Hand values for 3 up, 2 down: controversy 5 ** (2/3) = 2.92402.
    assert stored(idea)["controversy"] == pytest.approx(2.92402, abs=1e-5)
    cast_vote(voters[3], idea, 1)  # a down vote becomes an up vote
    cast_vote(voters[0], idea, 0)  # an up vote is withdrawn
    assert_consistent(idea, 3, 1)
    assert my_votes(voters[1], [idea]) == {idea.id: 1}
    assert my_votes(voters[0], [idea]) == {}


def test_a_vote_on_counts_that_changed_since_the_idea_was_read_stays_exact(make_user, make_idea):
    """The one-statement path applies only to the counts it read; otherwise SQL adds."""
    idea, earlier, voter = make_idea(), make_user(), make_user()
    assert (idea.up_count, idea.down_count) == (0, 0)  # what this request read
    # Another request's down vote lands behind the loaded idea's back.
    db.session.execute(insert(Vote).values(idea_id=idea.id, user_id=earlier.id, value=-1))
    db.session.execute(
        update(Idea).where(Idea.id == idea.id).values(down_count=1),
        execution_options={"synchronize_session": False},
    )
    assert idea.down_count == 0  # still the stale value in memory
    tally = cast_vote(voter, idea, 1)
    assert (tally.up, tally.down) == (1, 1)
    assert_consistent(idea, 1, 1)
    assert stored(idea)["controversy"] == pytest.approx(2.0)  # 2 ** (1/1), not 0


def test_withdrawing_a_vote_the_loaded_idea_has_not_counted_yet(make_user, make_idea):
    """Read before the member's own vote went in (a second tab), then withdrawn: no error."""
    idea, voter = make_idea(), make_user()
    for _ in range(2):
        cast_vote(make_user(), idea, 1)
    assert (idea.up_count, idea.down_count) == (2, 0)  # read before the down vote below
    db.session.execute(insert(Vote).values(idea_id=idea.id, user_id=voter.id, value=-1))
    db.session.execute(
        update(Idea).where(Idea.id == idea.id).values(down_count=1),
        execution_options={"synchronize_session": False},
    )
    # From the loaded counts, withdrawing the down vote would make 2 up and -1 down.
    tally = cast_vote(voter, idea, 0)
    assert (tally.up, tally.down, tally.my_vote) == (2, 0, 0)
    assert_consistent(idea, 2, 0)


def test_votes_survive_commit_and_a_fresh_session(make_user, make_idea):
    idea, voter = make_idea(), make_user()
    cast_vote(voter, idea, 1)
    db.session.commit()
    idea_id = idea.id
    db.session.expunge_all()
    fresh = db.session.get(Idea, idea_id)
    assert (fresh.up_count, fresh.down_count) == (1, 0)
    assert fresh.wilson == pytest.approx(wilson_lower_bound(1, 0))


def test_cannot_vote_on_own_idea(make_idea, make_user):
    author = make_user()
    idea = make_idea(author=author)
    with pytest.raises(PermissionDenied):
        cast_vote(author, idea, 1)
    assert vote_rows(idea) == {}
    assert_consistent(idea, 0, 0)


@pytest.mark.parametrize("value", [2, -2, 5, "1", None, 1.5])
def test_invalid_vote_value_is_refused(make_user, make_idea, value):
    idea, voter = make_idea(), make_user()
    with pytest.raises(DomainError) as raised:
        cast_vote(voter, idea, value)
    assert not isinstance(raised.value, PermissionDenied)
    assert vote_rows(idea) == {}


def test_merged_idea_takes_no_votes(make_user, make_idea):
    idea, voter = make_idea(), make_user()
    cast_vote(voter, idea, 1)
    idea.stage = Stage.MERGED
    db.session.flush()
    for value in (1, -1, 0):
        with pytest.raises(PermissionDenied):
            cast_vote(voter, idea, value)
    assert_consistent(idea, 1, 0)


def test_deactivated_member_cannot_vote(make_user, make_idea):
    idea, voter = make_idea(), make_user()
    voter.active = False
    db.session.flush()
    with pytest.raises(PermissionDenied):
        cast_vote(voter, idea, 1)


@pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.MERGED])
def test_ideas_take_votes_in_every_stage_but_merged(make_user, make_idea, stage):
    idea, voter = make_idea(), make_user()
    idea.stage = stage
    db.session.flush()
    assert cast_vote(voter, idea, 1).up == 1


def test_one_vote_row_per_member_and_idea(make_user, make_idea):
    idea, voter = make_idea(), make_user()
    cast_vote(voter, idea, 1)
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Vote).values(idea_id=idea.id, user_id=voter.id, value=-1))
    db.session.rollback()


def test_vote_value_is_constrained_to_plus_or_minus_one(make_user, make_idea):
    idea, voter = make_idea(), make_user()
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Vote).values(idea_id=idea.id, user_id=voter.id, value=3))
    db.session.rollback()


# --- post_idea ---------------------------------------------------------------------------


def test_post_idea_creates_a_proposed_idea(make_user):
    author = make_user()
    before = utcnow()
    idea = post_idea(author, "Shared coworking spaces", "Let us **share** desks.", theme())
    assert idea.id is not None
    assert idea.stage is Stage.PROPOSED
    assert idea.author_id == author.id
    assert idea.theme.code == "innovation"
    assert idea.group_id is None
    assert "<strong>share</strong>" in idea.body_html
    assert before <= idea.created_at <= utcnow()
    row = stored(idea)
    assert (row["up_count"], row["down_count"], row["comment_count"]) == (0, 0, 0)
    assert row["hot"] == pytest.approx(hot_score(0, 0, row["created_at"]), abs=1e-6)
    assert row["wilson"] == 0.0


def test_post_idea_records_the_first_history_row(make_user):
    author = make_user()
    idea = post_idea(author, "Shared coworking spaces", "Body.", theme())
    changes = db.session.scalars(select(StageChange).where(StageChange.idea_id == idea.id)).all()
    assert len(changes) == 1
    assert changes[0].from_stage is None
    assert changes[0].to_stage is Stage.PROPOSED
    assert changes[0].actor_id == author.id


def test_post_idea_makes_the_author_follow(make_user):
    author = make_user()
    idea = post_idea(author, "Shared coworking spaces", "Body.", theme())
    assert is_following(author, idea)
    followers = db.session.scalars(select(Follow.user_id).where(Follow.idea_id == idea.id))
    assert list(followers) == [author.id]
    assert stored(idea)["follower_count"] == 1


def test_post_idea_copies_the_authors_department(make_user, make_department):
    first = make_department("Canada Revenue Agency")
    second = make_department("Statistics Canada")
    author = make_user(department=first)
    idea = post_idea(author, "Shared coworking spaces", "Body.", theme())
    assert idea.department_id == first.id
    # Moving department later keeps the idea where it was posted.
    author.department = second
    db.session.flush()
    db.session.expire(idea)
    assert idea.department_id == first.id


def test_post_idea_without_a_department(make_user):
    idea = post_idea(make_user(), "Shared coworking spaces", "Body.", theme())
    assert idea.department_id is None


def test_post_idea_collapses_whitespace_in_the_title(make_user):
    idea = post_idea(make_user(), "  Shared \t coworking\n spaces  ", "Body.", theme())
    assert idea.title == "Shared coworking spaces"


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("Four", "Body.", "title"),
        ("  a   b  ", "Body.", "title"),  # 3 characters once spaces collapse
        ("", "Body.", "title"),
        ("x" * 151, "Body.", "title"),
        ("A good title", "", "body"),
        ("A good title", " \n\t ", "body"),
        ("A good title", "x" * (BODY_MAX + 1), "body"),
    ],
)
def test_post_idea_validates_title_and_body(make_user, title, body, field):
    author = make_user()
    with pytest.raises(DomainError) as raised:
        post_idea(author, title, body, theme())
    assert raised.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0


@pytest.mark.parametrize(("title", "body"), [("Fives", "b"), ("x" * 150, "x" * BODY_MAX)])
def test_post_idea_accepts_the_limits(make_user, title, body):
    idea = post_idea(make_user(), title, body, theme())
    assert idea.title == title
    assert idea.body == body


def test_post_idea_into_a_group_needs_membership(make_user, make_group):
    group = make_group()
    author = make_user()
    with pytest.raises(DomainError) as raised:
        post_idea(author, "Shared coworking spaces", "Body.", theme(), group)
    assert raised.value.field == "group"
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0
    join_group(author, group)
    idea = post_idea(author, "Shared coworking spaces", "Body.", theme(), group)
    assert idea.group_id == group.id


def test_post_idea_sanitises_the_body(make_user):
    body = "Nice <script>alert(1)</script> [x](javascript:alert(2)) **ok**"
    idea = post_idea(make_user(), "Shared coworking spaces", body, theme())
    assert idea.body == body  # the Markdown source is kept as typed
    assert "<script" not in idea.body_html
    assert "javascript:" not in idea.body_html
    assert "<strong>ok</strong>" in idea.body_html


# --- edit_idea ---------------------------------------------------------------------------


def test_author_edits_a_proposed_idea(make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    old_updated = idea.updated_at
    edited = edit_idea(
        author, idea, "  New   title here ", "New *body*", theme("fundamentals"), None
    )
    assert edited is idea
    assert idea.title == "New title here"
    assert idea.body == "New *body*"
    assert "<em>body</em>" in idea.body_html
    assert idea.theme.code == "fundamentals"
    assert idea.updated_at >= old_updated
    db.session.expire(idea)
    assert idea.title == "New title here"


@pytest.mark.parametrize("role", list(Role))
def test_only_the_author_edits(make_user, make_idea, role):
    idea = make_idea()
    other = make_user(role=role)
    with pytest.raises(PermissionDenied):
        edit_idea(other, idea, "Another title", "Body", theme(), None)
    db.session.expire(idea)
    assert idea.title != "Another title"


@pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.PROPOSED])
def test_author_cannot_edit_once_review_started(make_user, make_idea, stage):
    author = make_user()
    idea = make_idea(author=author)
    idea.stage = stage
    db.session.flush()
    with pytest.raises(PermissionDenied):
        edit_idea(author, idea, "Another title", "Body", theme(), None)


def test_edit_idea_validates(make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    with pytest.raises(DomainError) as raised:
        edit_idea(author, idea, "tiny", "Body", theme(), None)
    assert raised.value.field == "title"
    with pytest.raises(DomainError) as raised:
        edit_idea(author, idea, "A good title", "   ", theme(), None)
    assert raised.value.field == "body"


def test_edit_idea_into_a_new_group_needs_membership(make_user, make_idea, make_group):
    author = make_user()
    idea = make_idea(author=author)
    group = make_group()
    with pytest.raises(DomainError) as raised:
        edit_idea(author, idea, "A good title", "Body", theme(), group)
    assert raised.value.field == "group"
    join_group(author, group)
    edit_idea(author, idea, "A good title", "Body", theme(), group)
    assert idea.group_id == group.id


def test_edit_idea_keeps_its_group_after_the_author_left(make_user, make_idea, make_group):
    author = make_user()
    group = make_group()
    join_group(author, group)
    idea = make_idea(author=author, group=group)
    leave_group(author, group)
    edit_idea(author, idea, "A good title", "Body", theme(), group)
    assert idea.group_id == group.id
    edit_idea(author, idea, "A good title", "Body", theme(), None)
    assert idea.group_id is None


# --- post_comment ------------------------------------------------------------------------


def test_post_comment_counts_on_the_idea(make_user, make_idea):
    idea, member = make_idea(), make_user()
    first = post_comment(member, idea, "I like **this**.")
    assert first.idea_id == idea.id
    assert first.author_id == member.id
    assert first.parent_id is None
    assert "<strong>this</strong>" in first.body_html
    assert idea.comment_count == 1
    post_comment(idea.author, idea, "Thanks!")
    assert idea.comment_count == 2
    assert stored(idea)["comment_count"] == 2


def test_reply_attaches_to_a_top_level_comment(make_user, make_idea):
    idea, member = make_idea(), make_user()
    top = post_comment(member, idea, "Top level")
    reply = post_comment(make_user(), idea, "A reply", parent=top)
    assert reply.parent_id == top.id
    # Replying to a reply answers the top-level comment: one level only.
    reply_to_reply = post_comment(make_user(), idea, "A reply to the reply", parent=reply)
    assert reply_to_reply.parent_id == top.id
    assert stored(idea)["comment_count"] == 3
    threads = visible_comments(member, idea)
    assert [(c.id, [r.id for r in replies]) for c, replies in threads] == [
        (top.id, [reply.id, reply_to_reply.id])
    ]


def test_reply_to_a_comment_of_another_idea_is_refused(make_user, make_idea):
    idea, other_idea, member = make_idea(), make_idea(), make_user()
    elsewhere = post_comment(member, other_idea, "On the other idea")
    with pytest.raises(DomainError):
        post_comment(member, idea, "Sneaky reply", parent=elsewhere)
    assert stored(idea)["comment_count"] == 0
    count = db.session.scalar(select(func.count()).where(Comment.idea_id == idea.id))
    assert count == 0


@pytest.mark.parametrize("body", ["", "   \n ", "x" * (COMMENT_MAX + 1)])
def test_post_comment_validates_the_body(make_user, make_idea, body):
    idea = make_idea()
    with pytest.raises(DomainError) as raised:
        post_comment(make_user(), idea, body)
    assert raised.value.field == "body"
    assert stored(idea)["comment_count"] == 0


def test_post_comment_accepts_the_maximum_length(make_user, make_idea):
    idea = make_idea()
    post_comment(make_user(), idea, "x" * COMMENT_MAX)
    assert idea.comment_count == 1


def test_merged_idea_takes_no_comments(make_user, make_idea):
    idea = make_idea()
    idea.stage = Stage.MERGED
    db.session.flush()
    with pytest.raises(PermissionDenied):
        post_comment(make_user(), idea, "Hello")


# --- follow / unfollow -------------------------------------------------------------------


def test_follow_and_unfollow_are_idempotent(make_user, make_idea):
    idea, member = make_idea(), make_user()
    assert idea.follower_count == 1  # the author
    assert follow_idea(member, idea) is True
    assert idea.follower_count == 2
    assert follow_idea(member, idea) is False
    assert idea.follower_count == 2
    assert is_following(member, idea)
    assert unfollow_idea(member, idea) is True
    assert idea.follower_count == 1
    assert unfollow_idea(member, idea) is False
    assert idea.follower_count == 1
    assert not is_following(member, idea)
    assert stored(idea)["follower_count"] == 1


def test_author_can_unfollow_their_own_idea(make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    assert follow_idea(author, idea) is False
    assert unfollow_idea(author, idea) is True
    assert stored(idea)["follower_count"] == 0
    count = db.session.scalar(select(func.count()).where(Follow.idea_id == idea.id))
    assert count == 0


def test_nobody_follows_for_an_anonymous_visitor(make_idea):
    assert is_following(None, make_idea()) is False
    assert is_following(AnonymousUserMixin(), make_idea()) is False


# --- ranked_ideas ------------------------------------------------------------------------


def ranked(sort="top", **filters) -> list[int]:
    return [idea.id for idea in db.session.scalars(ranked_ideas(sort, IdeaFilters(**filters)))]


def test_each_sort_reads_its_own_column(make_idea):
    first, second, third = make_idea(), make_idea(), make_idea()
    now = utcnow()
    columns = {
        # idea: (wilson, hot, created_at, comment_count, controversy)
        first: (0.1, 20.0, now, 5, 9.0),
        second: (0.9, 10.0, now - timedelta(days=1), 9, 1.0),
        third: (0.5, 30.0, now - timedelta(days=2), 1, 4.0),
    }
    for idea, (wilson, hot, created_at, comments, controversy) in columns.items():
        idea.wilson, idea.hot, idea.created_at = wilson, hot, created_at
        idea.comment_count, idea.controversy = comments, controversy
    db.session.flush()
    assert ranked("top") == [second.id, third.id, first.id]
    assert ranked("hot") == [third.id, first.id, second.id]
    assert ranked("new") == [first.id, second.id, third.id]
    assert ranked("discussed") == [second.id, first.id, third.id]
    assert ranked("controversial") == [first.id, third.id, second.id]
    # An unknown sort falls back to the default, "top".
    assert ranked("bogus") == ranked("top")


def test_ties_are_broken_by_newest_id(make_idea):
    ideas = [make_idea() for _ in range(3)]
    for sort in ("top", "discussed", "controversial"):
        assert ranked(sort) == [idea.id for idea in reversed(ideas)]


def test_top_and_controversial_follow_real_votes(make_user, make_idea):
    liked, split, disliked, untouched = make_idea(), make_idea(), make_idea(), make_idea()
    voters = [make_user() for _ in range(4)]
    for voter in voters:
        cast_vote(voter, liked, 1)
        cast_vote(voter, disliked, -1)
    for voter, value in zip(voters, [1, 1, -1, -1], strict=True):
        cast_vote(voter, split, value)
    top = ranked("top")
    assert top[:2] == [liked.id, split.id]
    assert set(top[2:]) == {disliked.id, untouched.id}
    assert ranked("controversial")[0] == split.id


def test_hot_prefers_the_newer_idea_with_the_same_votes(make_user, make_idea):
    newer, older = make_idea(), make_idea()
    # Posted first but dated later: only a hot column recomputed from created_at (not
    # from the time of the vote, nor left from posting) puts it first.
    newer.created_at = utcnow() + timedelta(days=1)
    db.session.flush()
    voter = make_user()
    cast_vote(voter, older, 1)
    cast_vote(voter, newer, 1)
    assert ranked("hot") == [newer.id, older.id]
    assert stored(newer)["hot"] - stored(older)["hot"] == pytest.approx(86_400 / 45_000, abs=0.01)


def test_filter_by_theme(make_idea):
    innovation = make_idea(theme="innovation")
    fundamentals = make_idea(theme="fundamentals")
    assert ranked(theme_id=theme("innovation").id) == [innovation.id]
    assert ranked(theme_id=theme("fundamentals").id) == [fundamentals.id]
    assert set(ranked()) == {innovation.id, fundamentals.id}


def test_filter_by_group(make_user, make_idea, make_group):
    author = make_user()
    group, other_group = make_group(), make_group()
    join_group(author, group)
    in_group = make_idea(author=author, group=group)
    make_idea(author=author)
    assert ranked(group_id=group.id) == [in_group.id]
    assert ranked(group_id=other_group.id) == []


def test_filter_by_department(make_user, make_idea, make_department):
    cra = make_department("Canada Revenue Agency")
    statcan = make_department("Statistics Canada")
    from_cra = make_idea(author=make_user(department=cra))
    from_statcan = make_idea(author=make_user(department=statcan))
    make_idea()
    assert ranked(department_id=cra.id) == [from_cra.id]
    assert ranked(department_id=statcan.id) == [from_statcan.id]


@pytest.mark.parametrize("stage", list(Stage))
def test_filter_by_stage(make_idea, stage):
    proposed, moved = make_idea(), make_idea()
    moved.stage = stage
    db.session.flush()
    if stage is Stage.PROPOSED:
        assert ranked(stage=stage) == [moved.id, proposed.id]
    else:
        assert ranked(stage=stage) == [moved.id]


def test_merged_ideas_are_left_out_unless_asked_for(make_idea):
    kept, merged = make_idea(), make_idea()
    merged.stage = Stage.MERGED
    db.session.flush()
    for sort in ("top", "hot", "new", "discussed", "controversial"):
        assert ranked(sort) == [kept.id]
    assert ranked(stage=Stage.MERGED) == [merged.id]
    assert [idea.id for idea in newest_ideas()] == [kept.id]
    assert [idea.id for idea in hot_this_week()] == [kept.id]


def test_filters_combine(make_user, make_idea, make_department):
    cra = make_department("Canada Revenue Agency")
    author = make_user(department=cra)
    match = make_idea(author=author, theme="fundamentals")
    make_idea(author=author, theme="innovation")
    make_idea(theme="fundamentals")
    assert ranked(theme_id=theme("fundamentals").id, department_id=cra.id) == [match.id]


def test_hot_this_week_leaves_out_older_ideas(make_idea):
    recent, old = make_idea(), make_idea()
    old.created_at = utcnow() - timedelta(days=8)
    db.session.flush()
    assert [idea.id for idea in hot_this_week()] == [recent.id]
    assert len(hot_this_week(limit=0)) == 0


# --- visible_comments --------------------------------------------------------------------


def test_hidden_comments_are_shown_to_staff_only(make_user, make_idea):
    idea, member = make_idea(), make_user()
    shown = post_comment(member, idea, "Fine comment")
    hidden = post_comment(member, idea, "Rude comment")
    shown_reply = post_comment(member, idea, "Fine reply", parent=shown)
    hidden_reply = post_comment(member, idea, "Rude reply", parent=shown)
    hidden.hidden = True
    hidden_reply.hidden = True
    db.session.flush()

    def threads(user):
        return [(c.id, [r.id for r in replies]) for c, replies in visible_comments(user, idea)]

    for viewer in (
        None,
        AnonymousUserMixin(),
        make_user(role=Role.MEMBER),
        make_user(role=Role.EXECUTIVE),
        member,
    ):
        assert threads(viewer) == [(shown.id, [shown_reply.id])]
    for role in (Role.SECRETARIAT, Role.ADMIN):
        assert threads(make_user(role=role)) == [
            (shown.id, [shown_reply.id, hidden_reply.id]),
            (hidden.id, []),
        ]


def test_comments_come_oldest_first(make_user, make_idea):
    idea, member = make_idea(), make_user()
    first = post_comment(member, idea, "First")
    second = post_comment(member, idea, "Second")
    first.created_at, second.created_at = utcnow(), utcnow() - timedelta(hours=1)
    db.session.flush()
    assert [c.id for c, _ in visible_comments(member, idea)] == [second.id, first.id]
