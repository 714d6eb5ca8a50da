"""More-like-this: the existing ideas closest to a title and description being written."""

import math
from collections import Counter
from dataclasses import dataclass
from itertools import groupby

import tantivy

from ideas.search import engine
from ideas.search.documents import make_schema
from ideas.search.querying import strip_control

TITLE_CHARS, BODY_CHARS = 300, 3000
BODY_TERMS = 4
MAX_WORDS = 8
# Candidates are found through the rarest words only (in at most RARE_SHARE of the ideas,
# or RARE_MIN of them, up to SEARCHED of them): their posting lists are short, which keeps
# the search fast at 100,000 ideas. Words in more than COMMON_SHARE of the ideas are not
# counted at all: they say nothing about duplicates.
RARE_SHARE, RARE_MIN, SEARCHED = 0.01, 50, 4
SECOND_SHARE = 0.03
COMMON_SHARE = 0.1
CANDIDATES = 8  # fetch this many times the limit, then keep those sharing enough words


@dataclass(frozen=True)
class Clause:
    """One telling word: its stems (English and French), looked up in one field."""

    fieldname: str
    texts: frozenset[str]
    frequency: int

    def query(self) -> tantivy.Query:
        """The word's stems in its field; titles count three times as much."""
        found = engine.any_of([engine.term(self.fieldname, t) for t in sorted(self.texts)])
        return tantivy.Query.boost_query(found, 3.0) if self.fieldname == "title" else found


def _tokens(fieldname: str, text: str):
    return make_schema()[fieldname].tokenize(text, mode="query", positions=True)


def _title_words(title: str) -> list[frozenset[str]]:
    tokens = [(token.pos, token.text) for token in _tokens("title", title)]
    words: list[frozenset[str]] = []
    for _pos, same in groupby(tokens, key=lambda item: item[0]):
        texts = frozenset(text for _, text in same)
        if texts not in words:
            words.append(texts)
    return words


def clauses_for(searcher, title: str, body: str) -> list[Clause]:
    """The telling words of the title (looked up in titles) and body (in texts), rarest first.

    Duplicates show first in their titles, and titles are short, so their posting lists
    are too; a few key terms of the description (by tf-idf) add what the title
    leaves out. Words no idea has, and words in most ideas, are left out.
    """
    candidates = [
        Clause("title", texts, max(searcher.doc_freq("title", t) for t in texts))
        for texts in _title_words(title)
    ]
    if body.strip():
        for text, frequency in key_terms(searcher, body, BODY_TERMS):
            candidates.append(Clause("text", frozenset([text]), frequency))
    common = max(COMMON_SHARE * searcher.num_docs, RARE_MIN)
    present = sorted((c for c in candidates if c.frequency), key=lambda c: c.frequency)
    return [c for c in present if c.frequency <= common][:MAX_WORDS]


def key_terms(searcher, body: str, count: int) -> list[tuple[str, int]]:
    """The body's `count` most telling words (tf-idf) with the number of ideas holding each."""
    frequencies = Counter(token.text for token in _tokens("text", body))
    total = max(searcher.num_docs, 1)
    weighted = []
    for text, tf in frequencies.items():
        ideas = searcher.doc_freq("text", text)
        if ideas:
            weighted.append((tf * math.log(1 + total / ideas), text, ideas))
    weighted.sort(reverse=True)
    return [(text, ideas) for _weight, text, ideas in weighted[:count]]


def _searched(searcher, clauses: list[Clause]) -> list[Clause]:
    """The clauses to find candidates with: the rare ones, and at least the two rarest."""
    rare = max(RARE_SHARE * searcher.num_docs, RARE_MIN)
    searched = [c for c in clauses if c.frequency <= rare][:SEARCHED]
    if len(searched) >= 2:
        return searched
    # Ranking by one word leaves the order among its ideas to chance; a second word (if it
    # is not too common) puts the ideas that have both first.
    second = max(SECOND_SHARE * searcher.num_docs, RARE_MIN)
    return clauses[:1] + [c for c in clauses[1:2] if c.frequency <= second]


def _shared_words(searcher, clauses: list[Clause], ids: list[int]) -> dict[int, int]:
    """For each candidate idea, how many of the clauses it matches (one search per clause)."""
    shared = dict.fromkeys(ids, 0)
    if not ids:
        return shared
    candidates = tantivy.Query.term_set_query(engine.index_schema(), "id", ids)
    for clause in clauses:
        found = searcher.search(engine.filtered(clause.query(), [candidates]), len(ids))
        addresses = [address for _score, address in found.hits]
        for idea_id in searcher.fast_field_values("id", addresses) if addresses else []:
            shared[idea_id] += 1
    return shared


def similar_ids(searcher, title: str, body: str, limit: int, exclude_id: int | None) -> list[int]:
    """Ids of the ideas sharing the most weighted words with the text, best first.

    With three or more words to go on, an idea must share at least two of them: one
    common word in a long title is a coincidence, not a duplicate.
    """
    title = strip_control(title[:TITLE_CHARS])[0]
    body = strip_control(body[:BODY_CHARS])[0]
    clauses = clauses_for(searcher, title, body)
    if not clauses:
        return []
    needed = 1 if len(clauses) < 3 else 2
    excluded = [engine.term("id", exclude_id)] if exclude_id is not None else []
    query = engine.any_of([clause.query() for clause in _searched(searcher, clauses)])
    found = searcher.search(engine.filtered(query, [], excluded), limit * CANDIDATES)
    addresses = [address for _score, address in found.hits]
    ids = searcher.fast_field_values("id", addresses) if addresses else []
    # Every telling word counts towards "shares enough words", common ones included.
    shared = _shared_words(searcher, clauses, ids)
    ranked = sorted(
        (idea_id for idea_id in ids if shared[idea_id] >= needed),
        key=lambda idea_id: -shared[idea_id],  # stable: ties keep the search's order
    )
    return ranked[:limit]
