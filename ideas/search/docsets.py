"""Which ideas match a query, computed a block of postings at a time, for counts and sorts.

Whoosh's matchers step through postings one idea at a time in Python; ranking or sorting
every match that way cost about 3 µs per match, so a word in 60,000 ideas took 150 ms or
more at 100,000 ideas. Counting and sorting need only the set of matching ideas: here a
word's posting list is read whole blocks at a time into a Python set, and AND, OR and NOT
become set operations, which run in C. Phrases and anything else unusual fall back to
Whoosh's own matcher. The sort keys of every idea (its date, its votes) are read once per
index segment and kept until the segment goes away, so sorting is one `heapq` call in C.
"""

import heapq
from collections import OrderedDict
from itertools import accumulate
from threading import Lock

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

# Sort-key columns kept for this many (segment, field) pairs; a segment is immutable, so its
# keys never go stale, and an index has a handful of segments at a time.
_COLUMN_CACHE_SIZE = 32
_columns: OrderedDict = OrderedDict()
_columns_lock = Lock()


def _term_docs(reader, fieldname: str, text) -> set[int]:
    """Segment-relative numbers of the live ideas holding this term."""
    if fieldname not in reader.schema:
        return set()
    try:
        btext = reader.schema[fieldname].to_bytes(text)
    except ValueError:
        return set()
    if (fieldname, btext) not in reader:
        return set()
    matcher = reader.postings(fieldname, btext)
    deleted = frozenset()
    if isinstance(matcher, FilterMatcher):  # the segment has deleted documents
        deleted = reader.deleted_docs_set
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        return set(matcher.all_ids()) - deleted
    ids: list[int] = []
    # Whole blocks at a time, through Whoosh's codec internals (whoosh3 3.54): each block's
    # ids are stored as differences, which accumulate() adds up in C.
    while matcher.is_active():
        matcher._read_data()
        stored = matcher._data[0]
        ids.extend(stored if matcher._byteids else accumulate(stored))
        matcher._next_block()
    return set(ids) - deleted if deleted else set(ids)


def segment_docs(q: wq.Query, searcher) -> set[int]:
    """Segment-relative numbers of the ideas matching q in one leaf searcher."""
    reader = searcher.reader()
    kind = type(q)
    if kind is wq.Term:
        return _term_docs(reader, q.fieldname, q.text)
    if q is wq.NullQuery or kind is type(wq.NullQuery):
        return set()
    if kind is wq.And:
        positive = [c for c in q.subqueries if not isinstance(c, wq.Not)]
        negative = [c.query for c in q.subqueries if isinstance(c, wq.Not)]
        if not positive:
            return set(q.docs(searcher))
        sets = sorted((segment_docs(c, searcher) for c in positive), key=len)
        found = sets[0].intersection(*sets[1:])
        for child in negative:
            if not found:
                break
            found -= segment_docs(child, searcher)
        return found
    if kind in (wq.Or, wq.DisjunctionMax) and not getattr(q, "minmatch", 0):
        if any(isinstance(c, wq.Not) for c in q.subqueries):
            return set(q.docs(searcher))
        found: set[int] = set()
        for child in q.subqueries:
            found |= segment_docs(child, searcher)
        return found
    if kind is wq.AndNot:
        return segment_docs(q.a, searcher) - segment_docs(q.b, searcher)
    if kind is wq.AndMaybe:
        return segment_docs(q.a, searcher)
    if isinstance(q, wq.Prefix | wq.Wildcard):
        # Expands to the OR of the words it covers in this segment.
        return segment_docs(q.simplify(reader), searcher)
    # Phrases need positions, date ranges their encoded terms: Whoosh's own matcher.
    return set(q.docs(searcher))


def matching(searcher, q: wq.Query) -> list[tuple[object, int, set[int]]]:
    """Per leaf searcher: the searcher, its offset, and the ideas in it that match q."""
    return [(sub, offset, segment_docs(q, sub)) for sub, offset in searcher.leaf_searchers()]


def as_global(parts: list[tuple[object, int, set[int]]]) -> set[int]:
    """Index-wide numbers of the ideas in per-segment sets (Whoosh's filters take these)."""
    found: set[int] = set()
    for _sub, offset, docs in parts:
        found.update(d + offset for d in docs) if offset else found.update(docs)
    return found


def global_docs(searcher, q: wq.Query) -> set[int]:
    """Index-wide numbers of the ideas matching q (for filters)."""
    return as_global(matching(searcher, q))


def _column(reader, fieldname: str) -> list:
    """Every document's sort key in one segment, cached while the segment exists."""
    segment = reader.segment()
    if segment is None:  # not one segment's reader: nothing stable to cache it under
        return list(reader.column_reader(fieldname))
    key = (segment.segment_id(), fieldname)
    with _columns_lock:
        values = _columns.get(key)
        if values is not None:
            _columns.move_to_end(key)
            return values
    values = list(reader.column_reader(fieldname))
    with _columns_lock:
        _columns[key] = values
        while len(_columns) > _COLUMN_CACHE_SIZE:
            _columns.popitem(last=False)
    return values


def top_by_column(
    parts: list[tuple[object, int, set[int]]], fieldname: str, limit: int, allowed=None
) -> tuple[list[int], int]:
    """The `limit` matching ideas with the largest values of a sortable field, and the count.

    `allowed` (the filters' matches, per segment as `matching` gives them, in the same
    order) keeps only the ideas the filters allow. Ties go to the idea indexed first, so
    pages never overlap.
    """
    best: list[tuple[object, int]] = []
    total = 0
    for i, (sub, offset, docs) in enumerate(parts):
        if allowed is not None:
            docs = docs & allowed[i][2]
        total += len(docs)
        if not docs:
            continue
        values = _column(sub.reader(), fieldname)
        # Largest value first, then smallest number; nlargest runs its loop in C.
        top = heapq.nlargest(limit, sorted(docs), key=values.__getitem__)
        best.extend((values[d], -(d + offset)) for d in top)
    best.sort(reverse=True)
    return [-negated for _value, negated in best[:limit]], total
