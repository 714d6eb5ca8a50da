"""Tantivy, the compiled engine under the index: its schema, documents and queries.

Whoosh still does what it is good at in Python: analysing text in three languages
(`analysis`), parsing what members type (`querying`) and marking matches in snippets. The
postings, BM25 ranking, sorting and counting, which cost Whoosh about 3 µs per matching
idea in Python, run in Tantivy (Rust). Text reaches Tantivy already analysed: each field
is handed over as tokens with their positions (`PreTokenizedString`), so both engines see
exactly the same words, and a parsed Whoosh query is translated node by node.
"""

import re
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import tantivy
from whoosh import query as wq

from ideas.search.analysis import names_analyzer, spelling_analyzer, text_analyzer

# Free-text fields, analysed here and indexed with positions (phrases need them).
ANALYSED = {"title": "text", "text": "text", "author": "names", "tags": "names"}
# Exact values for filters, stored as single untouched terms.
KEYWORDS = ("theme", "group", "department", "stage", "language")
# Title words as written, for "did you mean".
SPELLING = "spell"
_Must, _Should, _MustNot = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot


class UnsupportedQuery(ValueError):
    """A parsed query with a node this translation does not know."""


@lru_cache(maxsize=1)
def index_schema() -> tantivy.Schema:
    """The Tantivy schema: what is indexed, stored and kept in columns for each idea."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in ANALYSED:
        # "raw" never runs: tokens arrive pre-analysed; it only names the field's analyzer.
        builder.add_text_field(name, tokenizer_name="raw", index_option="position")
    builder.add_text_field(SPELLING, tokenizer_name="raw", index_option="basic")
    for name in KEYWORDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    # Microseconds since 1970 (UTC): Tantivy's dates keep whole seconds, which would leave
    # ideas posted in the same second in no particular order.
    builder.add_integer_field("created", indexed=True, fast=True)
    builder.add_integer_field("votes", fast=True)
    # A hash of everything above, so `flask search check` can spot stale documents.
    builder.add_text_field("digest", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


_ANALYZERS = {"text": text_analyzer(), "names": names_analyzer()}
_SPELLING_ANALYZER = spelling_analyzer()


# The parts of a field (the title, the description, each comment) are separated by a blank
# line, and their words by this many positions: a phrase never spans two parts.
PART_SEPARATOR, PART_GAP = "\n\n", 16


def _pretokenized(analyzer, value: str) -> tantivy.PreTokenizedString:
    """The value's tokens (two stems of one word share a position), ready for Tantivy."""
    starts = [m.end() for m in re.finditer(PART_SEPARATOR, value)]
    tokens = [
        tantivy.Token(
            t.text, t.pos + bisect_right(starts, t.startchar) * PART_GAP, t.startchar, t.endchar
        )
        for t in analyzer(value, positions=True, chars=True)
    ]
    return tantivy.PreTokenizedString(value, tokens)


def to_document(doc: dict) -> tantivy.Document:
    """The Tantivy document for the values `documents.build_document` made."""
    out = tantivy.Document()
    out.add_integer("id", int(doc["id"]))
    for name, kind in ANALYSED.items():
        out.add_pre_tokenized_text(name, _pretokenized(_ANALYZERS[kind], doc[name]))
    out.add_pre_tokenized_text(SPELLING, _pretokenized(_SPELLING_ANALYZER, doc["title"]))
    for name in KEYWORDS:
        if doc[name]:
            out.add_text(name, doc[name])
    out.add_integer("created", microseconds(doc["created"]))
    out.add_integer("votes", int(doc["votes"]))
    out.add_text("digest", doc["digest"])
    return out


# -- queries -------------------------------------------------------------------------


def _literal(text: str) -> str:
    """Text as a regular expression matching itself (Tantivy's regex syntax)."""
    return "".join(ch if ch.isalnum() or not ch.isascii() else "\\" + ch for ch in text)


def _wildcard(text: str) -> str:
    """A Whoosh wildcard (`*`, `?`) as a Tantivy regular expression over whole terms."""
    return "".join({"*": ".*", "?": "."}.get(ch) or _literal(ch) for ch in text)


def term(fieldname: str, text) -> tantivy.Query:
    """One indexed term of a field."""
    return tantivy.Query.term_query(index_schema(), fieldname, text)


def any_of(subqueries: list[tantivy.Query]) -> tantivy.Query:
    """Ideas matching at least one of the subqueries."""
    if len(subqueries) == 1:
        return subqueries[0]
    return tantivy.Query.boolean_query([(_Should, q) for q in subqueries])


def without(q: tantivy.Query) -> tantivy.Query:
    """Every idea that does not match q."""
    return tantivy.Query.boolean_query([(_Must, tantivy.Query.all_query()), (_MustNot, q)])


