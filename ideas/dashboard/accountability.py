"""Response accountability: ideas over the response threshold, responded, overdue.

The awaiting and overdue counts are the triage queue's own (ideas.workflow.triage), so the
dashboard and the secretariat's queue never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from ideas.board.models import Idea
from ideas.board.services import IdeaFilters, filter_clauses
from ideas.dashboard.filters import DashboardFilters
from ideas.extensions import db
from ideas.workflow.stages import Stage
from ideas.workflow.triage import Bucket, bucket_counts, response_due_days


@dataclass(frozen=True)
class Accountability:
    """Where the ideas owed an official response stand now."""

    over_threshold: int
    responded: int
    awaiting: int
    overdue: int
    due_days: int

    @property
    def responded_percent(self) -> float | None:
        """Responded ideas as a percentage of those over the threshold."""
        if not self.over_threshold:
            return None
        return 100.0 * self.responded / self.over_threshold


def idea_filters(filters: DashboardFilters) -> IdeaFilters:
    """The board's filters for the same department, theme and group."""
    return IdeaFilters(
        theme_id=filters.theme_id, group_id=filters.group_id, department_id=filters.department_id
    )


def accountability(filters: DashboardFilters, now: datetime | None = None) -> Accountability:
    """The current state of responses; the period does not apply, the other filters do."""
    board_filters = idea_filters(filters)
    # Same ideas as the triage queue: visible, never merged, narrowed by the filters.
    clauses = [*filter_clauses(board_filters), Idea.stage != Stage.MERGED]
    over = Idea.threshold_reached_at.is_not(None)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((over, 1), else_=0)), 0),
            func.coalesce(func.sum(case(((over & Idea.responded_at.is_not(None)), 1), else_=0)), 0),
        ).where(*clauses)
    ).one()
    buckets = bucket_counts(board_filters, now)
    return Accountability(
        over_threshold=int(row[0]),
        responded=int(row[1]),
        awaiting=buckets[Bucket.AWAITING],
        overdue=buckets[Bucket.OVERDUE],
        due_days=response_due_days(),
    )
