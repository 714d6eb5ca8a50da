"""Participation over time: ideas, comments and votes per week, and active participants.

Weeks start on Monday. The first and last weeks may be partial: only the days inside
the period count. One UNION ALL query tags each action with its week and its person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, literal, select, union_all

from ideas.board.models import Comment, Idea, Vote
from ideas.dashboard import rollup
from ideas.dashboard.filters import DashboardFilters, day_start
from ideas.dashboard.sqltime import week_index
from ideas.extensions import db


@dataclass(frozen=True)
class Week:
    """One week's activity."""

    starts_on: date
    ideas: int = 0
    comments: int = 0
    votes: int = 0
    participants: int = 0

    @property
    def ends_on(self) -> date:
        """The Sunday ending the week."""
        return self.starts_on + timedelta(days=6)


def first_monday(day: date) -> date:
    """The Monday starting the week that holds `day`."""
    return day - timedelta(days=day.weekday())


def weekly_participation(filters: DashboardFilters) -> list[Week]:
    """Every week of the period (both dates set), with its counts; quiet weeks show zeros."""
    if rollup.usable(filters):
        return _weekly_from_rollup(filters)
    return _weekly_live(filters)


def _weeks(filters: DashboardFilters, by_week: dict[int, tuple[int, int, int, int]]) -> list[Week]:
    """A Week per Monday from the period's first week to its last, zeros where quiet."""
    weeks = []
    monday = first_monday(filters.start)
    index = 0
    while monday <= filters.end:
        weeks.append(Week(monday, *by_week.get(index, (0, 0, 0, 0))))
        monday += timedelta(days=7)
        index += 1
    return weeks


def _weekly_from_rollup(filters: DashboardFilters) -> list[Week]:
    """Weekly counts from the day roll-up."""
    origin = first_monday(filters.start)
    per_week: dict[int, list[rollup.Activity]] = {}
    scope = rollup.scope_of(filters)
    for day, activity in rollup.days_activity(filters.start, filters.end, scope).items():
        per_week.setdefault((day - origin).days // 7, []).append(activity)
    by_week = {}
    for index, days in per_week.items():
        activity = rollup.combined(days)
        by_week[index] = (
            activity.ideas,
            activity.comments,
            activity.votes,
            len(activity.participants),
        )
    return _weeks(filters, by_week)


def _weekly_live(filters: DashboardFilters) -> list[Week]:
    """Weekly counts straight from the idea, comment and vote tables: the reference."""
    origin = first_monday(filters.start)
    origin_at = day_start(origin)
    scope = [Idea.hidden.is_(False), *filters.scope_clauses()]
    posted = select(
        literal("idea").label("kind"),
        week_index(Idea.created_at, origin_at).label("week"),
        Idea.author_id.label("user_id"),
    ).where(*scope, *filters.datetime_clauses(Idea.created_at))
    commented = (
        select(
            literal("comment").label("kind"),
            week_index(Comment.created_at, origin_at).label("week"),
            Comment.author_id.label("user_id"),
        )
        .join(Idea, Idea.id == Comment.idea_id)
        .where(*scope, Comment.hidden.is_(False), *filters.datetime_clauses(Comment.created_at))
    )
    voted = (
        select(
            literal("vote").label("kind"),
            week_index(Vote.created_at, origin_at).label("week"),
            Vote.user_id.label("user_id"),
        )
        .join(Idea, Idea.id == Vote.idea_id)
        .where(*scope, *filters.datetime_clauses(Vote.created_at))
    )
    actions = union_all(posted, commented, voted).subquery("action")
    counts = [
        func.sum(case((actions.c.kind == kind, 1), else_=0)).label(kind)
        for kind in ("idea", "comment", "vote")
    ]
    rows = db.session.execute(
        select(actions.c.week, *counts, func.count(func.distinct(actions.c.user_id)))
        .group_by(actions.c.week)
        .order_by(actions.c.week)
    ).all()
    by_week = {
        int(row[0]): (int(row[1] or 0), int(row[2] or 0), int(row[3] or 0), int(row[4]))
        for row in rows
    }
    return _weeks(filters, by_week)
