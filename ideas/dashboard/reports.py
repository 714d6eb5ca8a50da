"""Progress reports: what a period heard, moved, piloted and implemented, as plain data.

`build_progress_report` computes a report as a JSON-ready dict (the "snapshot"); the live
page renders it directly, and `publish_report` stores the very same dict in
`PublishedReport.snapshot`, so a published report is rendered by the same templates and
never changes when the ideas do. Only codes, numbers, dates and user-written text go into
a snapshot: labels (stages, outcomes) are translated when shown, and reference data
(themes, departments) is kept with its name in each language, so a frozen report still
reads in the reader's language.

Hidden ideas (moderation) are left out of every section and count. Merged duplicates
count as ideas heard and their move to "merged" is listed, but they never appear among
the top ideas: their votes moved to the idea they were merged into.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import lazyload

from ideas.accounts.models import Department, User
from ideas.audit import services as audit
from ideas.board.models import Comment, Idea, Theme, Vote
from ideas.dashboard.exports import clamp_period
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.models import PublishedReport
from ideas.dashboard.permissions import can_publish_report
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.timeutil import utcnow
from ideas.workflow.models import Pilot, StageChange
from ideas.workflow.stages import Stage

# Bump when the snapshot's shape changes; templates read older versions too.
SNAPSHOT_VERSION = 1
# Top ideas listed per theme under "what was heard".
TOP_PER_THEME = 5
# A printable report lists at most this many rows per section, and says how many more.
MAX_ROWS = 500
TITLE_MAX = 200  # PublishedReport.title is a String(200)


def _names(row) -> dict | None:
    """A theme's or department's name in each language, as frozen in a snapshot."""
    if row is None:
        return None
    return {"en": row.name_en, "fr": row.name_fr, "zh": row.name_zh}


def _idea_ref(idea: Idea) -> dict:
    """What a report shows of an idea, frozen."""
    return {
        "id": idea.id,
        "title": idea.title,
        "language": idea.language,
        "stage": idea.stage.value,
        "up": idea.up_count,
        "down": idea.down_count,
        "comments": idea.comment_count,
    }


# Reports read only the idea's own columns: skip the author, theme, group and department
# (and a move's actor) that Idea and StageChange load eagerly by default.
_PLAIN_IDEA = (
    lazyload(Idea.author),
    lazyload(Idea.theme),
    lazyload(Idea.group),
    lazyload(Idea.department),
)


def _visible(filters: DashboardFilters) -> list:
    """WHERE clauses on Idea: not hidden, inside the filters' department/theme/group."""
    return [Idea.hidden.is_(False), *filters.scope_clauses()]


def _in_period(column, filters: DashboardFilters) -> list:
    return filters.datetime_clauses(column)


def _grouped_counts(query: Select) -> Counter:
    """Counts keyed by (theme_id, department_id) from a query selecting those and a count."""
    # int(): PostgreSQL's SUM of counts is a numeric (Decimal), which JSON cannot hold.
    rows = db.session.execute(query)
    return Counter({(theme, dept): int(count) for theme, dept, count in rows})


def _count_by_scope(filters: DashboardFilters) -> dict[str, Counter]:
    """The period's ideas, comments, votes, moves and implementations per theme and department.

    One grouped aggregate query per measure, keyed by (theme_id, department_id).
    """
    keys = (Idea.theme_id, Idea.department_id)
    scope = _visible(filters)

    def per_idea(table, *where) -> Counter:
        # Count per idea first (the period's rows come from the table's created_at index),
        # then join each idea once, rather than joining every vote or comment to its idea.
        counts = (
            select(table.idea_id.label("idea_id"), func.count().label("n"))
            .where(*where)
            .group_by(table.idea_id)
            .subquery()
        )
        query = (
            select(*keys, func.sum(counts.c.n))
            .join(counts, counts.c.idea_id == Idea.id)
            .where(*scope)
            .group_by(*keys)
        )
        return _grouped_counts(query)

    ideas = select(*keys, func.count()).where(*scope, *_in_period(Idea.created_at, filters))
    moved = [*_in_period(StageChange.created_at, filters), StageChange.from_stage.is_not(None)]
    return {
        "ideas": _grouped_counts(ideas.group_by(*keys)),
        "comments": per_idea(
            Comment, Comment.hidden.is_(False), *_in_period(Comment.created_at, filters)
        ),
        "votes": per_idea(Vote, *_in_period(Vote.created_at, filters)),
        "moves": per_idea(StageChange, *moved),
        "implemented": per_idea(StageChange, *moved, StageChange.to_stage == Stage.IMPLEMENTED),
    }


