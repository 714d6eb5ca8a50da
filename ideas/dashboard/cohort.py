"""The funnel's cohort roll-up: per day of posting and idea scope, where those ideas stand.

The funnel follows the ideas posted in the period (ideas/dashboard/funnel.py). Its three
figures only add up across days: how many ideas are now in each stage, how many reached
each stage of the main path, and the completed stays in each stage (whose median is taken
over the whole period). `dashboard_cohort_day` keeps them per day of posting and scope,
written by the same refresh as the activity roll-up (ideas/dashboard/rollup.py) under the
same watermark. A row describes its ideas' *current* history, so any change to one of them
(a move, hiding, a new scope, deletion) marks its day of posting in
`dashboard_cohort_dirty_day` (ideas/dashboard/rollup_sync.py); dirty days and ideas posted
from the watermark on are counted live, so the answer is always exact.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ideas.board.models import Idea
from ideas.dashboard.filters import day_start
from ideas.dashboard.models import (
    ROLLUP_STATE_ID,
    DashboardCohortDay,
    DashboardCohortDirtyDay,
    DashboardRollupState,
)
from ideas.dashboard.sqltime import as_datetime, as_day
from ideas.extensions import db
from ideas.workflow.models import StageChange
from ideas.workflow.stages import MAIN_PATH, Stage

# Rank of each main-path stage; other stages (side exits) do not raise an idea's rank.
_RANK = {stage: index for index, stage in enumerate(MAIN_PATH)}
_DAY_SECONDS = 86400.0


@dataclass
class CohortStats:
    """Ideas of a cohort now in each stage, reaching each main-path stage, and their stays."""

    stages: Counter = field(default_factory=Counter)
    reached: Counter = field(default_factory=Counter)
    stays: dict[str, list[float]] = field(default_factory=dict)

    def add(self, other: CohortStats) -> None:
        """Merge another cohort (another day, or the live part) into this one."""
        self.stages.update(other.stages)
        self.reached.update(other.reached)
        for stage, days in other.stays.items():
            self.stays.setdefault(stage, []).extend(days)

    def to_json(self) -> dict:
        """Plain JSON data for a roll-up row."""
        return {"stages": dict(self.stages), "reached": dict(self.reached), "stays": self.stays}

    @classmethod
    def from_json(cls, data: dict) -> CohortStats:
        """The stats stored in a roll-up row."""
        return cls(
            Counter(data.get("stages", {})),
            Counter(data.get("reached", {})),
            {stage: list(days) for stage, days in data.get("stays", {}).items()},
        )

    def stage_counts(self) -> dict[Stage, int]:
        """Ideas now in each stage."""
        return {Stage(stage): count for stage, count in self.stages.items() if count}

    def reached_counts(self) -> dict[Stage, int]:
        """Ideas that reached each main-path stage or went further."""
        return {stage: self.reached.get(stage.value, 0) for stage in MAIN_PATH}

    def median_days(self) -> dict[Stage, float]:
        """The median completed stay in each stage, in days (the mean of the middle two)."""
        return {Stage(stage): statistics.median(days) for stage, days in self.stays.items() if days}


def _scope_keys(idea_row) -> list[tuple[str, int]]:
    _id, _created, _stage, department_id, theme_id, group_id = idea_row
    keys = [("a", 0)]
    for letter, value in (("d", department_id), ("t", theme_id), ("g", group_id)):
        if value is not None:
            keys.append((letter, value))
    return keys


def count_cohorts(where: list, all_scopes: bool) -> dict[tuple[date, tuple[str, int]], CohortStats]:
    """The cohort stats of the visible ideas matching `where`, per day of posting and scope.

    With `all_scopes`, every scope an idea belongs to gets it (what refresh stores);
    otherwise only the scope ("a", 0), the caller's `where` having narrowed the ideas.
    One read of the ideas and one of their histories (in posting order), counted here.
    """
    connection = db.session.connection()
    ideas = connection.execute(
        select(
            Idea.id,
            Idea.created_at,
            Idea.stage,
            Idea.department_id,
            Idea.theme_id,
            Idea.group_id,
        ).where(Idea.hidden.is_(False), *where)
    ).all()
    result: dict[tuple[date, tuple[str, int]], CohortStats] = {}
    if not ideas:
        return result
    cohort = select(Idea.id).where(Idea.hidden.is_(False), *where)
    history: dict[int, list[tuple[datetime, int, Stage]]] = {}
    for idea_id, to_stage, created_at, change_id in connection.execute(
        select(
            StageChange.idea_id, StageChange.to_stage, StageChange.created_at, StageChange.id
        ).where(StageChange.idea_id.in_(cohort))
    ):
        history.setdefault(idea_id, []).append((created_at, change_id, Stage(to_stage)))
    for row in ideas:
        idea_id, created_at, stage = row[0], row[1], Stage(row[2])
        changes = sorted(history.get(idea_id, ()))
        rank = max((_RANK.get(change[2], 0) for change in changes), default=0)
        stays = [
            (entered[2].value, (left[0] - entered[0]).total_seconds() / _DAY_SECONDS)
            for entered, left in itertools.pairwise(changes)
        ]
        keys = _scope_keys(row) if all_scopes else [("a", 0)]
        for key in keys:
            stats = result.setdefault((created_at.date(), key), CohortStats())
            stats.stages[stage.value] += 1
            for reached in MAIN_PATH[: rank + 1]:
                stats.reached[reached.value] += 1
            for stay_stage, days in stays:
                stats.stays.setdefault(stay_stage, []).append(days)
    return result


def count_day(day: date, until: datetime | None = None) -> dict[tuple[str, int], CohortStats]:
    """One day's cohorts (ideas posted before `until` if given) for every scope: refresh's rows."""
    end = day_start(day + timedelta(days=1))
    if until is not None:
        end = min(end, until)
    counted = count_cohorts([Idea.created_at >= day_start(day), Idea.created_at < end], True)
    return {key: stats for (_day, key), stats in counted.items()}


def rolled_cohort(
    first: date | None, last: date | None, scope: tuple[str, int], until: datetime, mark: date
) -> tuple[CohortStats, set[date]] | None:
    """The clean stored rows from `first` to `last` (at most `mark`), and the dirty days.

    `mark` is the last day under the watermark `until`. The rows are read in one statement
    with the watermark, as in rollup._rolled_days: None when a refresh moved it meanwhile.
    """
    last = mark if last is None else min(last, mark)
    bounds = [] if first is None else [first]
    dirty = {
        as_day(day)
        for day in db.session.scalars(
            select(DashboardCohortDirtyDay.day).where(
                *(DashboardCohortDirtyDay.day >= day for day in bounds),
                DashboardCohortDirtyDay.day <= last,
            )
        )
    }
    current = (
        select(DashboardRollupState.rolled_until)
        .where(DashboardRollupState.id == ROLLUP_STATE_ID)
        .scalar_subquery()
    )
    total = CohortStats()
    for day, data, seen in db.session.execute(
        select(DashboardCohortDay.day, DashboardCohortDay.funnel, current).where(
            DashboardCohortDay.scope == scope[0],
            DashboardCohortDay.scope_id == scope[1],
            *(DashboardCohortDay.day >= day for day in bounds),
            DashboardCohortDay.day <= last,
        )
    ):
        if as_datetime(seen) != until:
            return None  # a refresh moved the watermark meanwhile: read again
        if as_day(day) not in dirty:
            total.add(CohortStats.from_json(data))
    return total, dirty


def live_cohort(where: list) -> CohortStats:
    """The cohort of the visible ideas matching `where`, counted from the source tables."""
    total = CohortStats()
    for stats in count_cohorts(where, all_scopes=False).values():
        total.add(stats)
    return total
