"""What a search returns: the filters it applied, and a page of results to show."""

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from ideas.board.models import Idea
from ideas.workflow.stages import Stage


@dataclass(frozen=True)
class SearchFilters:
    """What the search page can narrow results to; None means any."""

    theme_id: int | None = None
    group_id: int | None = None
    department_id: int | None = None
    stage: Stage | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class SearchResult:
    """One idea found, with its title and a snippet marked up safely."""

    idea: Idea
    title: Markup
    snippet: Markup


@dataclass
class SearchPage:
    """A page of results and everything the page says about the query."""

    text: str
    page: int
    per_page: int
    results: list[SearchResult] = field(default_factory=list)
    total: int = 0
    notices: list = field(default_factory=list)
    problem: str | None = None
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        """Number of pages."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        """True after the first page."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True before the last page."""
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        """The previous page's number."""
        return self.page - 1

    @property
    def next_num(self) -> int:
        """The next page's number."""
        return self.page + 1