def filtered(q: tantivy.Query, filters: Iterable[tantivy.Query], excluded=()) -> tantivy.Query:
    """The query restricted to ideas matching every filter (which add nothing to the score)."""
    clauses = [(_Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
    clauses += [(_MustNot, e) for e in excluded]
    if not clauses:
        return q
    return tantivy.Query.boolean_query([(_Must, q), *clauses])


_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def microseconds(moment: datetime) -> int:
    """A naive UTC datetime (as the database keeps them) as microseconds since 1970."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - _EPOCH) // _MICROSECOND


def date_range(fieldname: str, start: datetime | None, end: datetime | None) -> tantivy.Query:
    """Ideas whose date lies between start and end (both included; None for no bound)."""
    return tantivy.Query.range_query(
        index_schema(),
        fieldname,
        tantivy.FieldType.Integer,
        None if start is None else microseconds(start),
        None if end is None else microseconds(end),
    )


def _sequence(q: wq.Sequence) -> tantivy.Query:
    """A phrase whose words may each have alternatives (English and French stems)."""
    words = []
    for sub in q.subqueries:
        if isinstance(sub, wq.Term):
            words.append(_literal(sub.text))
        elif isinstance(sub, wq.Or) and all(isinstance(t, wq.Term) for t in sub.subqueries):
            words.append("(" + "|".join(_literal(t.text) for t in sub.subqueries) + ")")
        else:
            raise UnsupportedQuery(type(sub).__name__)
    fieldname = (
        q.subqueries[0].fieldname
        if isinstance(q.subqueries[0], wq.Term)
        else (q.subqueries[0].subqueries[0].fieldname)
    )
    return tantivy.Query.regex_phrase_query(
        index_schema(), fieldname, words, slop=max(q.slop - 1, 0)
    )


def translate(q: wq.Query) -> tantivy.Query:
    """The Tantivy query doing what a parsed (and restricted) Whoosh query asks."""
    out = _translate(q)
    boost = getattr(q, "boost", 1.0)
    if boost != 1.0 and not isinstance(q, wq.Term | wq.Phrase | wq.Sequence):
        out = tantivy.Query.boost_query(out, boost)
    return out


def _translate(q: wq.Query) -> tantivy.Query:
    schema = index_schema()
    kind = type(q)
    if q is wq.NullQuery or kind is type(wq.NullQuery):
        return tantivy.Query.empty_query()
    if kind is wq.Term:
        found = term(q.fieldname, q.text)
        return found if q.boost == 1.0 else tantivy.Query.boost_query(found, q.boost)
    if kind is wq.And:
        clauses = [
            (_MustNot, translate(c.query)) if isinstance(c, wq.Not) else (_Must, translate(c))
            for c in q.subqueries
        ]
        if all(occur == _MustNot for occur, _ in clauses):
            clauses.insert(0, (_Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)
    if kind in (wq.Or, wq.DisjunctionMax):
        children = [
            without(translate(c.query)) if isinstance(c, wq.Not) else translate(c)
            for c in q.subqueries
        ]
        if kind is wq.DisjunctionMax:
            return tantivy.Query.disjunction_max_query(children, getattr(q, "tiebreak", 0.0))
        minimum = getattr(q, "minmatch", 0) or None
        return tantivy.Query.boolean_query([(_Should, c) for c in children], minimum)
    if kind is wq.Not:
        return without(translate(q.query))
    if kind is wq.AndNot:
        return tantivy.Query.boolean_query([(_Must, translate(q.a)), (_MustNot, translate(q.b))])
    if kind is wq.Require:  # both must match; only the first counts for relevance
        return filtered(translate(q.a), [translate(q.b)])
    if kind is wq.AndMaybe:
        return tantivy.Query.boolean_query([(_Must, translate(q.a)), (_Should, translate(q.b))])
    if kind is wq.Phrase:
        phrase = tantivy.Query.phrase_query(
            schema, q.fieldname, list(q.words), slop=max(q.slop - 1, 0)
        )
        return phrase if q.boost == 1.0 else tantivy.Query.boost_query(phrase, q.boost)
    if kind is wq.Sequence:
        found = _sequence(q)
        return found if q.boost == 1.0 else tantivy.Query.boost_query(found, q.boost)
    if kind is wq.Prefix:
        return tantivy.Query.regex_query(schema, q.fieldname, _literal(q.text) + ".*")
    if kind is wq.Wildcard:
        return tantivy.Query.regex_query(schema, q.fieldname, _wildcard(q.text))
    if kind is wq.DateRange:
        return date_range(q.fieldname, q.startdate, q.enddate)
    raise UnsupportedQuery(kind.__name__)


def positive_terms(q: wq.Query) -> dict[str, set]:
    """The words a query looks for, by field (not those it excludes), for highlighting.

    Terms and phrase words are given as text; wildcard and prefix nodes as themselves,
    for the caller to expand against the index (`index._expanded`).
    """
    found: dict[str, set[str]] = {}

    def visit(node) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            visit(node.a)
            return
        if isinstance(node, wq.Term | wq.Phrase | wq.Prefix | wq.Wildcard):
            fieldname = node.fieldname
            if isinstance(node, wq.Phrase):
                found.setdefault(fieldname, set()).update(node.words)
            elif isinstance(node, wq.Term):
                found.setdefault(fieldname, set()).add(node.text)
            else:  # expanded against the index by the caller
                found.setdefault(fieldname, set()).add(node)
            return
        if not node.is_leaf():
            for child in node.children():
                visit(child)

    visit(q)
    return found


def wildcard_pattern(node: wq.Query) -> re.Pattern:
    """A Python pattern for the terms a Prefix or Wildcard node covers."""
    if isinstance(node, wq.Prefix):
        return re.compile(re.escape(node.text) + ".*")
    return re.compile("".join({"*": ".*", "?": "."}.get(ch) or re.escape(ch) for ch in node.text))
