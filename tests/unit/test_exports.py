"""Open-data exports: contents, filters, formula escaping, no personal data, batched reads."""

import csv
import io
import json
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from ideas.accounts.models import Role
from ideas.board.models import Idea
from ideas.dashboard.exports import (
    CSV_COLUMNS,
    clamp_period,
    csv_chunks,
    idea_batches,
    json_chunks,
    spreadsheet_safe,
)
from ideas.dashboard.filters import DashboardFilters
from ideas.extensions import db
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.unit.test_reports import MARCH, World, build_world

EVERYTHING = DashboardFilters()


@pytest.fixture
def world(ctx, make_user, make_department, make_idea) -> World:
    return build_world(make_user, make_department, make_idea)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Shared desks = savings", "Shared desks = savings"),
        ("", ""),
        (-3, -3),  # numbers are numbers, never formulas
        (None, None),
    ],
)
def test_spreadsheet_safe_defuses_formulas(cell, expected):
    assert spreadsheet_safe(cell) == expected


def _csv_rows(filters=EVERYTHING, batch_size=1000) -> list[dict]:
    text = "".join(csv_chunks(filters, batch_size))
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _json(filters=EVERYTHING, batch_size=1000) -> dict:
    return json.loads("".join(json_chunks(filters, batch_size)))


def test_the_csv_has_every_visible_idea_with_its_counts_and_history(world):
    rows = {int(row["id"]): row for row in _csv_rows()}
    assert set(rows) == {world.desks, world.forms, world.printers, world.duplicate, world.april}
    desks = rows[world.desks]
    assert list(desks) == CSV_COLUMNS
    assert desks["title"] == "Shared desks in every regional office"
    assert (desks["theme"], desks["department"], desks["group"]) == (
        "innovation",
        "Canada Revenue Agency",
        "",
    )
    assert (desks["stage"], desks["votes_up"], desks["votes_down"]) == ("piloted", "3", "0")
    # Followers: its author, and the duplicate's author, moved over by the merge.
    assert (desks["comments"], desks["followers"]) == ("1", "2")
    assert desks["created_at"] == "2026-03-05T12:00:00"
    steps = desks["stage_history"].split("; ")
    assert [step.split(" ")[1] for step in steps] == ["proposed", "under_review", "piloted"]
    assert steps[1].startswith("2026-03-10T12:00:00")
    duplicate = rows[world.duplicate]
    assert (duplicate["stage"], duplicate["merged_into_id"]) == ("merged", str(world.desks))


def test_the_json_carries_the_same_ideas_with_rationales(world):
    document = _json()
    ideas = {idea["id"]: idea for idea in document["ideas"]}
    assert set(ideas) == {world.desks, world.forms, world.printers, world.duplicate, world.april}
    printers = ideas[world.printers]
    assert printers["stage"] == "implemented"
    assert [step["to"] for step in printers["stage_history"]] == [
        "proposed",
        "piloted",
        "implemented",
    ]
    assert printers["stage_history"][0]["from"] is None
    assert printers["stage_history"][-1]["rationale"].startswith("The pilot met")
    assert ideas[world.desks]["votes_up"] == 3
    assert document["filters"] == {}


def test_exports_honour_the_dashboard_filters(world):
    march = {row["id"] for row in _json(MARCH)["ideas"]}
    assert march == {world.desks, world.forms, world.duplicate}
    cra = DashboardFilters(department_id=world.cra)
    assert {int(row["id"]) for row in _csv_rows(cra)} == {world.desks, world.printers, world.april}
    theme = DashboardFilters(start=date(2026, 3, 1), end=date(2026, 3, 31), theme_id=None)
    assert _json(theme)["filters"] == {"from": "2026-03-01", "to": "2026-03-31"}


def test_no_email_and_no_person_in_either_export(world):
    text = "".join(csv_chunks(EVERYTHING)) + "".join(json_chunks(EVERYTHING))
    assert "@example.gc.ca" not in text
    for name in ("Ana Author", "Bob Builder", "Sam Staff", "Voter 0"):
        assert name not in text
    assert "A hidden idea" not in text


def test_formula_titles_are_escaped_in_the_csv_only(world, make_idea):
    idea = make_idea(title="=cmd|' /C calc'!A0")
    idea.title = "\t@SUM(1+1)"  # stored as is, as an import might
    db.session.commit()
    rows = {int(row["id"]): row for row in _csv_rows()}
    assert rows[idea.id]["title"] == "'\t@SUM(1+1)"
    assert {i["id"]: i for i in _json()["ideas"]}[idea.id]["title"] == "\t@SUM(1+1)"


@contextmanager
def counted_statements():
    """The SQL statements run inside the block."""
    statements = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()).lower())

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def test_ideas_are_read_in_keyset_batches_with_one_history_query_per_batch(world, make_idea):
    for _ in range(4):
        make_idea()  # 5 + 4 = 9 visible ideas
    with counted_statements() as statements:
        batches = list(idea_batches(EVERYTHING, batch_size=2))
    assert [len(batch) for batch in batches] == [2, 2, 2, 2, 1]
    ids = [idea["id"] for batch in batches for idea in batch]
    assert ids == sorted(ids) and len(set(ids)) == 9
    idea_queries = [s for s in statements if "from idea" in s]
    history_queries = [s for s in statements if "from stage_change" in s]
    assert len(idea_queries) == 5 and len(history_queries) == 5  # never one per idea
    assert all("idea.id >" in s and "limit" in s for s in idea_queries)


def test_streams_chunk_by_chunk(world):
    chunks = csv_chunks(EVERYTHING, batch_size=2)
    with counted_statements() as statements:
        header = next(chunks)
        assert header.startswith("\ufeffid,title")
        assert statements == []  # nothing read before it is needed
        first = next(chunks)
        assert len(first.splitlines()) == 2
        assert len([s for s in statements if "from idea" in s]) == 1


def test_a_moved_hidden_idea_never_leaks(world, make_user):
    staff = make_user(role=Role.SECRETARIAT)
    hidden = db.session.get(Idea, world.hidden)
    move_stage(hidden, Stage.DECLINED, staff, "Declined after the review of the whole team.")
    db.session.commit()
    assert world.hidden not in {idea["id"] for idea in _json()["ideas"]}


def test_dates_at_the_ends_of_the_calendar_are_clamped(world):
    filters = clamp_period(DashboardFilters(start=date(1, 1, 1), end=date(9999, 12, 31)))
    assert (filters.start, filters.end) == (date(1900, 1, 1), date(9999, 1, 1))
    assert len(_json(filters)["ideas"]) == 5
