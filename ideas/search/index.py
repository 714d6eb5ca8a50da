"""The search interface: index_idea, remove_idea, query, similar, rebuild and check.

Callers use these functions only; Whoosh stays behind them (and the modules they use), so
another backend could replace it without touching the rest of the application.
"""

import logging
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from datetime import time as day_time
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh import query as wq
from whoosh.collectors import FilterCollector, TimeLimit, TimeLimitCollector, TopCollector
from whoosh.searching import Results

from ideas.board.models import Idea
from ideas.extensions import db
from ideas.search import docsets
from ideas.search.documents import all_documents, is_indexable, load_documents, plain_text
from ideas.search.querying import excerpt, highlight, parse, sanitise, suggest
from ideas.search.results import SearchFilters, SearchPage, SearchResult
from ideas.search.similarity import similar_ids
from ideas.search.store import PENDING, IndexBusy, IndexStore
from ideas.workflow.stages import Stage

log = logging.getLogger(__name__)

SORTS = ("relevance", "votes", "newest")
SNIPPET_SOURCE = 3000
_STORES: dict[str, IndexStore] = {}
# When this process last took the queue of each index (time.monotonic()), for the throttle
# of vote-only changes (queue_votes, SEARCH_VOTES_LAG).
_TAKEN: dict[str, float] = {}
# Separate files per segment, not Whoosh's compound file: a compound file is read through a
# memory map that Whoosh copies into a BytesIO each time a reader opens it, which at
# 100,000 ideas cost hundreds of milliseconds per write and per new searcher.
WRITER_OPTIONS = {"compound": False}


def _store() -> IndexStore:
    root = str(current_app.config["SEARCH_INDEX_DIR"])
    if root not in _STORES:
        _STORES[root] = IndexStore(root)
    return _STORES[root]


@contextmanager
def _reading_session():
    """A session of its own: indexing runs after the caller's commit, outside its session."""
    session = Session(bind=db.engine)
    try:
        yield session
    finally:
        session.close()


# -- keeping the index current -------------------------------------------------------


def _write(ix, ids: set[int]) -> int:
    """Write the documents of these ideas that differ from the index; return how many."""
    with _reading_session() as session:
        documents = load_documents(session, ids)
    searcher = _store().searcher()  # this thread's, refreshed: we hold the lock, so current
    indexed = {
        idea_id: (searcher.document(id=str(idea_id)) or {}).get("digest") for idea_id in documents
    }
    changes = {
        idea_id: document
        for idea_id, document in documents.items()
        if (document and document["digest"]) != indexed[idea_id]
    }
    if not changes:
        return 0  # a commit that changed nothing searchable costs no index write
    writer = ix.writer(_lk=False, **WRITER_OPTIONS)  # the caller holds the lock
    try:
        for idea_id, document in changes.items():
            if document is None:
                writer.delete_by_term("id", str(idea_id))
            else:
                writer.update_document(**document)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return len(changes)


def index_ideas(ids: Iterable[int]) -> bool:
    """Bring these ideas up to date in the index (removing hidden, merged or deleted ones).

    Never raises: if the index stays busy or fails, the ids are queued for the next writer.
    Returns True when the index was brought up to date now.
    """
    ids = {int(i) for i in ids}
    if not ids:
        return True
    store = _store()
    try:
        store.journal_if_rebuilding(ids)
        # Documents are read inside the lock, so the last writer always writes the newest
        # state, and compared with the index there, so an unchanged idea costs no commit.
        with store.locked(current_app.config["SEARCH_LOCK_TIMEOUT"]) as ix:
            _TAKEN[str(store.root)] = time.monotonic()
            ids |= store.take_pending()
            _write(ix, ids)
        return True
    except IndexBusy:
        log.warning("search index busy; %d idea(s) queued for the next writer", len(ids))
    except Exception:
        log.exception("search indexing failed; %d idea(s) queued for the next writer", len(ids))
    try:
        store.queue_pending(ids)
    except OSError:
        log.exception("could not queue ideas %s for indexing", sorted(ids))
    return False


def index_idea(idea_id: int) -> bool:
    """Bring one idea up to date in the index."""
    return index_ideas([idea_id])


