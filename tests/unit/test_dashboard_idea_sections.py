"""The idea-table sections' faster query shapes give the answers the plain definitions give.

Reached counts skip the proposed rows, medians leave never-moved ideas out of LEAD(),
stuck ideas come from one short read per stage, rankings start from the top of the
ranking's index, and the response counts read only ideas past the threshold: each test
builds the histories where those shortcuts could go wrong and checks the hand-worked answer.
"""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from ideas.accounts.models import User
from ideas.board.models import Idea, Theme
from ideas.board.services import IdeaFilters
from ideas.dashboard import rankings
from ideas.dashboard.accountability import accountability
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.funnel import build_funnel, median_days_per_stage, reached_counts
from ideas.dashboard.rankings import ranked_ideas
from ideas.extensions import db
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage
from ideas.workflow.triage import Bucket, bucket_counts

S = Stage
NOW = datetime(2026, 3, 31, 12, 0)
PERIOD = DashboardFilters(start=date(2026, 3, 1), end=date(2026, 3, 30))


def at(day, hour=0):
    """A naive UTC datetime in March 2026."""
    return datetime(2026, 3, day, hour)


@pytest.fixture
def author(ctx):
    """The author of every idea here."""
    user = User(email="a@example.gc.ca", display_name="a", password_hash="x")
    db.session.add(user)
    db.session.flush()
    return user


def idea(author, created, history, **extra):
    """An idea whose stage and stage date follow its history (a list of (stage, when))."""
    theme = db.session.scalar(select(Theme).order_by(Theme.id).limit(1))
    row = Idea(
        title=f"Idea {created:%d %H}",
        body="Body.",
        body_html="<p>Body.</p>",
        author_id=author.id,
        theme_id=theme.id,
        stage=history[-1][0] if history else S.PROPOSED,
        stage_changed_at=history[-1][1] if history else created,
        created_at=created,
        updated_at=created,
        **extra,
    )
    db.session.add(row)
    db.session.flush()
    previous = None
    for to_stage, when in history:
        db.session.add(
            StageChange(idea_id=row.id, from_stage=previous, to_stage=to_stage, created_at=when)
        )
        previous = to_stage
    db.session.flush()
    return row


def test_reached_and_medians_with_side_exits_returns_and_no_history(author):
    # Declined straight away: its only other row ranks nowhere, so it reached proposed only.
    idea(author, at(2), [(S.PROPOSED, at(2)), (S.DECLINED, at(5))])
    # Put on hold and back to proposed, then reviewed: proposed stays of 1 and 2 days,
    # on hold 3 days; reached under review.
    idea(
        author,
        at(3),
        [(S.PROPOSED, at(3)), (S.ON_HOLD, at(4)), (S.PROPOSED, at(7)), (S.UNDER_REVIEW, at(9))],
    )
    # Never moved, and no history at all (imported): both count as proposed, no stay.
    idea(author, at(4), [(S.PROPOSED, at(4))])
    idea(author, at(5), [])
    # Proposed stays: 3 (declined one), 1 and 2 -> median 2; on hold: 3.
    assert reached_counts(PERIOD) == {
        S.PROPOSED: 4, S.UNDER_REVIEW: 1, S.ASSESSED: 0, S.PILOTED: 0, S.IMPLEMENTED: 0
    }  # fmt: skip
    medians = median_days_per_stage(PERIOD)
    assert medians == {S.PROPOSED: pytest.approx(2.0), S.ON_HOLD: pytest.approx(3.0)}
    funnel = build_funnel(PERIOD, NOW)
    assert funnel.exits == {S.DECLINED: 1, S.ON_HOLD: 0, S.MERGED: 0}
    assert [step.reached for step in funnel.steps] == [4, 1, 0, 0, 0]


def test_median_of_an_even_count_with_equal_times(author):
    # Two moves at the same instant: ordered by id, the first stay lasts zero days.
    idea(author, at(2), [(S.PROPOSED, at(2)), (S.UNDER_REVIEW, at(2)), (S.DECLINED, at(6))])
    idea(author, at(3), [(S.PROPOSED, at(3)), (S.UNDER_REVIEW, at(4, 12))])
    # Proposed stays 0 and 1.5 -> 0.75; under review 4 (the other is still open).
    medians = median_days_per_stage(PERIOD)
    assert medians[S.PROPOSED] == pytest.approx(0.75)
    assert medians[S.UNDER_REVIEW] == pytest.approx(4.0)


