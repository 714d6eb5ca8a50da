"""Plain, detached copies of the ideas and departments a dashboard shows.

Dashboards are cached between requests (DASHBOARD_CACHE_SECONDS), so they hold no ORM
rows that a later session could expire or refuse to load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ideas.accounts.models import Department
from ideas.board.models import Idea
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
