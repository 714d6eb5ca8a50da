"""Turning what a member typed into a safe parsed query, and results into escaped snippets.

Whoosh parses the query language (fields, phrases, AND, OR, NOT, wildcards) and marks
matches in snippets; `engine` hands the parsed query to Tantivy.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import groupby

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from whoosh import query as wq
from whoosh.fields import TEXT
from whoosh.highlight import ContextFragmenter, Formatter, WholeFragmenter
from whoosh.highlight import highlight as mark_matches
from whoosh.qparser import (
    AndGroup,
    EveryPlugin,
    FieldAliasPlugin,
    FieldsPlugin,
    QueryParser,
    RangePlugin,
)

from ideas.search.analysis import fold, is_han, text_analyzer
from ideas.search.documents import DEFAULT_FIELD, TEXT_FIELDS, make_schema
from ideas.search.engine import SPELLING

MAX_QUERY_LENGTH = 500
# Each word costs a posting list per stem; past this many words the search is refused
# rather than run slowly.
MAX_WORDS = 40
# A wildcard must follow this many letters: `a*` would expand to thousands of terms.
MIN_WILDCARD_PREFIX = 3
# Other names for the fields, in the three languages (`titre:budget`, `body:budget`).
FIELD_ALIASES = {
    "title": ["titre", "標題"],
    "text": ["all", "body", "description", "texte", "comments", "commentaires", "內容", "留言"],
    "author": ["auteur", "作者"],
    "tags": ["theme", "thème", "group", "groupe", "department", "ministère", "主題"],
}
NAMEABLE_FIELDS = {*TEXT_FIELDS, "stage", "language"}
_OPERATORS = {"and", "or", "not", "andnot", "andmaybe", "to"}
# Chinese input methods type a full-width colon (U+FF1A): `標題<U+FF1A>預算` names the title
# just as `標題:預算` does.
_FULL_WIDTH_FIELD = re.compile(
    r"(?<!\w)("
    + "|".join(
        map(re.escape, [*NAMEABLE_FIELDS, *(a for names in FIELD_ALIASES.values() for a in names)])
    )
    + r")\s*\uff1a",
    re.IGNORECASE,
)
_WORD_CHAR = re.compile(r"\w")
_SUGGESTABLE = re.compile(r"(?<![\w:])([^\W\d_]{3,})(?![\w:*?])")


@dataclass
class Sanitised:
    """The query text as it will run, what we changed about it, or why it cannot run."""

    text: str
    notices: list = field(default_factory=list)
    problem: str | None = None


def strip_control(text: str) -> tuple[str, bool]:
    """Replace control, format and unassigned characters with spaces."""
    kept, removed = [], False
    for ch in text:
        if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            removed = True
            kept.append(" ")
        else:
            kept.append(ch)
    return "".join(kept), removed


def _balance_parentheses(text: str) -> tuple[str, bool]:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth == 0:
        return text, False
    return text.replace("(", " ").replace(")", " "), True


def sanitise(raw: str | None) -> Sanitised:
    """Clean the typed text: no control characters, at most 500 characters, balanced quotes."""
    text, removed = strip_control(raw or "")
    notices = [_l("Characters that are not text were removed from your search.")] if removed else []
    text = " ".join(_FULL_WIDTH_FIELD.sub(r"\1:", text).split())
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0] or text[:MAX_QUERY_LENGTH]
        notices.append(
            _l("Searches are limited to %(count)d characters; yours was shortened.",
               count=MAX_QUERY_LENGTH)
        )  # fmt: skip
    if text.count('"') % 2:
        cut = text.rfind('"')
        text = " ".join((text[:cut] + text[cut + 1 :]).split())
        notices.append(_l("A quotation mark without its pair was ignored."))
    text, unbalanced = _balance_parentheses(text)
    if unbalanced:
        text = " ".join(text.split())
        notices.append(_l("Parentheses without their pair were ignored."))
    if not text:
        return Sanitised("", notices, _l("Type a word or two to search for ideas."))
    words = [word for word in text.split() if word.lower() not in _OPERATORS]
    if len(words) > MAX_WORDS:
        problem = _l("Your search has more than %(count)d words; use fewer, more specific ones.",
                     count=MAX_WORDS)  # fmt: skip
        return Sanitised(text, notices, problem)
    return Sanitised(text, notices)


def _grouped(fieldname: str, tokens: list[tuple[int, str]], boost: float) -> wq.Query:
    """Terms at one position (English and French stems) are alternatives; positions all count."""
    parts = []
    for _pos, same in groupby(tokens, key=lambda item: item[0]):
        texts = sorted({text for _, text in same})
        terms = [wq.Term(fieldname, text) for text in texts]
        parts.append(terms[0] if len(terms) == 1 else wq.Or(terms))
    combined = parts[0] if len(parts) == 1 else wq.And(parts)
    combined.boost = boost
    return combined


def make_phrase(fieldname, words, slop=1, boost=1.0, char_ranges=None, **_ignored):
    """A phrase whose words may each have two stems: tokens sharing characters are one word."""
    char_ranges = char_ranges or [(None, None)] * len(words)
    groups = [
        sorted({word for word, _ in items})
        for _range, items in groupby(zip(words, char_ranges, strict=True), key=lambda x: x[1])
    ]
    if all(len(group) == 1 for group in groups):
        return wq.Phrase(fieldname, [g[0] for g in groups], slop=slop, boost=boost)
    subqueries = [
        wq.Term(fieldname, g[0]) if len(g) == 1 else wq.Or([wq.Term(fieldname, w) for w in g])
        for g in groups
    ]
    return wq.Sequence(subqueries, slop=slop, boost=boost)


class IdeaQueryParser(QueryParser):
    """Whoosh syntax over the idea fields, with stem alternatives kept as alternatives."""

    def __init__(self, schema):
        super().__init__(DEFAULT_FIELD, schema, group=AndGroup)
        self.remove_plugin_class(EveryPlugin)  # `*:*` would match every idea
        self.remove_plugin_class(RangePlugin)  # term ranges expand without bound
        self.remove_plugin_class(FieldsPlugin)
        self.add_plugins(
            [
                FieldsPlugin(remove_unknown=True),
                FieldAliasPlugin(FIELD_ALIASES),
            ]
        )
        self.phraseclass = make_phrase

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        """Group the tokens of one typed word by position instead of joining them all."""
        fieldobj = self.schema[fieldname] if fieldname in self.schema.names() else None
        if termclass is not wq.Term or not isinstance(fieldobj, TEXT) or not tokenize:
            return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        tokens = [
            (token.pos, token.text)
            for token in fieldobj.tokenize(
                text, mode="query", positions=True, removestops=removestops
            )
        ]
        return _grouped(fieldname, tokens, boost) if tokens else None


def _prefix_length(text: str) -> int:
    match = re.search(r"[*?]", text)
    return len(text) if match is None else match.start()


def restrict(q: wq.Query, notices: list) -> wq.Query:
    """Drop what would be slow or meaningless: short wildcards, fields that are not for typing."""
    dropped = {"wildcard": False, "field": False}

    def visit(node):
        if isinstance(node, wq.Every):  # a lone * matches every idea in every field
            dropped["wildcard"] = True
            return wq.NullQuery
        if isinstance(node, wq.Wildcard | wq.Prefix):
            text = node.text
            if _prefix_length(text) < MIN_WILDCARD_PREFIX and not is_han(text[:1]):
                dropped["wildcard"] = True
                return wq.NullQuery
        name = getattr(node, "fieldname", None)
        if name is not None and name not in NAMEABLE_FIELDS:
            dropped["field"] = True
            return wq.NullQuery
        return node

    q = q.accept(visit).normalize()
    if dropped["wildcard"]:
        notices.append(
            _l("A wildcard (* or ?) needs at least %(count)d letters before it; it was left out.",
               count=MIN_WILDCARD_PREFIX)
        )  # fmt: skip
    if dropped["field"]:
        notices.append(_l("Only title:, text:, author: and tags: can be named in a search."))
    return q


def _has_positive(q: wq.Query) -> bool:
    """True when the query asks for some word, not only for the absence of words."""
    if isinstance(q, wq.Not) or q is wq.NullQuery:
        return False
    if isinstance(q, wq.AndNot | wq.AndMaybe):
        return _has_positive(q.a)
    if q.is_leaf():
        return True
    if isinstance(q, wq.Or | wq.DisjunctionMax):
        # One negative alternative is enough to match nearly every idea.
        return all(_has_positive(child) for child in q.children())
    return any(_has_positive(child) for child in q.children())


def _leaves(q: wq.Query) -> list[wq.Query]:
    return [q] if q.is_leaf() else list(q.leaves())


def parse(sanitised: Sanitised) -> wq.Query | None:
    """The parsed query for sanitised text, or None (with sanitised.problem set)."""
    if sanitised.problem:
        return None
    try:
        q = IdeaQueryParser(make_schema()).parse(sanitised.text)
    except Exception:
        q = wq.NullQuery
    q = restrict(q, sanitised.notices)
    terms = [leaf for leaf in _leaves(q) if leaf is not wq.NullQuery]
    if not terms:
        sanitised.problem = _l(
            "Your search has no words to look for. Operators such as AND, OR and NOT, very "
            "common words and wildcards on their own find nothing."
        )
        return None
    if not _has_positive(q):
        # NOT alone would walk every idea in the index to find those without the word.
        sanitised.problem = _l("Add a word to look for alongside NOT.")
        return None
    return q


class MarkFormatter(Formatter):
    """Snippets as Markup: every character escaped, matches wrapped in <mark>."""

    between = " … "

    def format_fragment(self, fragment, replace=False):
        """One fragment, with overlapping matches (Han bigrams) merged into one mark."""
        text, start, end = fragment.text, fragment.startchar, fragment.endchar
        # Fragments end at word boundaries; keep the punctuation around them too.
        if not _WORD_CHAR.search(text, end):
            end = len(text)
        if not _WORD_CHAR.search(text[:start]):
            start = 0
        spans: list[list[int]] = []
        for token in sorted(fragment.matches, key=lambda t: t.startchar):
            s, e = max(token.startchar, start), min(token.endchar, end)
            if s >= e:
                continue
            if spans and s <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], e)
            else:
                spans.append([s, e])
        out = [Markup("… ")] if start > 0 else []
        index = start
        for s, e in spans:
            out.append(escape(text[index:s]))
            out.append(Markup("<mark>%s</mark>") % text[s:e])
            index = e
        out.append(escape(text[index:end]))
        if end < len(text):
            out.append(Markup(" …"))
        return Markup("").join(out)

    def format(self, fragments, replace=False):
        """Join the fragments with an ellipsis; still Markup."""
        return Markup(" … ").join(self.format_fragment(f) for f in fragments)


_ANALYZER = text_analyzer()


def highlight(words: frozenset[str] | None, text: str, whole: bool = False) -> Markup:
    """The text with the searched words marked; empty Markup when none is in it.

    `words` are the query's analysed terms (stems): the text is analysed the same way and
    every token among them is marked, in up to two fragments of context (or the whole
    text, for titles).
    """
    if not words or not text:
        return Markup("")
    fragmenter = WholeFragmenter() if whole else ContextFragmenter(maxchars=240, surround=60)
    marked = mark_matches(
        text, words, _ANALYZER, fragmenter, MarkFormatter(), top=1 if whole else 2
    )
    # MarkFormatter returns Markup it built itself; anything else is plain text to escape.
    return marked if isinstance(marked, Markup) else escape(marked or "")


def excerpt(text: str, length: int = 240) -> Markup:
    """The start of a text, escaped, for results whose match was not in the text shown."""
    if len(text) <= length:
        return escape(text)
    return escape(text[:length].rsplit(" ", 1)[0]) + Markup(" …")


# Words of titles that a correction may offer are read by their first letter, at most this
# many of the commonest; of those within reach, the nearest (then the commonest) wins.
SPELLING_CANDIDATES = 5000


def suggest(searcher, text: str) -> str | None:
    """A "did you mean" version of the text: unknown words replaced by the nearest title word.

    Titles keep their words as written for this (the `spell` field); a word is unknown
    when neither titles nor texts hold any of its stems.
    """
    changed = False

    def replace(match):
        nonlocal changed
        word = match.group(1)
        lowered = word.lower()
        if lowered in _OPERATORS or is_han(word) or _known(searcher, lowered):
            return word
        found = nearest_word(searcher, lowered, 1 if len(lowered) < 6 else 2)
        if found and found != lowered:
            changed = True
            return found
        return word

    corrected = _SUGGESTABLE.sub(replace, text)
    return corrected if changed else None


def nearest_word(searcher, word: str, maxdist: int) -> str | None:
    """The title word nearest to `word` (same first letter, at most maxdist edits away)."""
    best: tuple[int, int, str] | None = None
    for candidate, count in searcher.terms_with_prefix(
        SPELLING, word[:1], limit=SPELLING_CANDIDATES
    ):
        if abs(len(candidate) - len(word)) > maxdist:
            continue
        distance = edit_distance(word, candidate, maxdist)
        if distance <= maxdist and (best is None or (distance, -count) < best[:2]):
            best = (distance, -count, candidate)
    return best[2] if best else None


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from a to b; > limit if beyond."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1  # every path is already too long
        previous2, previous = previous, current
    return previous[-1]


def _known(searcher, word: str) -> bool:
    """True when some field holds a stem of the word (then it is not misspelled)."""
    schema = make_schema()
    for fieldname in ("title", "text"):
        for token in schema[fieldname].tokenize(word, mode="query", removestops=False):
            if searcher.doc_freq(fieldname, token.text):
                return True
    return not fold(word).isalpha()
