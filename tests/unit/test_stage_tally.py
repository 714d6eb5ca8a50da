"""The stage tally: the database's triggers keep it equal to a live count through every write."""

import pytest
from sqlalchemy import delete, func, select, update

from ideas.accounts.models import Role
from ideas.board.models import Idea
from ideas.board.services import IdeaFilters, cast_vote
from ideas.extensions import db
from ideas.workflow.models import StageTally
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from ideas.workflow.triage import new_count

pytestmark = pytest.mark.usefixtures("ctx")
RATIONALE = "Reviewed together at the weekly triage meeting."


def live() -> dict[tuple[Stage, bool], int]:
    """(stage, hidden) → ideas, counted from the idea table."""
    rows = db.session.execute(
        select(Idea.stage, Idea.hidden, func.count()).group_by(Idea.stage, Idea.hidden)
    )
    return {(stage, hidden): count for stage, hidden, count in rows}


def tally() -> dict[tuple[Stage, bool], int]:
    """(stage, hidden) → ideas, as the tally holds them (rows at zero left out)."""
    rows = db.session.execute(
        select(StageTally.stage, StageTally.hidden, StageTally.ideas).where(StageTally.ideas != 0)
    )
    return {(stage, hidden): count for stage, hidden, count in rows}


def test_posting_moving_hiding_and_deleting_keep_the_tally_exact(make_idea, make_user):
    staff = make_user(role=Role.SECRETARIAT)
    first, second, third = make_idea(), make_idea(), make_idea()
    assert tally() == live() == {(Stage.PROPOSED, False): 3}

    move_stage(first, Stage.UNDER_REVIEW, staff, RATIONALE)
    db.session.commit()
    assert tally() == live() == {(Stage.PROPOSED, False): 2, (Stage.UNDER_REVIEW, False): 1}

    # Moderation and merges write through bulk UPDATEs the session never sees as rows.
    db.session.execute(update(Idea).where(Idea.id == second.id).values(hidden=True))
    db.session.execute(update(Idea).where(Idea.id == first.id).values(stage=Stage.MERGED))
    db.session.commit()
    expected = {(Stage.PROPOSED, False): 1, (Stage.PROPOSED, True): 1, (Stage.MERGED, False): 1}
    assert tally() == live() == expected

    db.session.delete(third)
    db.session.execute(delete(Idea).where(Idea.id == second.id))
    db.session.commit()
    assert tally() == live() == {(Stage.MERGED, False): 1}


def test_a_rolled_back_move_leaves_the_tally_as_it_was(make_idea):
    idea = make_idea()
    idea.stage = Stage.DECLINED
    db.session.flush()
    assert tally() == {(Stage.DECLINED, False): 1}  # the trigger ran in this transaction
    db.session.rollback()
    assert tally() == live() == {(Stage.PROPOSED, False): 1}


def test_votes_and_edits_leave_the_tally_alone(make_idea, make_user):
    idea = make_idea()
    cast_vote(make_user(), idea, 1)
    idea.title = "A title changed by its author"
    idea.stage = Stage.PROPOSED  # set to what it was: no move, no count
    db.session.commit()
    assert tally() == live() == {(Stage.PROPOSED, False): 1}


def test_the_unfiltered_queue_counts_from_the_tally(make_idea, make_user, make_department):
    revenue = make_department("Revenue")
    make_idea(), make_idea(), make_idea(author=make_user(department=revenue))
    hidden = make_idea()
    hidden.hidden = True
    db.session.commit()
    assert new_count(IdeaFilters()) == 3
    assert new_count(IdeaFilters(department_id=revenue.id)) == 1
    # A tally that disagreed with the rows would show here: the unfiltered count is its row.
    db.session.execute(
        update(StageTally)
        .where(StageTally.stage == Stage.PROPOSED, StageTally.hidden.is_(False))
        .values(ideas=StageTally.ideas + 40)
    )
    assert new_count(IdeaFilters()) == 43
    assert new_count(IdeaFilters(department_id=revenue.id)) == 1