def remove_idea(idea_id: int) -> bool:
    """Take one idea out of the index, whatever the database says."""
    store = _store()
    try:
        with store.locked(current_app.config["SEARCH_LOCK_TIMEOUT"]) as ix:
            writer = ix.writer(_lk=False, **WRITER_OPTIONS)
            try:
                writer.delete_by_term("id", str(idea_id))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return True
    except Exception:
        log.exception("could not remove idea %d from the search index", idea_id)
        store.queue_pending([idea_id])  # the next writer re-reads it and removes it
        return False


def _votes_lag() -> float:
    return float(current_app.config.get("SEARCH_VOTES_LAG", 5.0))


def _taken_within(store: IndexStore, seconds: float) -> bool:
    """True when this process took the queue less than `seconds` ago."""
    return time.monotonic() - _TAKEN.get(str(store.root), float("-inf")) < seconds


def _has_pending(store: IndexStore) -> bool:
    try:
        return (store.root / PENDING).stat().st_size > 0
    except FileNotFoundError:
        return False


def flush_pending(timeout: float | None = None) -> int:
    """Apply the queue now, waiting up to `timeout` s for the lock; return how many ideas.

    Never raises. A busy index leaves the queue for its writer, who takes it; a failed
    write puts the ids back.
    """
    store = _store()
    if not _has_pending(store):
        return 0
    if timeout is None:
        timeout = current_app.config["SEARCH_LOCK_TIMEOUT"]
    ids: set[int] = set()
    try:
        with store.locked(timeout) as ix:
            _TAKEN[str(store.root)] = time.monotonic()
            ids = store.take_pending()
            if ids:
                _write(ix, ids)
        return len(ids)
    except IndexBusy:
        return 0
    except Exception:
        log.exception("search indexing failed; %d idea(s) queued for the next writer", len(ids))
    try:
        store.queue_pending(ids)
    except OSError:
        log.exception("could not queue ideas %s for indexing", sorted(ids))
    return 0


def queue_votes(ids: Iterable[int]) -> None:
    """Note ideas whose only change is their votes; they reach the index in batches.

    A vote must not pay for rewriting its idea's whole document (the text of the idea and
    of its comments is analysed again, and Whoosh writes and merges segments): the ids join
    the queue, which the next writer takes. So that the queue stays short when nothing
    else writes and nobody sorts by votes, at most once per SEARCH_VOTES_FLUSH_SECONDS per
    process a vote applies the queue itself, if no other writer holds the index (it never
    waits for the lock). Never raises.
    """
    ids = {int(i) for i in ids}
    if not ids:
        return
    store = _store()
    try:
        store.journal_if_rebuilding(ids)  # so the ids reach a generation being built too
        store.queue_pending(ids)
    except OSError:
        log.exception("could not queue %d idea(s) for indexing; indexing now", len(ids))
        index_ideas(ids)
        return
    if not _taken_within(store, current_app.config.get("SEARCH_VOTES_FLUSH_SECONDS", 60.0)):
        flush_pending(timeout=0)


def catch_up_votes() -> None:
    """Before a votes-sorted search: apply queued votes older than SEARCH_VOTES_LAG seconds.

    Votes queued after this process last took the queue are younger than that, so a
    search never sees votes older than the lag missing (unless the index stays busy).
    """
    store = _store()
    if not _taken_within(store, _votes_lag()):
        flush_pending()


def apply_pending() -> int:
    """Apply queued ids now (used by the CLI); returns how many there were."""
    ids = _store().take_pending()
    if ids and not index_ideas(ids):
        return 0
    return len(ids)


# -- searching ----------------------------------------------------------------------


def _filter_query(filters: SearchFilters) -> wq.Query | None:
    terms = []
    for name, value in (
        ("theme", filters.theme_id),
        ("group", filters.group_id),
        ("department", filters.department_id),
    ):
        if value is not None:
            terms.append(wq.Term(name, str(value)))
    if filters.stage is not None:
        terms.append(wq.Term("stage", filters.stage.value))
    if filters.date_from or filters.date_to:
        start = datetime.combine(filters.date_from, day_time.min) if filters.date_from else None
        end = datetime.combine(filters.date_to, day_time.max) if filters.date_to else None
        terms.append(wq.DateRange("created", start, end))
    return wq.And(terms) if terms else None


