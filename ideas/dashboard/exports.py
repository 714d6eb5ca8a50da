"""Open-data exports of ideas as CSV and JSON, streamed in batches with constant memory.

An export honours the dashboard's filters (period by posting date, department, theme,
group). It is open data: ideas, their counters and their public stage history, with no
email address and no person at all (no author, no actor names: the export is about
ideas, not people). Hidden ideas are left out; merged duplicates are kept, with stage
"merged" and the id of the idea they were merged into, so the record of what was posted
is complete and their votes (moved to the target) are never counted twice.

Rows are read by keyset pagination on `idea.id` (`id > last ORDER BY id LIMIT n`), one
batch at a time, and the stage history of a whole batch comes from one more query, so an
export of N ideas costs 2·N/n queries whatever N is, and memory holds one batch.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from ideas.accounts.models import Department
from ideas.board.models import Idea, Theme
from ideas.dashboard.filters import DashboardFilters
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.timeutil import utcnow
from ideas.workflow.models import StageChange

DEFAULT_BATCH_SIZE = 1000

# OWASP CSV injection: a spreadsheet runs a cell that starts with one of these as a formula
# (tab and carriage return too, since some programs strip them first); a leading
# apostrophe makes the cell plain text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Column names are a file format, the same in every language.
CSV_COLUMNS = [
    "id", "title", "language", "theme", "group", "department", "stage", "created_at",
    "updated_at", "stage_changed_at", "merged_into_id", "votes_up", "votes_down",
    "comments", "followers", "stage_history",
]  # fmt: skip


# Dates outside these bounds are brought inside them: the filters compute "the next
# midnight" and "a period before", which do not exist at the ends of the calendar.
EARLIEST = date(1900, 1, 1)
LATEST = date(9999, 1, 1)


def clamp_period(filters: DashboardFilters) -> DashboardFilters:
    """The filters with their dates brought within EARLIEST..LATEST (never an error page)."""

    def clamp(day: date | None) -> date | None:
        return None if day is None else min(max(day, EARLIEST), LATEST)

    return replace(filters, start=clamp(filters.start), end=clamp(filters.end))


def spreadsheet_safe(value):
    """A CSV cell that a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _ideas_query(filters: DashboardFilters):
    """Only the columns an export needs (no ORM objects, so nothing piles up in the session)."""
    return (
        select(
            Idea.id,
            Idea.title,
            Idea.language,
            Theme.code.label("theme"),
            Group.name.label("group"),
            Department.name_en.label("department"),
            Idea.stage,
            Idea.created_at,
            Idea.updated_at,
            Idea.stage_changed_at,
            Idea.merged_into_id,
            Idea.up_count,
            Idea.down_count,
            Idea.comment_count,
            Idea.follower_count,
        )
        .join(Theme, Idea.theme_id == Theme.id)
        .outerjoin(Group, Idea.group_id == Group.id)
        .outerjoin(Department, Idea.department_id == Department.id)
        .where(Idea.hidden.is_(False), *filters.idea_clauses())
        .order_by(Idea.id)
    )


def _histories(idea_ids: list[int]) -> dict[int, list[dict]]:
    """The stage history of a batch of ideas in one query (no actor: open data)."""
    rows = db.session.execute(
        select(
            StageChange.idea_id,
            StageChange.from_stage,
            StageChange.to_stage,
            StageChange.created_at,
            StageChange.rationale,
        )
        .where(StageChange.idea_id.in_(idea_ids))
        .order_by(StageChange.idea_id, StageChange.created_at, StageChange.id)
    )
    history = defaultdict(list)
    for idea_id, from_stage, to_stage, created_at, rationale in rows:
        history[idea_id].append(
            {
                "from": from_stage.value if from_stage is not None else None,
                "to": to_stage.value,
                "at": _iso(created_at),
                "rationale": rationale,
            }
        )
    return history


def idea_batches(filters: DashboardFilters, batch_size: int) -> Iterator[list[dict]]:
    """The exported ideas as plain dicts, one batch at a time, by keyset on id."""
    query = _ideas_query(filters)
    last_id = 0
    while True:
        rows = db.session.execute(query.where(Idea.id > last_id).limit(batch_size)).all()
        if not rows:
            return
        history = _histories([row.id for row in rows])
        yield [
            {
                "id": row.id,
                "title": row.title,
                "language": row.language,
                "theme": row.theme,
                "group": row.group,
                "department": row.department,
                "stage": row.stage.value,
                "created_at": _iso(row.created_at),
                "updated_at": _iso(row.updated_at),
                "stage_changed_at": _iso(row.stage_changed_at),
                "merged_into_id": row.merged_into_id,
                "votes_up": row.up_count,
                "votes_down": row.down_count,
                "comments": row.comment_count,
                "followers": row.follower_count,
                "stage_history": history.get(row.id, []),
            }
            for row in rows
        ]
        if len(rows) < batch_size:
            return
        last_id = rows[-1].id


def _csv_history(history: list[dict]) -> str:
    """The path through the stages in one cell: "2026-01-05T09:00:00 proposed; …"."""
    return "; ".join(f"{step['at']} {step['to']}" for step in history)


def csv_chunks(filters: DashboardFilters, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[str]:
    """The export as CSV text, one chunk per batch (the first with the byte-order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # The byte-order mark tells spreadsheet programs the file is UTF-8.
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for batch in idea_batches(filters, batch_size):
        buffer.seek(0)
        buffer.truncate()
        for idea in batch:
            cells = {**idea, "stage_history": _csv_history(idea["stage_history"])}
            writer.writerow(
                ["" if cells[c] is None else spreadsheet_safe(cells[c]) for c in CSV_COLUMNS]
            )
        yield buffer.getvalue()


def json_chunks(filters: DashboardFilters, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[str]:
    """The export as one JSON document, {"generated_at", "filters", "ideas": [...]}, streamed."""
    head = {"generated_at": utcnow().isoformat(timespec="seconds"), "filters": filters.to_args()}
    # Open the document by hand so the ideas can follow one batch at a time.
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "ideas": ['
    first = True
    for batch in idea_batches(filters, batch_size):
        parts = [json.dumps(idea, ensure_ascii=False) for idea in batch]
        yield ("" if first else ",") + "\n" + ",\n".join(parts)
        first = False
    yield "\n]}\n"
