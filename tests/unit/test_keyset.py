"""Cursors of the ranked list: they round-trip every sort's value, and bad ones are refused."""

from datetime import datetime

import pytest

from ideas.board.models import Idea
from ideas.board.services import (
    SORT_COLUMNS,
    IdeaFilters,
    count_ideas,
    decode_cursor,
    encode_cursor,
)
from ideas.extensions import db


@pytest.mark.parametrize("sort", list(SORT_COLUMNS))
def test_cursor_round_trips_the_exact_sort_value(sort):
    idea = Idea(
        id=42,
        wilson=0.1 + 0.2,
        hot=12345.6789012,
        created_at=datetime(2026, 5, 1, 12, 30, 45, 123456),
        comment_count=7,
        controversy=3.0000000000000004,
    )
    value, idea_id = decode_cursor(sort, encode_cursor(sort, idea))
    assert idea_id == 42
    assert value == getattr(idea, SORT_COLUMNS[sort].key)


@pytest.mark.parametrize("cursor", [None, "", "_", "12", "x_1", "1_x", "inf_1", "nan_2"])
def test_malformed_cursors_decode_to_none(cursor):
    assert decode_cursor("top", cursor) is None


def test_count_stops_at_its_limit(app, make_idea):
    for _ in range(5):
        make_idea()
    with app.app_context():
        assert count_ideas(IdeaFilters(), limit=3) == (3, True)
        assert count_ideas(IdeaFilters(), limit=5) == (5, False)
        assert db.session is not None