MEASURES = ("ideas", "comments", "votes", "moves", "implemented")


def _count_tables(filters: DashboardFilters) -> tuple[list, list, dict]:
    """Rows per theme (every theme, in order) and per department (those with activity)."""
    counts = _count_by_scope(filters)
    # A report narrowed to one theme lists that theme only, not four empty ones.
    themes = db.session.scalars(
        select(Theme)
        .where(*([Theme.id == filters.theme_id] if filters.theme_id is not None else []))
        .order_by(Theme.position, Theme.id)
    ).all()
    by_theme = []
    for theme in themes:
        row = {"code": theme.code, "names": _names(theme)}
        for measure in MEASURES:
            row[measure] = sum(n for (t, _d), n in counts[measure].items() if t == theme.id)
        by_theme.append(row)
    department_ids = {d for measure in MEASURES for (_t, d) in counts[measure]}
    departments = {
        d.id: d
        for d in db.session.scalars(
            select(Department).where(Department.id.in_(department_ids - {None}))
        )
    }
    by_department = []
    for dept_id in department_ids:
        row = {"names": _names(departments.get(dept_id))}
        for measure in MEASURES:
            row[measure] = sum(n for (_t, d), n in counts[measure].items() if d == dept_id)
        by_department.append(row)
    # Most ideas first; departmentless activity last; ties by English name for a stable order.
    by_department.sort(
        key=lambda r: (r["names"] is None, -r["ideas"], (r["names"] or {}).get("en", ""))
    )
    totals = {measure: sum(counts[measure].values()) for measure in MEASURES}
    return by_theme, by_department, totals


def _heard(filters: DashboardFilters, by_theme: list) -> list[dict]:
    """The top ideas posted in the period, per theme, by Wilson score (merged ones left out)."""
    themes = {t.code: t for t in db.session.scalars(select(Theme))}
    sections = []
    for row in by_theme:
        theme = themes[row["code"]]
        query = (
            select(Idea)
            .where(
                *_visible(filters),
                *_in_period(Idea.created_at, filters),
                Idea.theme_id == theme.id,
                Idea.stage != Stage.MERGED,
            )
            .order_by(Idea.wilson.desc(), Idea.up_count.desc(), Idea.id)
            .limit(TOP_PER_THEME)
            .options(*_PLAIN_IDEA)
        )
        ideas = [_idea_ref(idea) for idea in db.session.scalars(query)]
        sections.append(
            {"code": row["code"], "names": row["names"], "count": row["ideas"], "ideas": ideas}
        )
    return sections


def _moves(filters: DashboardFilters, *where) -> tuple[list[dict], int]:
    """Stage changes of the period (creation rows excluded), oldest first, with rationale."""
    clauses = [
        *_visible(filters),
        *_in_period(StageChange.created_at, filters),
        StageChange.from_stage.is_not(None),
        *where,
    ]
    base = (
        select(StageChange, Idea)
        .join(Idea, StageChange.idea_id == Idea.id)
        .where(*clauses)
        .options(lazyload(StageChange.actor), *_PLAIN_IDEA)
    )
    total = db.session.scalar(
        select(func.count(StageChange.id))
        .select_from(StageChange)
        .join(Idea, StageChange.idea_id == Idea.id)
        .where(*clauses)
    )
    rows = db.session.execute(
        base.order_by(StageChange.created_at, StageChange.id).limit(MAX_ROWS)
    ).all()
    moves = [
        {
            "idea": _idea_ref(idea),
            "from": change.from_stage.value,
            "to": change.to_stage.value,
            "at": change.created_at.isoformat(),
            "rationale": change.rationale,
            "progress": idea.progress,
        }
        for change, idea in rows
    ]
    return moves, total or 0


def _pilots(filters: DashboardFilters) -> tuple[list[dict], int]:
    """Pilots running at any time in the period, or concluded in it, with their outcome."""
    start, end = filters.start, filters.end
    overlaps = and_(Pilot.starts_on <= end, Pilot.ends_on >= start)
    concluded = and_(*_in_period(Pilot.concluded_at, filters))
    clauses = [*_visible(filters), or_(overlaps, concluded)]
    total = db.session.scalar(
        select(func.count(Pilot.id)).join(Idea, Pilot.idea_id == Idea.id).where(*clauses)
    )
    rows = db.session.execute(
        select(Pilot, Idea)
        .join(Idea, Pilot.idea_id == Idea.id)
        .where(*clauses)
        .options(*_PLAIN_IDEA)
        .order_by(Pilot.starts_on, Pilot.id)
        .limit(MAX_ROWS)
    ).all()
    pilots = [
        {
            "idea": _idea_ref(idea),
            "hypothesis": pilot.hypothesis,
            "success_measure": pilot.success_measure,
            "lead_department": _names(pilot.lead_department),
            "starts_on": pilot.starts_on.isoformat(),
            "ends_on": pilot.ends_on.isoformat(),
            "outcome": pilot.outcome.value if pilot.outcome else None,
            "findings": pilot.findings,
            "concluded_at": pilot.concluded_at.isoformat() if pilot.concluded_at else None,
        }
        for pilot, idea in rows
    ]
    return pilots, total or 0


