"""Key figures: participants, ideas, comments, votes and implemented ideas.

Each figure is counted for the chosen period, for the previous period of the same length
(to show the change) and in total. Hidden ideas and hidden comments never count;
merged duplicates do, because they were posted.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union

from ideas.board.models import Comment, Idea, Vote
from ideas.dashboard import rollup
from ideas.dashboard.filters import DashboardFilters
from ideas.extensions import db
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage

FIGURE_LABELS = {
    "participants": _l("Participants"),
    "ideas": _l("Ideas posted"),
    "comments": _l("Comments"),
    "votes": _l("Votes"),
    "implemented": _l("Ideas implemented"),
}
FIGURE_KEYS = tuple(FIGURE_LABELS)


@dataclass(frozen=True)
class Figure:
    """One key figure: this period, the previous period of the same length, and in total."""

    key: str
    current: int
    previous: int
    total: int

    @property
    def label(self) -> str:
        """The figure's name in the active language."""
        return str(FIGURE_LABELS[self.key])

    @property
    def change(self) -> int:
        """The current period minus the previous one."""
        return self.current - self.previous

    @property
    def change_percent(self) -> float | None:
        """The change as a percentage of the previous period; None when that was zero."""
        if self.previous == 0:
            return None
        return 100.0 * self.change / self.previous


def participant_ids(filters: DashboardFilters):
    """A selectable of distinct user ids (column `user_id`) who posted, commented or voted."""
    scope = [Idea.hidden.is_(False), *filters.scope_clauses()]
    posted = select(Idea.author_id.label("user_id")).where(
        *scope, *filters.datetime_clauses(Idea.created_at), Idea.author_id.is_not(None)
    )
    commented = (
        select(Comment.author_id.label("user_id"))
        .join(Idea, Idea.id == Comment.idea_id)
        .where(
            *scope,
            Comment.hidden.is_(False),
            Comment.author_id.is_not(None),
            *filters.datetime_clauses(Comment.created_at),
        )
    )
    voted = (
        select(Vote.user_id.label("user_id"))
        .join(Idea, Idea.id == Vote.idea_id)
        .where(*scope, *filters.datetime_clauses(Vote.created_at))
    )
    # UNION (not UNION ALL) removes duplicates: each person counts once.
    return union(posted, commented, voted).subquery("participant")


def _count_queries(filters: DashboardFilters) -> dict:
    """One scalar subquery per figure, for one period (or all time when it has no dates)."""
    scope = [Idea.hidden.is_(False), *filters.scope_clauses()]
    participants = participant_ids(filters)
    return {
        "participants": select(func.count()).select_from(participants),
        # count(*), not count(id): PostgreSQL can then answer from the covering index alone.
        "ideas": select(func.count())
        .select_from(Idea)
        .where(*scope, *filters.datetime_clauses(Idea.created_at)),
        "comments": select(func.count(Comment.id))
        .join(Idea, Idea.id == Comment.idea_id)
        .where(*scope, Comment.hidden.is_(False), *filters.datetime_clauses(Comment.created_at)),
        "votes": select(func.count())
        .select_from(Vote)
        .join(Idea, Idea.id == Vote.idea_id)
        .where(*scope, *filters.datetime_clauses(Vote.created_at)),
        # An idea counts once in a period, however often it reached "implemented" in it.
        "implemented": select(func.count(func.distinct(StageChange.idea_id)))
        .join(Idea, Idea.id == StageChange.idea_id)
        .where(
            *scope,
            StageChange.to_stage == Stage.IMPLEMENTED,
            *filters.datetime_clauses(StageChange.created_at),
        ),
    }


def _total_queries(filters: DashboardFilters) -> dict:
    """All-time counts, with votes and comments read from the ideas' own counters.

    Idea.up_count, down_count and comment_count are kept in the same transaction as every
    vote and every (un)hidden comment, so summing them over 100,000 ideas gives the same
    answer as counting 2,000,000 votes, far faster.
    """
    queries = _count_queries(filters)
    scope = [Idea.hidden.is_(False), *filters.scope_clauses()]
    queries["comments"] = select(func.coalesce(func.sum(Idea.comment_count), 0)).where(*scope)
    queries["votes"] = select(func.coalesce(func.sum(Idea.up_count + Idea.down_count), 0)).where(
        *scope
    )
    return queries


def count_figures(filters: DashboardFilters) -> dict[str, int]:
    """Every figure for the filters' period (all time when it has no dates).

    With the roll-up (ideas/dashboard/rollup.py) every figure but ideas implemented comes
    from it, for a period and in total alike: summing its day rows is cheaper than even one
    pass over 100,000 idea rows. Without it, one statement counts them all live.
    """
    all_time = filters.start is None and filters.end is None
    queries = _total_queries(filters) if all_time else _count_queries(filters)
    from_rollup = rollup.usable(filters)
    if from_rollup:
        queries = {"implemented": queries["implemented"]}
    row = db.session.execute(
        select(*(query.scalar_subquery().label(key) for key, query in queries.items()))
    ).one()
    counts = {key: int(row._mapping[key] or 0) for key in queries}
    if from_rollup:
        activity = rollup.period_activity(filters)
        counts["participants"] = len(activity.participants)
        counts["ideas"] = activity.ideas
        counts["comments"] = activity.comments
        counts["votes"] = activity.votes
    return {key: counts[key] for key in FIGURE_KEYS}


def key_figures(filters: DashboardFilters) -> list[Figure]:
    """The key figures for the period (both dates set), the previous period and in total."""
    current = count_figures(filters)
    previous = count_figures(filters.previous())
    total = count_figures(filters.without_period())
    return [Figure(key, current[key], previous[key], total[key]) for key in FIGURE_KEYS]
