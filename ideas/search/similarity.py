"""More-like-this: the existing ideas closest to a title and description being written."""

from dataclasses import dataclass
from itertools import groupby

from whoosh import query as wq

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

    def query(self) -> wq.Query:
        """The word's stems in its field; titles count three times as much."""
        boost = 3.0 if self.fieldname == "title" else 1.0
        terms = [wq.Term(self.fieldname, text, boost=boost) for text in sorted(self.texts)]
        return terms[0] if len(terms) == 1 else wq.Or(terms)


def _title_words(searcher, title: str) -> list[frozenset[str]]:
    tokens = [
        (token.pos, token.text)
        for token in searcher.schema["title"].tokenize(title, mode="query", positions=True)
    ]
    words: list[frozenset[str]] = []
    for _pos, same in groupby(tokens, key=lambda item: item[0]):
        texts = frozenset(text for _, text in same)
        if texts not in words:
            words.append(texts)
    return words


def clauses_for(searcher, title: str, body: str) -> list[Clause]:
    """The telling words of the title (looked up in titles) and body (in texts), rarest first.

    Duplicates show first in their titles, and titles are short, so their posting lists
    are too; a few key terms of the description (Whoosh's Bo1 model) add what the title
    leaves out. Words no idea has, and words in most ideas, are left out.
    """
    candidates = [
        Clause("title", texts, max(searcher.doc_frequency("title", t) for t in texts))
        for texts in _title_words(searcher, title)
    ]
    if body.strip():
        for text, _weight in searcher.key_terms_from_text("text", body, numterms=BODY_TERMS):
            candidates.append(
                Clause("text", frozenset([text]), searcher.doc_frequency("text", text))
            )
    common = max(COMMON_SHARE * searcher.doc_count(), RARE_MIN)
    present = sorted((c for c in candidates if c.frequency), key=lambda c: c.frequency)
    return [c for c in present if c.frequency <= common][:MAX_WORDS]


def _searched(searcher, clauses: list[Clause]) -> list[Clause]:
    """The clauses to find candidates with: the rare ones, and at least the two rarest."""
    rare = max(RARE_SHARE * searcher.doc_count(), RARE_MIN)
    searched = [c for c in clauses if c.frequency <= rare][:SEARCHED]
    if len(searched) >= 2:
        return searched
    # Ranking by one word leaves the order among its ideas to chance; a second word (if it
    # is not too common) puts the ideas that have both first.
    second = max(SECOND_SHARE * searcher.doc_count(), RARE_MIN)
    return clauses[:1] + [c for c in clauses[1:2] if c.frequency <= second]


def _shared_words(searcher, clauses: list[Clause], docnums: list[int]) -> dict[int, int]:
    """For each candidate idea, how many of the clauses it matches.

    Walks each word's posting list once over the sorted candidates, which is cheaper than
    recording matched terms for every idea the search visits.
    """
    reader = searcher.reader()
    ordered = sorted(docnums)
    shared = dict.fromkeys(ordered, 0)
    for clause in clauses:
        found: set[int] = set()
        for text in clause.texts:
            if (clause.fieldname, text) not in reader:
                continue
            postings = reader.postings(clause.fieldname, text)
            for docnum in ordered:
                if docnum in found:
                    continue
                if postings.is_active() and postings.id() < docnum:
                    postings.skip_to(docnum)
                if not postings.is_active():
                    break
                if postings.id() == docnum:
                    found.add(docnum)
        for docnum in found:
            shared[docnum] += 1
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
    mask = wq.Term("id", str(exclude_id)) if exclude_id is not None else None
    query = wq.Or([clause.query() for clause in _searched(searcher, clauses)])
    results = searcher.search(query, limit=limit * CANDIDATES, mask=mask)
    hits = [(hit.docnum, int(hit["id"])) for hit in results]
    # Every telling word counts towards "shares enough words", common ones included.
    shared = _shared_words(searcher, clauses, [docnum for docnum, _ in hits])
    ranked = sorted(
        ((docnum, idea_id) for docnum, idea_id in hits if shared[docnum] >= needed),
        key=lambda hit: -shared[hit[0]],  # stable: ties keep the search's order
    )
    return [idea_id for _, idea_id in ranked][:limit]