SORT_FIELDS = {"votes": "votes", "newest": "created"}


class _PageResults(Results):
    """Whoosh results that work out the query's terms once per page, not once per snippet."""

    def query_terms(self, expand=False, fieldname=None):
        """The query's terms in the index (cached: highlighting asks for them per hit)."""
        cache = self.__dict__.setdefault("_terms_cache", {})
        key = (expand, fieldname)
        if key not in cache:
            cache[key] = list(super().query_terms(expand=expand, fieldname=fieldname))
        return cache[key]


def _ranked(searcher, q, limit: int, allowed: set[int] | None, notices: list):
    """The top `limit` hits by relevance (BM25) and the exact count, in one pass.

    Every match is scored: Whoosh's block-max top-N search (`usequality=True`) skips blocks
    that cannot reach the page, but on this index it skipped little (BM25's bound for a
    block is loose when ideas are of similar length), and then needs a second pass to
    count; measured, the single pass costs less. Matched terms are not recorded
    (terms=True costs as much again); snippets mark every query term instead.
    """
    ranked = TopCollector(limit, usequality=False, replace=0)
    collector = FilterCollector(ranked, allow=allowed) if allowed is not None else ranked
    limited = TimeLimitCollector(
        collector, timelimit=current_app.config["SEARCH_TIME_LIMIT"], use_alarm=False
    )
    try:
        searcher.search_with_collector(q, limited)
    except TimeLimit:
        notices.append(_l("This search took too long, so only part of it is shown."))
    return _PageResults(searcher, q, ranked.results().top_n), ranked.total


def _search(searcher, q, sort: str, limit: int, filters: SearchFilters, notices: list):
    """The first `limit` hits in the chosen order, and the exact number of matching ideas.

    Sorting by votes or date needs no score: the set of matching ideas is read a block of
    postings at a time and the top of the page taken in C (`docsets`): measured, a
    quarter to a half of the CPU of Whoosh's sorting collector. Filters become sets of
    allowed ideas the same way.
    """
    allowed_query = _filter_query(filters)
    allowed = docsets.matching(searcher, allowed_query) if allowed_query is not None else None
    if allowed is not None and not any(docs for *_, docs in allowed):
        # Nothing passes the filters (and Whoosh reads an empty allow set as "no filter").
        return _PageResults(searcher, q, []), 0
    if sort in SORT_FIELDS:
        parts = docsets.matching(searcher, q)
        docnums, total = docsets.top_by_column(parts, SORT_FIELDS[sort], limit, allowed)
        return _PageResults(searcher, q, [(0.0, docnum) for docnum in docnums]), total
    return _ranked(searcher, q, limit, allowed and docsets.as_global(allowed), notices)


