"""Ranked ideas for executives: by Wilson score, hotness or discussion, with filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ideas.board.models import Idea
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.summaries import IdeaSummary, idea_summaries
from ideas.extensions import db
from ideas.timeutil import utcnow
from ideas.workflow.stages import Stage

# Each ranking reads one indexed column of Idea (see ideas.board.models); id breaks ties.
RANKINGS = {
    "wilson": (Idea.wilson, _l("Best rated (Wilson score)")),
    "hot": (Idea.hot, _l("Hot")),
    "discussed": (Idea.comment_count, _l("Most discussed")),
}
DEFAULT_RANKING = "wilson"
RANKED_LIMIT = 10
# Ideas read off the top of the ranking's index before falling back to the whole period:
# with the default filters the top ten of the period are nearly always among them.
RANKED_CANDIDATES = 1000


@dataclass(frozen=True)
class RankedIdea:
    """An idea in the ranking, with its age in whole days."""

    idea: IdeaSummary
    age_days: int


def ranking_label(key: str) -> str:
    """The ranking's name in the active language."""
    return str(RANKINGS[key][1])


def parse_ranking(value: str | None) -> str:
    """A known ranking key, or the default one."""
    return value if value in RANKINGS else DEFAULT_RANKING


def parse_stage(value: str | None) -> Stage | None:
    """A stage from the URL, or None for any; merged duplicates are never ranked."""
    try:
        stage = Stage(value) if value else None
    except ValueError:
        return None
    return None if stage is Stage.MERGED else stage


def ranked_ideas(
    filters: DashboardFilters,
    ranking: str = DEFAULT_RANKING,
    stage: Stage | None = None,
    limit: int = RANKED_LIMIT,
    now: datetime | None = None,
) -> list[RankedIdea]:
    """The top ideas posted in the period, by the ranking, optionally in one stage."""
    column = RANKINGS[parse_ranking(ranking)][0]
    clauses = [Idea.hidden.is_(False), Idea.stage != Stage.MERGED, *filters.idea_clauses()]
    if stage is not None:
        clauses.append(Idea.stage == stage)
    order = (column.desc(), Idea.id.desc())
    # First the best RANKED_CANDIDATES ideas of all, read in index order (a short walk of
    # the ranking's index): the order is total, so if `limit` of them match, they are the
    # top `limit` of the period. Otherwise ask the period itself (few matches, or a period
    # far from the top), which reads every idea in its dates.
    candidates = select(Idea.id).order_by(*order).limit(RANKED_CANDIDATES)
    ids = list(
        db.session.scalars(
            select(Idea.id).where(*clauses, Idea.id.in_(candidates)).order_by(*order).limit(limit)
        )
    )
    if len(ids) < limit:
        ids = list(
            db.session.scalars(select(Idea.id).where(*clauses).order_by(*order).limit(limit))
        )
    now = now or utcnow()
    return [RankedIdea(summary, (now - summary.created_at).days) for summary in idea_summaries(ids)]
