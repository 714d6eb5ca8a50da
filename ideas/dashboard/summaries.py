"""Plain, detached copies of the ideas and departments a dashboard shows.

Dashboards are cached between requests (DASHBOARD_CACHE_SECONDS), so they hold no ORM
rows that a later session could expire or refuse to load.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ideas.accounts.models import Department
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.i18n import LocalizedNameMixin, language_tag
from ideas.workflow.stages import Stage


@dataclass(frozen=True)
class DepartmentSummary(LocalizedNameMixin):
    """A department's id, names in the three languages (`name` picks one) and headcount."""

    id: int
    name_en: str
    name_fr: str | None
    name_zh: str | None
    headcount: int | None

    @classmethod
    def of(cls, department: Department | None) -> DepartmentSummary | None:
        """A summary of the department, or None."""
        if department is None:
            return None
        return cls(
            department.id,
            department.name_en,
            department.name_fr,
            department.name_zh,
            department.headcount,
        )


@dataclass(frozen=True)
class IdeaSummary:
    """What the dashboard lists about an idea."""

    id: int
    title: str
    language: str
    stage: Stage
    created_at: datetime
    stage_changed_at: datetime
    up_count: int
    down_count: int
    comment_count: int
    department: DepartmentSummary | None

    @property
    def language_tag(self) -> str:
        """The BCP 47 tag of the idea's own text."""
        return language_tag(self.language)

    @classmethod
    def of(cls, idea: Idea) -> IdeaSummary:
        """A summary of the idea."""
        return cls(
            idea.id,
            idea.title,
            idea.language,
            idea.stage,
            idea.created_at,
            idea.stage_changed_at,
            idea.up_count,
            idea.down_count,
            idea.comment_count,
            DepartmentSummary.of(idea.department),
        )


# The columns IdeaSummary needs, read without the ORM: loading Idea entities would also
# join the author, theme, group and department eagerly (see Idea's relationships).
_IDEA_COLUMNS = (
    Idea.id,
    Idea.title,
    Idea.language,
    Idea.stage,
    Idea.created_at,
    Idea.stage_changed_at,
    Idea.up_count,
    Idea.down_count,
    Idea.comment_count,
)
_DEPARTMENT_COLUMNS = (
    Department.id,
    Department.name_en,
    Department.name_fr,
    Department.name_zh,
    Department.headcount,
)


def idea_summaries(ids: Iterable[int]) -> list[IdeaSummary]:
    """Summaries of the ideas with these ids, in the order given, in one narrow query."""
    wanted = list(ids)
    if not wanted:
        return []
    rows = db.session.execute(
        select(*_IDEA_COLUMNS, *_DEPARTMENT_COLUMNS)
        .outerjoin(Department, Department.id == Idea.department_id)
        .where(Idea.id.in_(wanted))
    ).all()
    width = len(_IDEA_COLUMNS)
    by_id = {}
    for row in rows:
        idea, department = list(row[:width]), row[width:]
        idea[3] = Stage(idea[3])  # the same enum whatever the driver hands back
        by_id[idea[0]] = IdeaSummary(
            *idea, DepartmentSummary(*department) if department[0] is not None else None
        )
    return [by_id[idea_id] for idea_id in wanted if idea_id in by_id]
