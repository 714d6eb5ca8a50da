"""`flask dashboard refresh`: rolls up past days and hours, reports them, is safe to run again."""

from datetime import timedelta

from sqlalchemy import func, select

from ideas.board.models import Idea
from ideas.dashboard import rollup
from ideas.dashboard.models import DashboardDay, DashboardRollupState
from ideas.extensions import db
from ideas.timeutil import utcnow


def _rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DashboardDay))


def test_refresh_command_rolls_up_and_is_idempotent(app, make_idea, monkeypatch):
    now = utcnow()
    # The command's clock stands still, so the test never straddles an hour.
    monkeypatch.setattr(rollup, "utcnow", lambda: now)
    idea = make_idea()
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        posted = now - timedelta(days=3)
        row.created_at = posted  # posted three days ago
        db.session.commit()
        # Every day from then, today's finished hours included.
        until = rollup.rollable_until(now)
        days = (rollup.last_rolled_day(until) - posted.date()).days + 1
    runner = app.test_cli_runner()

    first = runner.invoke(args=["dashboard", "refresh"])
    assert first.exit_code == 0, first.output
    assert f"Rolled up {days} day(s)" in first.output
    rows = _rows(app)
    assert rows == 2  # that day: all ideas and the idea's theme (no department, no group)
    with app.app_context():
        state = db.session.get(DashboardRollupState, 1)
        assert state.rolled_until == until

    again = runner.invoke(args=["dashboard", "refresh", "--quiet"])
    assert again.exit_code == 0, again.output
    assert "Rolled up 0 day(s)" in again.output
    assert _rows(app) == rows

    full = runner.invoke(args=["dashboard", "refresh", "--full"])
    assert full.exit_code == 0, full.output
    assert f"Rolled up {days} day(s)" in full.output
    assert _rows(app) == rows
