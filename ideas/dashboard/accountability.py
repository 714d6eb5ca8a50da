"""Response accountability: ideas over the response threshold, responded, overdue.

The awaiting and overdue counts are the triage queue's own (ideas.workflow.triage), so the
dashboard and the secretariat's queue never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ideas.board.services import IdeaFilters
from ideas.dashboard.filters import DashboardFilters
from ideas.workflow.triage import response_counts, response_due_days


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
    # The triage queue's own counts (same ideas: visible, never merged, narrowed by the
    # filters), read together with the totals in one query over the ideas past the threshold.
    counts = response_counts(idea_filters(filters), now)
    return Accountability(
        over_threshold=counts.over_threshold,
        responded=counts.responded,
        awaiting=counts.awaiting,
        overdue=counts.overdue,
        due_days=response_due_days(),
    )
