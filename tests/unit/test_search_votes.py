"""Votes reach the search index in batches, within SEARCH_VOTES_LAG; content at once."""

import time

import pytest
from sqlalchemy import func, inspect, select

from ideas.accounts.models import User
from ideas.board.models import Idea, Vote
from ideas.board.services import cast_vote, idea_to_vote_on, post_comment
from ideas.extensions import db
from ideas.search import index as search

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture
def lagging(app, monkeypatch):
    """A one-minute lag and flush interval, and a queue a writer took just now."""
    monkeypatch.setitem(app.config, "SEARCH_VOTES_LAG", 60.0)
    monkeypatch.setitem(app.config, "SEARCH_VOTES_FLUSH_SECONDS", 60.0)
    store = search._store()
    store.mark_taken()
    return store


def nobody_took_the_queue_for(store, seconds: float) -> None:
    store.mark_taken(at=time.time() - seconds)


def vote(voter, idea, value=1):
    cast_vote(db.session.get(User, voter.id), db.session.get(Idea, idea.id), value)
    db.session.commit()


def voted_first(text: str) -> str:
    return search.query(text, sort="votes").results[0].idea.title


def test_a_vote_is_queued_not_written_while_the_lag_has_not_passed(make_idea, make_user, lagging):
    quiet = make_idea(title="Carpool board quiet")
    loud = make_idea(title="Carpool board loud")
    vote(make_user(), loud)
    assert search._store().peek_pending() == {loud.id}
    report = search.check()
    assert (report.stale, report.pending, report.ok) == ([], 1, False)  # queued, not lost
    # Within the lag, a votes-sorted search leaves the queue alone (it may show the old order).
    assert {r.idea.id for r in search.query("carpool", sort="votes").results} == {quiet.id, loud.id}
    assert search._store().peek_pending() == {loud.id}


def test_a_votes_sorted_search_applies_votes_older_than_the_lag(make_idea, make_user, lagging):
    make_idea(title="Carpool board quiet")
    loud = make_idea(title="Carpool board loud")
    vote(make_user(), loud)
    nobody_took_the_queue_for(lagging, 61)  # the lag has passed since the last take
    assert voted_first("carpool") == loud.title
    assert search._store().peek_pending() == set()
    assert search.check().ok


def test_a_content_change_writes_the_queued_votes_too(make_idea, make_user, lagging):
    other = make_idea(title="Shuttle bus between campuses")
    loud = make_idea(title="Carpool board loud")
    vote(make_user(), loud)
    commenter = db.session.get(User, make_user().id)
    nobody_took_the_queue_for(lagging, 61)  # no sync process drains the queue
    post_comment(commenter, db.session.get(Idea, other.id), "Yes, every hour please.")
    db.session.commit()
    # The comment is indexed at once, and the writer takes the queue with it.
    assert search.query("hour").results[0].idea.id == other.id
    assert search._store().peek_pending() == set()
    assert search.check().ok


def test_a_content_change_leaves_the_queue_to_a_writer_that_took_it_within_the_lag(
    make_idea, make_user, lagging
):
    other = make_idea(title="Shuttle bus between campuses")
    loud = make_idea(title="Carpool board loud")
    vote(make_user(), loud)
    commenter = db.session.get(User, make_user().id)
    # The lagging fixture stands for `flask search sync --every`, which took it just now.
    post_comment(commenter, db.session.get(Idea, other.id), "Yes, every hour please.")
    db.session.commit()
    assert search.query("hour").results[0].idea.id == other.id
    assert search._store().peek_pending() == {loud.id}


def test_search_sync_applies_the_queue(make_idea, make_user, lagging, app):
    loud = make_idea(title="Carpool board loud")
    vote(make_user(), loud)
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0 and "1 queued idea(s) applied" in result.output
    assert search.check().ok


def test_the_first_vote_after_the_flush_interval_applies_the_queue(make_idea, make_user, lagging):
    first, second = make_idea(title="Bike racks"), make_idea(title="Bike lockers")
    vote(make_user(), first)
    assert search._store().peek_pending() == {first.id}
    nobody_took_the_queue_for(lagging, 61)
    vote(make_user(), second)
    assert search._store().peek_pending() == set()
    assert search.check().ok


def test_an_unchanged_vote_queues_nothing(make_idea, make_user, lagging):
    idea, voter = make_idea(title="Standing desks"), make_user()
    vote(voter, idea, 1)
    search.flush_pending()
    vote(voter, idea, 1)  # the same vote again changes no count
    assert search._store().peek_pending() == set()


def test_new_changed_and_withdrawn_votes_keep_one_row_and_exact_counts(make_idea, make_user):
    idea, voter = make_idea(title="Quiet floors"), make_user()
    for value, counts in ((1, (1, 0)), (1, (1, 0)), (-1, (0, 1)), (0, (0, 0)), (0, (0, 0))):
        vote(voter, idea, value)
        row = db.session.get(Idea, idea.id)
        db.session.refresh(row)
        assert (row.up_count, row.down_count) == counts
        rows = db.session.scalar(
            select(func.count()).select_from(Vote).where(Vote.idea_id == idea.id)
        )
        assert rows == (1 if value else 0)


def test_the_idea_to_vote_on_loads_neither_joins_nor_description(make_idea):
    idea_id = make_idea(title="Lean idea load").id
    db.session.expunge_all()
    loaded = idea_to_vote_on(idea_id)
    state = inspect(loaded)
    assert {"body", "body_html", "author", "theme"} <= state.unloaded
    assert idea_to_vote_on(idea_id + 1000) is None


def test_taking_part_of_the_queue_takes_the_oldest_and_keeps_the_rest_in_order():
    store = search._store()
    store.queue_pending([30, 10])
    store.queue_pending([20, 10, 40])  # 10 is queued already: it keeps its place
    assert store.take_pending(2) == {10, 30}
    assert store.take_pending(1) == {20}
    store.queue_pending([5])
    assert store.take_pending() == {40, 5}
    assert store.peek_pending() == set()


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(search, "QUEUE_BATCH", 2)


def test_a_content_change_takes_one_batch_of_a_long_queue(
    make_idea, make_user, lagging, small_batches
):
    other = make_idea(title="Shuttle bus between campuses")
    voted = [make_idea(title=f"Carpool board {n}") for n in range(5)]
    voters = [make_user() for _ in voted]
    for voter, idea in zip(voters, voted, strict=True):
        vote(voter, idea)
    commenter = db.session.get(User, make_user().id)
    nobody_took_the_queue_for(lagging, 61)
    post_comment(commenter, db.session.get(Idea, other.id), "Hourly.")
    db.session.commit()
    # The member's comment paid for two queued ideas, not five; the oldest went first.
    assert search._store().peek_pending() == {voted[2].id, voted[3].id, voted[4].id}
    assert search.query("hourly").results[0].idea.id == other.id


def test_a_flush_applies_a_long_queue_batch_by_batch(make_idea, make_user, lagging, small_batches):
    voted = [make_idea(title=f"Carpool board {n}") for n in range(5)]
    voters = [make_user() for _ in voted]
    for voter, idea in zip(voters, voted, strict=True):
        vote(voter, idea)
    assert search.flush_pending(limit=3) == 3  # a request's share: it stops there
    assert search._store().peek_pending() == {voted[3].id, voted[4].id}
    assert search.flush_pending() == 2
    assert search.check().ok
    assert time.time() - search._store().taken_at() < 5  # every process now knows