def query(
    text: str | None,
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Search ideas: Whoosh query syntax, filters, a sort, one page of highlighted results.

    Bad input becomes a notice or a problem on the page, never an exception.
    """
    sanitised = sanitise(text)
    out = SearchPage(text=sanitised.text, page=page, per_page=per_page, notices=sanitised.notices)
    if sanitised.problem:
        out.problem = sanitised.problem
        return out
    try:
        if sort == "votes":
            catch_up_votes()  # the one order that reads the queued net votes
        searcher = _store().searcher()
        q = parse(searcher.schema, sanitised)
        if q is None:
            out.problem = sanitised.problem
            return out
        results, out.total = _search(
            searcher, q, sort, page * per_page, filters or SearchFilters(), out.notices
        )
        out.results = _present(results[(page - 1) * per_page : page * per_page])
        out.suggestion = suggest(searcher, sanitised.text)
    except Exception:
        log.exception("search failed for %r", sanitised.text)
        out.problem = _l("Search is not available at the moment. Please try again shortly.")
    return out


def _present(hits) -> list[SearchResult]:
    """Load the ideas of a page of hits, in order, with highlighted title and snippet."""
    ids = [int(hit["id"]) for hit in hits]
    ideas = {idea.id: idea for idea in db.session.scalars(select(Idea).where(Idea.id.in_(ids)))}
    presented, stale = [], []
    for hit, idea_id in zip(hits, ids, strict=True):
        idea = ideas.get(idea_id)
        if idea is None or not is_indexable(idea):
            stale.append(idea_id)
            continue
        # The snippet comes from the start of long descriptions: analysing all 20,000
        # characters of each hit again would cost more than the search itself.
        body = plain_text(idea.body_html)[:SNIPPET_SOURCE]
        # Words searched without a field name are `text` terms, and `text` holds the title.
        title = (
            highlight(hit, "text", idea.title, whole=True, top=1)
            or highlight(hit, "title", idea.title, whole=True, top=1)
            or escape(idea.title)
        )
        snippet = highlight(hit, "text", body) or excerpt(body)
        presented.append(SearchResult(idea, title, snippet))
    if stale:
        # The index lags the database here; let the next writer bring these ideas up to date.
        _store().queue_pending(stale)
    return presented


def similar(title: str, body: str = "", limit: int = 5, exclude_id: int | None = None) -> list:
    """Up to `limit` ideas most like the given title and body (never raises)."""
    try:
        ids = similar_ids(_store().searcher(), title or "", body or "", limit, exclude_id)
    except Exception:
        log.exception("similar-ideas search failed")
        return []
    ideas = {idea.id: idea for idea in db.session.scalars(select(Idea).where(Idea.id.in_(ids)))}
    return [ideas[i] for i in ids if i in ideas and is_indexable(ideas[i])]


# -- operations ---------------------------------------------------------------------


@dataclass
class RebuildReport:
    """What a rebuild did."""

    documents: int
    seconds: float
    size_bytes: int
    caught_up: int


def rebuild() -> RebuildReport:
    """Build a fresh index in a new directory, then swap it in atomically.

    Searches keep using the old index until the swap; changes committed meanwhile are
    journalled and applied to the new index right after it.
    """
    store = _store()
    started = time.perf_counter()
    name, ix = store.begin_rebuild()
    count = 0
    try:
        # Nobody else writes to a generation that is not live yet, so no lock contention.
        writer = ix.writer(limitmb=256, **WRITER_OPTIONS)
        try:
            with _reading_session() as session:
                for document in all_documents(session):
                    writer.add_document(**document)
                    count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=True)
    except BaseException:
        store.abandon_rebuild(name)
        raise
    changed = store.swap(name, timeout=current_app.config["SEARCH_LOCK_TIMEOUT"] * 30)
    changed |= store.take_pending()
    if changed:
        index_ideas(changed)
    return RebuildReport(count, time.perf_counter() - started, store.size_bytes(), len(changed))


@dataclass
class CheckReport:
    """Ideas missing from the index, stale in it, or in it when they should not be."""

    missing: list[int]
    stale: list[int]
    extra: list[int]
    pending: int

    @property
    def ok(self) -> bool:
        """True when the index matches the database."""
        return not (self.missing or self.stale or self.extra or self.pending)


def check(repair: bool = False) -> CheckReport:
    """Compare every indexable idea with its document; optionally reindex what differs."""
    store = _store()
    with _reading_session() as session:
        expected = {int(doc["id"]): doc["digest"] for doc in all_documents(session)}
    searcher = store.searcher()
    indexed = {int(f["id"]): f.get("digest") for f in searcher.all_stored_fields()}
    pending = store.take_pending() if repair else store.peek_pending()
    report = CheckReport(
        missing=sorted(expected.keys() - indexed.keys()),
        stale=sorted(i for i in expected.keys() & indexed.keys() if expected[i] != indexed[i]),
        extra=sorted(indexed.keys() - expected.keys()),
        pending=len(pending),
    )
    if repair and not report.ok:
        index_ideas({*report.missing, *report.stale, *report.extra, *pending})
    return report


def index_path() -> Path | None:
    """The live generation's directory, for operators."""
    store = _store()
    name = store.current_name()
    return store.root / name if name else None


def index_complete() -> bool:
    """True when an index exists and holds as many ideas as the database says it should.

    Cheap (two counts), for `make run`: an index created by the first vote on a database
    that existed before search has only that idea, and needs a rebuild.
    """
    store = _store()
    if not store.exists():
        return False
    with _reading_session() as session:
        expected = session.scalar(
            select(func.count()).where(Idea.hidden.is_(False), Idea.stage != Stage.MERGED)
        )
    return store.searcher().doc_count() == expected
