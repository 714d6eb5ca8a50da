"""Participation per department: people, ideas and implemented ideas, absolute and per head.

People count in the department of their account; ideas count in the department copied
onto them when posted. Rates per head appear only where a headcount is configured.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyroaring import BitMap
from sqlalchemy import func, select

from ideas.accounts.models import Department, User
from ideas.board.models import Idea
from ideas.dashboard import rollup
from ideas.dashboard.figures import participant_ids
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.summaries import DepartmentSummary
from ideas.extensions import db
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage


@dataclass(frozen=True)
class DepartmentRow:
    """One department's figures for the period."""

    department: DepartmentSummary | None  # None: people and ideas with no department
    participants: int
    ideas: int
    implemented: int

    @property
    def headcount(self) -> int | None:
        """Staff in the department, where configured."""
        return self.department.headcount if self.department is not None else None

    @property
    def participation_rate(self) -> float | None:
        """Participants as a percentage of the headcount; None without a headcount."""
        if not self.headcount:
            return None
        return 100.0 * self.participants / self.headcount

    @property
    def ideas_per_thousand(self) -> float | None:
        """Ideas posted per 1,000 staff; None without a headcount."""
        if not self.headcount:
            return None
        return 1000.0 * self.ideas / self.headcount


def _grouped(query) -> dict[int | None, int]:
    return {key: int(count) for key, count in db.session.execute(query).all()}


def _participants_live(filters: DashboardFilters) -> dict[int | None, int]:
    """Distinct participants per department of their account (None: no department)."""
    people_query = participant_ids(filters)
    return _grouped(
        select(User.department_id, func.count(User.id))
        .join(people_query, people_query.c.user_id == User.id)
        .group_by(User.department_id)
    )


def _participants_from_rollup(people: BitMap) -> dict[int | None, int]:
    """The period's participants, intersected with each department's members."""
    counts = {}
    for key, members in rollup.department_members().items():
        count = people.intersection_cardinality(members)
        if count:
            counts[None if key == rollup.NO_DEPARTMENT else key] = count
    return counts


def _ideas_live(filters: DashboardFilters) -> dict[int | None, int]:
    """Visible ideas posted in the period per department of the idea (None: no department)."""
    return _grouped(
        select(Idea.department_id, func.count())
        .where(Idea.hidden.is_(False), *filters.idea_clauses())
        .group_by(Idea.department_id)
    )


def _ideas_from_rollup(
    filters: DashboardFilters, activity: rollup.Activity
) -> dict[int | None, int] | None:
    """The period's ideas per department from the roll-up; None when it cannot tell.

    `activity` is the period's roll-up activity for the filters' scope. The roll-up keeps
    ideas per department of all ideas, not of one theme's or group's ideas.
    """
    scope = rollup.scope_of(filters)
    if scope == ("a", 0):
        return rollup.department_ideas(filters.start, filters.end)
    if scope is not None and scope[0] == "d":
        return {scope[1]: activity.ideas}
    return None


def department_rows(filters: DashboardFilters) -> list[DepartmentRow]:
    """A row per department with activity or a headcount, busiest first; the period applies."""
    ideas = None
    if rollup.usable(filters):
        activity = rollup.period_activity(filters)
        participants = _participants_from_rollup(activity.participants)
        ideas = _ideas_from_rollup(filters, activity)
    else:
        participants = _participants_live(filters)
    if ideas is None:
        ideas = _ideas_live(filters)
    # Not in the roll-up: it counts ideas by the day they were posted, not implemented.
    implemented = _grouped(
        select(Idea.department_id, func.count(func.distinct(StageChange.idea_id)))
        .join(Idea, Idea.id == StageChange.idea_id)
        .where(
            Idea.hidden.is_(False),
            *filters.scope_clauses(),
            StageChange.to_stage == Stage.IMPLEMENTED,
            *filters.datetime_clauses(StageChange.created_at),
        )
        .group_by(Idea.department_id)
    )
    query = select(Department)
    if filters.department_id is not None:
        query = query.where(Department.id == filters.department_id)
    rows = []
    for department in db.session.scalars(query):
        key = department.id
        row = DepartmentRow(
            DepartmentSummary.of(department),
            participants.get(key, 0),
            ideas.get(key, 0),
            implemented.get(key, 0),
        )
        if row.participants or row.ideas or row.implemented or department.headcount:
            rows.append(row)
    if filters.department_id is None and (
        participants.get(None) or ideas.get(None) or implemented.get(None)
    ):
        rows.append(
            DepartmentRow(
                None, participants.get(None, 0), ideas.get(None, 0), implemented.get(None, 0)
            )
        )
    rows.sort(
        key=lambda row: (
            row.department is None,
            -row.participants,
            -row.ideas,
            row.department.name if row.department else "",
        )
    )
    return rows