def test_stuck_ideas_oldest_first_across_stages(app, author):
    app.config["DASHBOARD_STUCK_DAYS"] = 10
    waiting = [
        idea(author, at(1), [(S.PROPOSED, at(1)), (S.UNDER_REVIEW, at(3))]),
        idea(author, at(2), [(S.PROPOSED, at(2))]),
        idea(author, at(1), [(S.PROPOSED, at(1)), (S.ASSESSED, at(2, 6))]),
        idea(author, at(4), [(S.PROPOSED, at(4))]),
    ]
    idea(author, at(1), [(S.PROPOSED, at(1))], hidden=True)  # hidden: never listed
    idea(author, at(25), [(S.PROPOSED, at(25))])  # waiting 6 days: not stuck
    funnel = build_funnel(PERIOD, NOW)
    assert funnel.stuck == {S.PROPOSED: 2, S.UNDER_REVIEW: 1, S.ASSESSED: 1, S.PILOTED: 0}
    # Oldest stage change first, whatever the stage: 2nd, 2nd at 6:00, 3rd, 4th.
    expected = [waiting[1].id, waiting[2].id, waiting[0].id, waiting[3].id]
    assert [summary.id for summary in funnel.stuck_ideas] == expected
    assert funnel.stuck_ideas[0].stage is S.PROPOSED


def test_rankings_are_the_same_from_the_candidates_or_the_whole_period(author, monkeypatch):
    ideas = [
        idea(author, at(day), [(S.PROPOSED, at(day))], wilson=day / 100, comment_count=day % 4)
        for day in range(1, 16)
    ]
    # The best-rated idea of all is outside the period: candidates must not stop at it.
    idea(author, datetime(2026, 2, 20), [(S.PROPOSED, datetime(2026, 2, 20))], wilson=0.99)
    expected = [row.id for row in sorted(ideas, key=lambda row: (-row.wilson, -row.id))][:10]

    def top(limit=10, **kwargs):
        return [r.idea.id for r in ranked_ideas(PERIOD, limit=limit, now=NOW, **kwargs)]

    assert top() == expected
    for candidates in (1, 3, 12):  # too few candidates: the period itself answers
        monkeypatch.setattr(rankings, "RANKED_CANDIDATES", candidates)
        assert top() == expected
        discussed = sorted(ideas, key=lambda row: (-row.comment_count, -row.id))
        assert top(ranking="discussed") == [row.id for row in discussed][:10]
        assert top(stage=S.UNDER_REVIEW) == []
    summary = ranked_ideas(PERIOD, now=NOW)[0]
    assert (summary.idea.title, summary.idea.stage, summary.age_days) == (
        "Idea 15 00",
        S.PROPOSED,
        16,
    )
    assert summary.idea.department is None


def test_accountability_and_triage_buckets_agree(app, author):
    app.config["RESPONSE_DUE_DAYS"] = 30
    # Awaiting (due in April), overdue (due 25 March), responded, merged and hidden ones.
    idea(author, at(1), [(S.PROPOSED, at(1))], threshold_reached_at=at(10))
    idea(author, datetime(2026, 2, 1), [], threshold_reached_at=datetime(2026, 2, 23))
    idea(author, at(1), [(S.PROPOSED, at(1))], threshold_reached_at=at(2), responded_at=at(3))
    idea(author, at(1), [(S.PROPOSED, at(1)), (S.MERGED, at(2))], threshold_reached_at=at(2))
    idea(author, at(1), [(S.PROPOSED, at(1))], threshold_reached_at=at(2), hidden=True)
    idea(author, at(1), [(S.PROPOSED, at(1)), (S.UNDER_REVIEW, at(2))])
    state = accountability(PERIOD, NOW)
    assert (state.over_threshold, state.responded, state.awaiting, state.overdue) == (3, 1, 1, 1)
    # The queue: proposed, visible, never merged -> the first three; same response buckets.
    assert bucket_counts(IdeaFilters(), NOW) == {
        Bucket.NEW: 3, Bucket.AWAITING: 1, Bucket.OVERDUE: 1
    }  # fmt: skip
