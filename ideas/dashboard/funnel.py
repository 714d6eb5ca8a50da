"""The stage funnel: ideas reaching each stage, conversion, median days per stage, stuck ideas.

The funnel follows a cohort: the ideas posted in the period (narrowed by department, theme
and group). An idea "reached" a stage of the main path if its history ever took it there
or further along, so every step of the funnel holds no more ideas than the one before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from ideas.board.models import Idea
from ideas.dashboard import cohort, rollup
from ideas.dashboard.filters import DashboardFilters, day_start
from ideas.dashboard.sqltime import as_float, days_between
from ideas.dashboard.summaries import IdeaSummary, idea_summaries
from ideas.extensions import db
from ideas.timeutil import utcnow
from ideas.workflow.models import StageChange
from ideas.workflow.stages import MAIN_PATH, Stage

# Stages an idea can wait in for somebody to act; implemented, declined, on hold and
# merged are endings (on hold is a deliberate pause, not a forgotten idea).
WAITING_STAGES = (Stage.PROPOSED, Stage.UNDER_REVIEW, Stage.ASSESSED, Stage.PILOTED)
SIDE_EXITS = (Stage.DECLINED, Stage.ON_HOLD, Stage.MERGED)


@dataclass(frozen=True)
class FunnelStep:
    """One stage of the main path: ideas that reached it, and conversion from the step before."""

    stage: Stage
    reached: int
    conversion: float | None  # percent of the previous step's ideas; None for the first step
    median_days: float | None  # median completed stay in the stage; None if no idea left it


@dataclass(frozen=True)
class Funnel:
    """The funnel of a cohort, its side exits, and ideas stuck in a stage."""

    steps: list[FunnelStep]
    exits: dict[Stage, int]
    exit_median_days: dict[Stage, float | None]
    stuck: dict[Stage, int]
    stuck_ideas: list[IdeaSummary]
    stuck_days: int

    @property
    def stuck_total(self) -> int:
        """Ideas stuck in any stage."""
        return sum(self.stuck.values())


def stuck_days() -> int:
    """Days in one waiting stage after which an idea counts as stuck (DASHBOARD_STUCK_DAYS)."""
    return int(current_app.config.get("DASHBOARD_STUCK_DAYS", 60))


def _cohort(filters: DashboardFilters) -> list:
    return [Idea.hidden.is_(False), *filters.idea_clauses()]


def cohort_stages(filters: DashboardFilters) -> dict[Stage, int]:
    """How many ideas of the cohort are now in each stage (one pass over the cohort)."""
    rows = db.session.execute(
        select(Idea.stage, func.count()).where(*_cohort(filters)).group_by(Idea.stage)
    ).all()
    return {Stage(stage): int(count) for stage, count in rows}


def reached_counts(
    filters: DashboardFilters, stages: dict[Stage, int] | None = None
) -> dict[Stage, int]:
    """How many ideas of the cohort reached each main-path stage (or went further).

    `stages` is cohort_stages(filters), when the caller already has it.
    """
    if stages is None:
        stages = cohort_stages(filters)
    rank = case(
        *((StageChange.to_stage == stage, index) for index, stage in enumerate(MAIN_PATH)),
        else_=0,
    )
    # Only rows in a stage other than proposed can raise an idea above rank 0; every other
    # idea of the cohort (whatever its history, or none) is counted as proposed below.
    # Skipping the proposed row every idea has keeps the query to the ideas that moved
    # (a plain "!=" lets SQLite read each idea's rows in one index probe, not one per stage).
    furthest = (
        select(StageChange.idea_id, func.max(rank).label("furthest"))
        .join(Idea, Idea.id == StageChange.idea_id)
        .where(StageChange.to_stage != Stage.PROPOSED, *_cohort(filters))
        .group_by(StageChange.idea_id)
        .subquery()
    )
    rows = db.session.execute(
        select(furthest.c.furthest, func.count()).group_by(furthest.c.furthest)
    ).all()
    by_rank = {int(value): int(count) for value, count in rows}
    by_rank[0] = sum(stages.values()) - sum(count for value, count in by_rank.items() if value)
    return {
        stage: sum(count for value, count in by_rank.items() if value >= index)
        for index, stage in enumerate(MAIN_PATH)
    }


def exit_counts(
    filters: DashboardFilters, stages: dict[Stage, int] | None = None
) -> dict[Stage, int]:
    """How many ideas of the cohort are now declined, on hold or merged."""
    if stages is None:
        stages = cohort_stages(filters)
    return {stage: stages.get(stage, 0) for stage in SIDE_EXITS}


def median_days_per_stage(filters: DashboardFilters) -> dict[Stage, float]:
    """Median days the cohort's ideas spent in each stage, over completed stays only.

    A stay starts with a history row and ends with the idea's next history row; the
    median is the middle stay (or the mean of the two middle ones), found with window
    functions that SQLite and PostgreSQL both have.

    Only ideas with a history row other than "proposed" can have a completed stay: every
    idea starts proposed, and no transition leads from proposed to proposed, so an idea
    with two or more history rows has one in another stage. Leaving the others (most
    ideas: proposed, never moved) out of LEAD() spares the window most of its rows.
    """
    moved = aliased(StageChange)
    has_moved = (
        select(moved.id).where(moved.idea_id == Idea.id, moved.to_stage != Stage.PROPOSED).exists()
    )
    next_at = func.lead(StageChange.created_at).over(
        partition_by=StageChange.idea_id, order_by=(StageChange.created_at, StageChange.id)
    )
    changes = (
        select(
            StageChange.to_stage.label("stage"),
            StageChange.created_at.label("entered_at"),
            next_at.label("left_at"),
        )
        .join(Idea, Idea.id == StageChange.idea_id)
        .where(*_cohort(filters), has_moved)
        .subquery("changes")
    )
    stays = (
        select(
            changes.c.stage,
            as_float(days_between(changes.c.left_at, changes.c.entered_at)).label("days"),
        )
        .where(changes.c.left_at.is_not(None))
        .subquery("stays")
    )
    ranked = select(
        stays.c.stage,
        stays.c.days,
        func.row_number().over(partition_by=stays.c.stage, order_by=stays.c.days).label("n"),
        func.count().over(partition_by=stays.c.stage).label("size"),
    ).subquery("ranked")
    # Integer division: rows (size+1)/2 and (size+2)/2 are the middle one or two.
    middle = ranked.c.n.in_([(ranked.c.size + 1) // 2, (ranked.c.size + 2) // 2])
    rows = db.session.execute(
        select(ranked.c.stage, func.avg(ranked.c.days)).where(middle).group_by(ranked.c.stage)
    ).all()
    return {Stage(stage): float(days) for stage, days in rows}


def stuck_ideas(filters: DashboardFilters, now: datetime | None = None, limit: int = 10):
    """Ideas waiting in one stage longer than the stuck limit: counts per stage, oldest few.

    Stuck is about now, so the period does not apply; department, theme and group do.
    """
    days = stuck_days()
    since = (now or utcnow()) - timedelta(days=days)
    clauses = [
        Idea.hidden.is_(False),
        *filters.scope_clauses(),
        Idea.stage.in_(WAITING_STAGES),
        Idea.stage_changed_at < since,
    ]
    rows = db.session.execute(
        select(Idea.stage, func.count()).where(*clauses).group_by(Idea.stage)
    ).all()
    counts = {stage: 0 for stage in WAITING_STAGES}
    counts.update({Stage(stage): int(count) for stage, count in rows})
    # The oldest few of each stage come straight off the (stage, stage_changed_at) index;
    # one ORDER BY over all four stages would sort every stuck idea to keep ten.
    order = (Idea.stage_changed_at, Idea.id)
    candidates = []
    for stage in WAITING_STAGES:
        if counts[stage]:
            candidates.extend(
                db.session.execute(
                    select(*order)
                    .where(*clauses, Idea.stage == stage)
                    .order_by(*order)
                    .limit(limit)
                ).all()
            )
    oldest = idea_summaries(idea_id for _, idea_id in sorted(candidates)[:limit])
    return counts, oldest, days


def rolled_cohort_stats(filters: DashboardFilters) -> cohort.CohortStats | None:
    """The cohort's stats from the roll-up plus its live part; None when it cannot answer.

    Stored rows for the clean days under the watermark; counted live: the dirty days and
    the ideas posted from the watermark on (a dirty partial day is counted whole instead).
    """
    if not rollup.usable(filters):
        return None
    scope = rollup.scope_of(filters)
    for attempt in range(3):
        until = rollup.rolled_until(fresh=attempt > 0)
        mark = rollup.last_rolled_day(until)
        rolled = cohort.rolled_cohort(filters.start, filters.end, scope, until, mark)
        if rolled is not None:
            break
    else:
        return None  # refreshes keep committing: the live queries answer
    stats, dirty = rolled
    intervals = rollup.dirty_intervals(dirty)
    tail_start = day_start(mark + timedelta(days=1)) if mark in dirty else until
    if filters.start is not None:
        tail_start = max(tail_start, day_start(filters.start))
    if filters.end is None or tail_start < day_start(filters.end + timedelta(days=1)):
        intervals.append((tail_start, filters.end))
    if intervals:
        stats.add(
            cohort.live_cohort(
                [*filters.scope_clauses(), rollup.within(Idea.created_at, intervals)]
            )
        )
    return stats


def build_funnel(filters: DashboardFilters, now: datetime | None = None) -> Funnel:
    """The whole funnel section for the filters: from the cohort roll-up when it can answer."""
    stats = rolled_cohort_stats(filters)
    if stats is not None:
        stages = stats.stage_counts()
        reached = stats.reached_counts()
        medians = stats.median_days()
    else:
        stages = cohort_stages(filters)
        reached = reached_counts(filters, stages)
        medians = median_days_per_stage(filters)
    steps = []
    previous = None
    for stage in MAIN_PATH:
        conversion = None
        if previous is not None:
            conversion = 100.0 * reached[stage] / previous if previous else None
        steps.append(FunnelStep(stage, reached[stage], conversion, medians.get(stage)))
        previous = reached[stage]
    stuck, oldest, days = stuck_ideas(filters, now)
    return Funnel(
        steps=steps,
        exits=exit_counts(filters, stages),
        exit_median_days={stage: medians.get(stage) for stage in SIDE_EXITS},
        stuck=stuck,
        stuck_ideas=oldest,
        stuck_days=days,
    )
