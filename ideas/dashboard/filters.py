"""The dashboard's filters: period, department, theme and group, kept in the URL.

The same filters narrow the dashboard, the progress report and the exports, so a view
can be bookmarked, shared, and exported exactly as seen. Parsing is tolerant: a bad value
is dropped (and described in `errors`) rather than failing the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from ideas.board.models import Idea

# URL parameter names; "from"/"to" match the progress report's `?from=…&to=…`.
ARG_START = "from"
ARG_END = "to"
ARG_DEPARTMENT = "department"
ARG_THEME = "theme"
ARG_GROUP = "group"
# Older or hand-written links may say start/end; they are read, never written.
_START_ALIASES = (ARG_START, "start")
_END_ALIASES = (ARG_END, "end")

# A period with no dates given: the last four whole weeks up to today.
DEFAULT_PERIOD_DAYS = 28


def _first(args: Mapping, names: tuple[str, ...]) -> str:
    for name in names:
        value = args.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_id(text: str) -> int | None:
    if not text.isdigit():
        return None
    value = int(text)
    # Ids are positive and fit a 32-bit column; anything else cannot match a row.
    return value if 0 < value < 2**31 else None


def day_start(day: date) -> datetime:
    """Midnight at the start of a day, as a naive UTC datetime."""
    return datetime.combine(day, time.min)


@dataclass(frozen=True)
class DashboardFilters:
    """Period (inclusive dates), department, theme and group; None means "any"."""

    start: date | None = None  # inclusive, by Idea.created_at / activity date
    end: date | None = None  # inclusive
    department_id: int | None = None
    theme_id: int | None = None
    group_id: int | None = None
    # What could not be understood in the URL, as messages for the page; never compared.
    errors: tuple = field(default=(), compare=False, hash=False)

    @classmethod
    def from_args(cls, args) -> DashboardFilters:
        """Filters from request arguments (a dict or MultiDict); bad values are dropped."""
        args = args or {}
        errors = []
        values: dict = {}
        for key, names, label in (
            ("start", _START_ALIASES, _l("The start date must be a date like 2026-01-31.")),
            ("end", _END_ALIASES, _l("The end date must be a date like 2026-01-31.")),
        ):
            text = _first(args, names)
            parsed = _parse_date(text) if text else None
            if text and parsed is None:
                errors.append(label)
            values[key] = parsed
        for key, name in (
            ("department_id", ARG_DEPARTMENT),
            ("theme_id", ARG_THEME),
            ("group_id", ARG_GROUP),
        ):
            text = _first(args, (name,))
            parsed = _parse_id(text) if text else None
            if text and parsed is None:
                errors.append(_l("An unknown filter value was ignored."))
            values[key] = parsed
        if values["start"] and values["end"] and values["start"] > values["end"]:
            errors.append(_l("The start date was after the end date, so the dates were ignored."))
            values["start"] = values["end"] = None
        return cls(**values, errors=tuple(dict.fromkeys(errors)))

    def to_args(self) -> dict[str, str]:
        """The filters as URL arguments, for url_for and links that keep the state."""
        args = {}
        if self.start is not None:
            args[ARG_START] = self.start.isoformat()
        if self.end is not None:
            args[ARG_END] = self.end.isoformat()
        if self.department_id is not None:
            args[ARG_DEPARTMENT] = str(self.department_id)
        if self.theme_id is not None:
            args[ARG_THEME] = str(self.theme_id)
        if self.group_id is not None:
            args[ARG_GROUP] = str(self.group_id)
        return args

    def scope_args(self) -> dict[str, str]:
        """The department, theme and group as URL arguments (no dates)."""
        return self.without_period().to_args()

    def scope_clauses(self) -> list:
        """WHERE clauses on Idea for department, theme and group only (no dates)."""
        clauses = []
        if self.department_id is not None:
            clauses.append(Idea.department_id == self.department_id)
        if self.theme_id is not None:
            clauses.append(Idea.theme_id == self.theme_id)
        if self.group_id is not None:
            clauses.append(Idea.group_id == self.group_id)
        return clauses

    def idea_clauses(self) -> list:
        """WHERE clauses on Idea: department, theme, group, and created_at in the dates.

        Hidden and merged ideas are the caller's business.
        """
        clauses = self.scope_clauses()
        clauses.extend(self.datetime_clauses(Idea.created_at))
        return clauses

    def datetime_clauses(self, column) -> list:
        """WHERE clauses keeping a datetime column inside the period (end day included)."""
        clauses = []
        if self.start is not None:
            clauses.append(column >= day_start(self.start))
        if self.end is not None:
            # Half-open on the next midnight, so the whole end day counts and indexes apply.
            clauses.append(column < day_start(self.end + timedelta(days=1)))
        return clauses

    @property
    def is_filtered(self) -> bool:
        """Whether any filter is set."""
        return bool(self.to_args())

    def without_period(self) -> DashboardFilters:
        """The same department/theme/group, with no dates."""
        return replace(self, start=None, end=None, errors=())

    def resolved(self, today: date, default_days: int = DEFAULT_PERIOD_DAYS) -> DashboardFilters:
        """The filters with both dates set: missing ones default to a period ending today."""
        if self.end is not None:
            end = self.end
        elif self.start is None or self.start <= today:
            end = today
        else:
            end = self.start + timedelta(days=default_days - 1)
        start = self.start or (end - timedelta(days=default_days - 1))
        return replace(self, start=start, end=end)

    def previous(self) -> DashboardFilters:
        """The period of the same length just before this one (both dates must be set)."""
        if self.start is None or self.end is None:
            raise ValueError("previous() needs a period with both dates")
        length = (self.end - self.start).days + 1
        return replace(
            self,
            start=self.start - timedelta(days=length),
            end=self.start - timedelta(days=1),
            errors=(),
        )

    @property
    def days(self) -> int | None:
        """How many days the period covers, when both dates are set."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1
