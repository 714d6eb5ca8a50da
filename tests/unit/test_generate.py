"""The benchmark data generator writes what the application would: counters, ranks, HTML."""

from sqlalchemy import func, select

from bench.generate import bench_app, check, generate
from ideas.accounts.services import authenticate
from ideas.board.models import Comment, Idea, Theme, Vote
from ideas.board.services import cast_vote, post_idea
from ideas.extensions import db
from ideas.search.index import query
from tests.conftest import scratch_database


def test_generated_rows_agree_with_recomputation(tmp_path):
    """A small set: right sizes, no counter mismatch, and the app keeps working on it."""
    with scratch_database(tmp_path, "ideas_generate") as url:
        app = bench_app(url, str(tmp_path / "index"), instance=str(tmp_path / "instance"))
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        summary = generate(app, 60, seed=3, search=True, log=lambda _m: None)
        assert summary["counts"]["votes"] == 1200
        assert summary["counts"]["comments"] == 300
        with app.app_context():
            assert check(db.session, app.config["RESPONSE_THRESHOLD_VOTES"]) == []
            assert db.session.scalar(select(func.count()).select_from(Vote)) == 1200
            # The long tail: the most voted idea has many times the median's votes.
            counts = sorted(db.session.scalars(select(Idea.up_count + Idea.down_count)))
            assert counts[-1] >= 4 * max(1, counts[len(counts) // 2])
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
            # The search index covers the generated ideas.
            some = db.session.scalar(
                select(Idea).where(Idea.hidden.is_(False), Idea.language == "en").limit(1)
            )
            assert db.session.scalar(select(func.count()).select_from(Comment)) == 300
            # The title's longest word: never a stop word.
            assert query(max(some.title.split(), key=len)).total >= 1
            db.engine.dispose()
