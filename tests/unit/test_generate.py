"""The benchmark data generator writes what the application would: counters, ranks, HTML."""

import random

from sqlalchemy import func, inspect, select, update

from bench import generate as generate_module
from bench.generate import bench_app, check, generate
from ideas.accounts.services import authenticate
from ideas.board.models import Comment, Idea, Theme, Vote
from ideas.board.services import cast_vote, post_idea
from ideas.extensions import db
from ideas.search.index import query
from ideas.workflow.models import StageTally
from ideas.workflow.stages import Stage
from tests.conftest import scratch_database


def test_generated_rows_agree_with_recomputation(tmp_path):
    """A small set: right sizes, no counter mismatch, and the app keeps working on it."""
    with scratch_database(tmp_path, "ideas_generate") as url:
        app = bench_app(url, str(tmp_path / "index"), instance=str(tmp_path / "instance"))
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            migrated = _schema(db.engine)
        summary = generate(app, 60, seed=3, search=True, log=lambda _m: None)
        assert summary["counts"]["votes"] == 1200
        assert summary["counts"]["comments"] == 300
        with app.app_context():
            # The indexes and foreign keys dropped for the load are all back, as migrated.
            assert _schema(db.engine) == migrated
            assert check(db.session, app.config["RESPONSE_THRESHOLD_VOTES"]) == []
            assert db.session.scalar(select(func.count()).select_from(Vote)) == 1200
            # Votes are spread unevenly (the long tail itself is checked at scale below: at
            # 60 ideas the cap of three times the mean flattens it, by chance of the draw).
            counts = sorted(db.session.scalars(select(Idea.up_count + Idea.down_count)))
            assert counts[-1] > 2 * max(1, counts[len(counts) // 2])
            # Ids continue after the generated ones (PostgreSQL sequences were moved on).
            user = authenticate("user100@example.gc.ca", "bench-password-123")
            assert user is not None
            theme = db.session.scalar(select(Theme))
            idea = post_idea(user, "A new idea after the bulk load", "Some text.", theme)
            voter = authenticate("user101@example.gc.ca", "bench-password-123")
            cast_vote(voter, idea, 1)
            db.session.commit()
            assert idea.id == 61
            assert check(db.session, app.config["RESPONSE_THRESHOLD_VOTES"]) == []
            # The check compares the stage tally with the ideas too.
            db.session.execute(
                update(StageTally)
                .where(StageTally.stage == Stage.PROPOSED, StageTally.hidden.is_(False))
                .values(ideas=StageTally.ideas + 1)
            )
            problems = check(db.session, app.config["RESPONSE_THRESHOLD_VOTES"])
            assert [p for p in problems if p.startswith("stage tally proposed")] == problems
            assert len(problems) == 1
            db.session.rollback()
            # The search index covers the generated ideas.
            some = db.session.scalar(
                select(Idea).where(Idea.hidden.is_(False), Idea.language == "en").limit(1)
            )
            assert db.session.scalar(select(func.count()).select_from(Comment)) == 300
            # The title's longest word: never a stop word.
            assert query(max(some.title.split(), key=len)).total >= 1
            db.engine.dispose()


def test_votes_follow_a_long_tail_at_scale():
    """At 10,000 ideas a few ideas take thousands of votes and the median a handful."""
    rng = random.Random(1)
    popularity = [rng.paretovariate(1.3) for _ in range(10_000)]
    counts = sorted(generate_module._spread_counts(rng, popularity, 200_000, 30_000))
    assert sum(counts) == 200_000
    assert counts[-1] <= 30_000
    assert counts[-1] >= 50 * counts[len(counts) // 2]


def _schema(engine) -> dict:
    """Every table's indexes and foreign keys, as the database reports them."""
    inspector = inspect(engine)
    schema = {}
    for table in inspector.get_table_names():
        indexes = [
            (i["name"], i["column_names"], i["unique"]) for i in inspector.get_indexes(table)
        ]
        keys = [
            (k["name"], k["constrained_columns"], k["referred_table"], k.get("options"))
            for k in inspector.get_foreign_keys(table)
        ]
        schema[table] = (sorted(map(repr, indexes)), sorted(map(repr, keys)))
    return schema