def _scope(filters: DashboardFilters) -> dict:
    """The department, theme and group the report is narrowed to, frozen by name."""
    department = (
        db.session.get(Department, filters.department_id) if filters.department_id else None
    )
    theme = db.session.get(Theme, filters.theme_id) if filters.theme_id else None
    group = db.session.get(Group, filters.group_id) if filters.group_id else None
    # The ids (added in snapshot version 1, read by nothing older) say exactly what the
    # report was narrowed to, even if a department or theme is renamed later.
    return {
        "department": _names(department),
        "theme": _names(theme),
        "group": group.name if group is not None else None,
        "department_id": filters.department_id,
        "theme_id": filters.theme_id,
        "group_id": filters.group_id,
    }


def report_filters(args, today: date) -> DashboardFilters:
    """The report's filters from URL arguments, with both dates set.

    A missing or unreadable date gives way to a default period; `errors` says what was ignored.
    """
    filters = clamp_period(DashboardFilters.from_args(args)).resolved(today)
    # An id that names no department, theme or group would narrow the report to nothing
    # without saying so (and could not be frozen by name): drop it and say it was ignored.
    unknown = {
        field: None
        for field, model in (
            ("department_id", Department),
            ("theme_id", Theme),
            ("group_id", Group),
        )
        if getattr(filters, field) is not None
        and db.session.get(model, getattr(filters, field)) is None
    }
    if unknown:
        errors = (*filters.errors, _l("An unknown filter value was ignored."))
        filters = replace(filters, **unknown, errors=tuple(dict.fromkeys(errors)))
    return filters


def build_progress_report(filters: DashboardFilters) -> dict:
    """The progress report for a period (both dates set) as plain JSON-ready data."""
    if filters.start is None or filters.end is None:
        raise ValueError("a progress report needs a period with both dates")
    by_theme, by_department, totals = _count_tables(filters)
    moved, moved_total = _moves(filters)
    implemented, implemented_total = _moves(filters, StageChange.to_stage == Stage.IMPLEMENTED)
    piloted, piloted_total = _pilots(filters)
    return {
        "version": SNAPSHOT_VERSION,
        "period": {"start": filters.start.isoformat(), "end": filters.end.isoformat()},
        "scope": _scope(filters),
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "totals": {**totals, "pilots": piloted_total},
        "heard": _heard(filters, by_theme),
        "moved": moved,
        "moved_total": moved_total,
        "piloted": piloted,
        "piloted_total": piloted_total,
        "implemented": implemented,
        "implemented_total": implemented_total,
        "by_theme": by_theme,
        "by_department": by_department,
    }


def default_title(filters: DashboardFilters) -> str:
    """A title for the publish form, in the publisher's language (they may change it)."""
    return str(
        _l(
            "Progress report, %(start)s to %(end)s",
            start=filters.start.isoformat(),
            end=filters.end.isoformat(),
        )
    )


def publish_report(actor: User, filters: DashboardFilters, title: str) -> PublishedReport:
    """Freeze the period's report into a permanent page every member can read."""
    if not can_publish_report(actor):
        raise PermissionDenied(_l("Only secretariat staff and administrators publish reports."))
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(_l("Give the report a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_l("Use at most %(count)d characters.", count=TITLE_MAX), field="title")
    snapshot = build_progress_report(filters)
    report = PublishedReport(
        title=title,
        period_start=filters.start,
        period_end=filters.end,
        snapshot=snapshot,
        published_by_id=actor.id,
        published_at=utcnow(),
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        actor,
        "report.publish",
        target_type="published_report",
        target_id=report.id,
        title=title,
        period_start=filters.start,
        period_end=filters.end,
        **filters.scope_args(),
    )
    db.session.flush()
    return report


def published_reports() -> Select:
    """Every published report, newest first."""
    return select(PublishedReport).order_by(
        PublishedReport.published_at.desc(), PublishedReport.id.desc()
    )
