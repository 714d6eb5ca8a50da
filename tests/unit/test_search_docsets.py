"""Counting and sorting by sets of matching ideas agrees with Whoosh's own one-by-one search.

The index here uses the application's schema and analysers, holds several segments (one
with deleted documents) and posting lists longer than one block, so every path of
`ideas.search.docsets` is compared with what Whoosh's matchers find.
"""

import itertools
import random
from datetime import datetime, timedelta

import pytest
from whoosh import query as wq
from whoosh.filedb.filestore import RamStorage
from whoosh.sorting import FieldFacet

from ideas.search import docsets
from ideas.search.documents import make_schema
from ideas.search.querying import Sanitised, parse

WORDS = ["budget", "data", "team", "policy", "training", "cloud"]
WORDS += ["portal", "survey", "équipe", "données", "公務員", "預算"]
START = datetime(2025, 1, 1)


@pytest.fixture(scope="module")
def searcher():
    rng = random.Random(7)
    ix = RamStorage().create_index(make_schema())
    number = 0
    for segment in range(3):  # three commits without merging: three segments
        writer = ix.writer()
        for _ in range(700):
            number += 1
            words = rng.choices(WORDS, weights=range(len(WORDS), 0, -1), k=rng.randint(3, 9))
            writer.add_document(
                id=str(number),
                title=" ".join(words[:3]),
                text=" ".join(words),
                stage=rng.choice(["new", "under_review"]),
                theme=str(rng.randint(1, 3)),
                # Few distinct values, so that ties decide much of the order.
                votes=rng.randint(-2, 4),
                created=START + timedelta(days=rng.randint(0, 40)),
            )
        writer.commit(merge=False)
        if segment == 1:
            writer = ix.writer()
            for gone in range(1, number, 5):  # deletions in two segments
                writer.delete_by_term("id", str(gone))
            writer.commit(merge=False)
    s = ix.searcher()
    assert len(s.leaf_searchers()) == 3 and s.reader().has_deletions()
    yield s
    s.close()


def whoosh_ids(s, q) -> set[int]:
    return {hit.docnum for hit in s.search(q, limit=None)}


@pytest.mark.parametrize(
    "typed",
    [
        "budget",
        "data team",
        "budget OR cloud",
        "budget NOT policy",
        "(budget OR équipe) AND NOT survey",
        "équipes",
        "公務員",
        "budg*",
        '"budget data"',
        "title:budget data",
        "nothingatall",
    ],
)
def test_matching_ideas_are_exactly_those_whoosh_finds(searcher, typed):
    q = parse(searcher.schema, Sanitised(typed))
    assert docsets.global_docs(searcher, q) == whoosh_ids(searcher, q)


def test_a_filter_query_gives_the_same_ideas(searcher):
    allowed = wq.And(
        [wq.Term("stage", "new"), wq.DateRange("created", START, START + timedelta(days=9))]
    )
    assert docsets.global_docs(searcher, allowed) == whoosh_ids(searcher, allowed)


@pytest.mark.parametrize("field", ["votes", "created"])
def test_top_by_a_sort_field_matches_whoosh_and_counts_every_match(searcher, field):
    q = parse(searcher.schema, Sanitised("budget OR data"))
    top, total = docsets.top_by_column(docsets.matching(searcher, q), field, 60)
    assert total == len(whoosh_ids(searcher, q))
    column = searcher.reader().column_reader(field)
    expected = searcher.search(q, sortedby=FieldFacet(field, reverse=True), limit=60)
    # The same values in the same order as Whoosh's sort...
    assert [column[d] for d in top] == [column[hit.docnum] for hit in expected]
    # ...and ties go to the idea indexed first.
    for a, b in itertools.pairwise(top):
        assert column[a] > column[b] or (column[a] == column[b] and a < b)


def test_pages_of_a_sort_never_overlap(searcher):
    q = parse(searcher.schema, Sanitised("budget"))
    parts = docsets.matching(searcher, q)
    first, total = docsets.top_by_column(parts, "votes", 20)
    both, _ = docsets.top_by_column(parts, "votes", 40)
    assert both[:20] == first
    assert not set(both[20:]) & set(first)
    assert total > 40


def test_filters_narrow_the_count_and_the_top(searcher):
    q = parse(searcher.schema, Sanitised("budget"))
    allowed = docsets.matching(searcher, wq.Term("theme", "2"))
    top, total = docsets.top_by_column(docsets.matching(searcher, q), "created", 10, allowed)
    theme = whoosh_ids(searcher, wq.Term("theme", "2"))
    assert docsets.as_global(allowed) == theme
    assert total == len(whoosh_ids(searcher, q) & theme)
    assert top and set(top) <= theme
