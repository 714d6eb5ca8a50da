"""The search interface: index_idea, remove_idea, query, similar, rebuild and check.

Callers use these functions only; Tantivy (and Whoosh's parser and analyzers) stay behind
them and the modules they use, so another engine could replace it without touching the
rest of the application.
"""

import logging
import time
from collections.abc import Iterable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from datetime import time as day_time
from pathlib import Path

import tantivy
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ideas.board.models import Idea
from ideas.extensions import db
from ideas.search import engine
from ideas.search.documents import (
    BATCH,
    all_documents,
    is_indexable,
    load_documents,
    plain_text,
)
from ideas.search.querying import excerpt, highlight, parse, sanitise, suggest
from ideas.search.results import SearchFilters, SearchPage, SearchResult
from ideas.search.similarity import similar_ids
from ideas.search.store import PENDING, IndexBusy, IndexStore
from ideas.workflow.stages import Stage

log = logging.getLogger(__name__)

SORTS = ("relevance", "votes", "newest")
SNIPPET_SOURCE = 3000
_STORES: dict[str, IndexStore] = {}
# The most queued ids one lock hold takes: a request that writes (a comment, a vote at its
# flush turn, a votes-sorted search) adds at most this many to its own ideas, about a second
# of work, and a long queue is drained batch by batch with the lock let go in between.
QUEUE_BATCH = 500
# Memory of the writer that keeps the index current (one thread, and Tantivy's least: a
# write is a few ideas), and of a rebuild's (more means fewer segments flushed on the way).
WRITER_HEAP, REBUILD_HEAP = 15_000_000, 256_000_000


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


@contextmanager
def _writing(ix: tantivy.Index, heap: int = WRITER_HEAP, threads: int = 1):
    """A Tantivy writer, committed on success and rolled back on error, then closed.

    Closing waits for the segment merges the commit started, so the next writer (perhaps
    in another process) finds the index settled and its own writer lock free.
    """
    writer = ix.writer(heap, threads)
    try:
        yield writer
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()


def _stored(searcher: tantivy.Searcher, ids: Iterable[int]) -> dict[int, str]:
    """The digest the index holds for each of these ideas that it holds."""
    wanted = list(ids)
    q = tantivy.Query.term_set_query(engine.index_schema(), "id", wanted)
    found: dict[int, str] = {}
    for _score, address in searcher.search(q, len(wanted), count=False).hits:
        doc = searcher.doc(address)
        found[doc.get_first("id")] = doc.get_first("digest")
    return found


# -- keeping the index current -------------------------------------------------------


def _write(ix: tantivy.Index, ids: set[int]) -> int:
    """Write the documents of these ideas that differ from the index; return how many.

    A batch at a time (read, compare, add), in one commit: a flush of queued votes may
    name ten thousand ideas, and holding all their documents at once cost a worker over
    200 MB of memory.
    """
    ix.reload()  # we hold the lock, so the last commit is the newest state of the index
    searcher = ix.searcher()
    wanted = sorted(ids)
    written = 0
    with _reading_session() as session, ExitStack() as stack:
        writer = None
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            indexed = _stored(searcher, chunk)
            for idea_id, document in load_documents(session, chunk).items():
                if (document and document["digest"]) == indexed.get(idea_id):
                    continue  # unchanged: a commit that changes nothing costs no index write
                if writer is None:
                    writer = stack.enter_context(_writing(ix))
                writer.delete_documents_by_term("id", idea_id)
                if document is not None:
                    writer.add_document(engine.to_document(document))
                written += 1
            session.expunge_all()  # the batch's ideas and comments are done with
    return written


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
            if not _taken_within(store, _votes_lag()):
                # Nobody drains the queue (no `flask search sync --every` runs): this
                # writer takes a batch of it, so that it empties when the site is quiet.
                store.mark_taken()
                ids |= store.take_pending(QUEUE_BATCH)
            _write(ix, ids)
        return True
    except IndexBusy:
        log.warning("search index busy; %d idea(s) queued for the next writer", len(ids))
    except Exception:
        log.exception("search indexing failed; %d idea(s) queued for the next writer", len(ids))
    _requeue(store, ids)
    return False


def _requeue(store: IndexStore, ids: set[int]) -> None:
    """Put ids a writer could not apply back in the queue, for the next one (never raises)."""
    try:
        store.queue_pending(ids)
    except OSError:
        log.exception("could not queue ideas %s for indexing", sorted(ids))


def index_idea(idea_id: int) -> bool:
    """Bring one idea up to date in the index."""
    return index_ideas([idea_id])


def remove_idea(idea_id: int) -> bool:
    """Take one idea out of the index, whatever the database says."""
    store = _store()
    try:
        with (
            store.locked(current_app.config["SEARCH_LOCK_TIMEOUT"]) as ix,
            _writing(ix) as writer,
        ):
            writer.delete_documents_by_term("id", idea_id)
        return True
    except Exception:
        log.exception("could not remove idea %d from the search index", idea_id)
        store.queue_pending([idea_id])  # the next writer re-reads it and removes it
        return False


def _votes_lag() -> float:
    return float(current_app.config.get("SEARCH_VOTES_LAG", 5.0))


def _taken_within(store: IndexStore, seconds: float) -> bool:
    """True when a writer, in any process, took the queue less than `seconds` ago.

    Any process: where `flask search sync --every 5` runs, it takes the queue every few
    seconds, and no vote or search of the web workers need take it themselves.
    """
    return time.time() - store.taken_at() < seconds


def _has_pending(store: IndexStore) -> bool:
    try:
        return (store.root / PENDING).stat().st_size > 0
    except FileNotFoundError:
        return False


def flush_pending(timeout: float | None = None, limit: int | None = None) -> int:
    """Apply the queue as it stands, or its oldest `limit` ids; return how many were applied.

    A batch of QUEUE_BATCH ids per hold of the lock, which is let go in between so that
    other writers (a member's comment) wait for one batch at most. Waits up to `timeout` s
    for the lock (SEARCH_LOCK_TIMEOUT by default). Never raises: a busy index leaves the
    queue for its writer, who takes some of it; a failed write puts its ids back.
    """
    store = _store()
    if timeout is None:
        timeout = current_app.config["SEARCH_LOCK_TIMEOUT"]
    if limit is None:
        # What is queued now: ids queued while it runs wait for the next flush, so a
        # flush during a vote storm ends.
        limit = len(store.peek_pending())
    applied = 0
    while _has_pending(store) and applied < limit:
        ids: set[int] = set()
        batch = min(QUEUE_BATCH, limit - applied)
        try:
            with store.locked(timeout) as ix:
                store.mark_taken()
                ids = store.take_pending(batch)
                if ids:
                    _write(ix, ids)
        except IndexBusy:
            break
        except Exception:
            log.exception("search indexing failed; %d idea(s) queued again", len(ids))
            _requeue(store, ids)
            break
        applied += len(ids)
    return applied


def queue_votes(ids: Iterable[int]) -> None:
    """Note ideas whose only change is their votes; they reach the index in batches.

    A vote must not pay for rewriting its idea's whole document (the text of the idea and
    of its comments is analysed again, and the index writes and merges segments): the ids join
    the queue, which the next writer takes. So that the queue stays short when nothing
    else writes and nobody sorts by votes, a vote applies the oldest QUEUE_BATCH ids itself
    when no writer of any process has taken the queue for SEARCH_VOTES_FLUSH_SECONDS, if
    no other writer holds the index (it never waits for the lock). Where `flask search
    sync --every` runs, it takes the queue far more often, and votes never do. Never raises.
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
        flush_pending(timeout=0, limit=QUEUE_BATCH)


def catch_up_votes() -> None:
    """Before a votes-sorted search: apply queued votes older than SEARCH_VOTES_LAG seconds.

    Votes queued after a writer last took the queue are younger than that, so a search
    never sees votes older than the lag missing, unless the queue is longer than a batch
    (a vote storm, which the sync process drains) or the index stays busy.
    """
    store = _store()
    if not _taken_within(store, _votes_lag()):
        flush_pending(limit=QUEUE_BATCH)


def apply_pending() -> int:
    """Apply queued ids now (used by the CLI); returns how many there were."""
    ids = _store().take_pending()
    if ids and not index_ideas(ids):
        return 0
    return len(ids)


# -- searching ----------------------------------------------------------------------


def _filters(filters: SearchFilters) -> list[tantivy.Query]:
    """The filters of a search as Tantivy queries (every one must match)."""
    found = [
        engine.term(name, str(value))
        for name, value in (
            ("theme", filters.theme_id),
            ("group", filters.group_id),
            ("department", filters.department_id),
            ("stage", filters.stage.value if filters.stage is not None else None),
        )
        if value is not None
    ]
    if filters.date_from or filters.date_to:
        start = datetime.combine(filters.date_from, day_time.min) if filters.date_from else None
        end = datetime.combine(filters.date_to, day_time.max) if filters.date_to else None
        found.append(engine.date_range("created", start, end))
    return found


# The sorts other than relevance, by the column they read.
SORT_FIELDS = {"votes": "votes", "newest": "created"}


def _search(searcher, q, sort: str, page: int, per_page: int, filters: SearchFilters):
    """The ids of one page of matching ideas in the chosen order, and how many match.

    Tantivy ranks by BM25 (or reads the sort's column) and counts every match in one
    pass, in Rust; ties keep the index's order, so pages never overlap.
    """
    found = searcher.search(
        engine.filtered(engine.translate(q), _filters(filters)),
        per_page,
        count=True,
        offset=(page - 1) * per_page,
        order_by_field=SORT_FIELDS.get(sort),
    )
    addresses = [address for _key, address in found.hits]
    ids = searcher.fast_field_values("id", addresses) if addresses else []
    return ids, found.count


def query(
    text: str | None,
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Search ideas: Whoosh's query syntax, filters, a sort, one page of highlighted results.

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
        q = parse(sanitised)
        if q is None:
            out.problem = sanitised.problem
            return out
        ids, out.total = _search(searcher, q, sort, page, per_page, filters or SearchFilters())
        out.results = _present(ids, engine.positive_terms(q), searcher)
        out.suggestion = suggest(searcher, sanitised.text)
    except Exception:
        log.exception("search failed for %r", sanitised.text)
        out.problem = _l("Search is not available at the moment. Please try again shortly.")
    return out


def _present(ids: list[int], terms: dict, searcher) -> list[SearchResult]:
    """Load the ideas of a page, in order, with highlighted title and snippet."""
    ideas = {idea.id: idea for idea in db.session.scalars(select(Idea).where(Idea.id.in_(ids)))}
    # Words searched without a field name are `text` terms, and `text` holds the title.
    words = {name: _expanded(searcher, name, found) for name, found in terms.items()}
    presented, stale = [], []
    for idea_id in ids:
        idea = ideas.get(idea_id)
        if idea is None or not is_indexable(idea):
            stale.append(idea_id)
            continue
        # The snippet comes from the start of long descriptions: analysing all 20,000
        # characters of each hit again would cost more than the search itself.
        body = plain_text(idea.body_html)[:SNIPPET_SOURCE]
        title = (
            highlight(words.get("text"), idea.title, whole=True)
            or highlight(words.get("title"), idea.title, whole=True)
            or escape(idea.title)
        )
        snippet = highlight(words.get("text"), body) or excerpt(body)
        presented.append(SearchResult(idea, title, snippet))
    if stale:
        # The index lags the database here; let the next writer bring these ideas up to date.
        _store().queue_pending(stale)
    return presented


# A wildcard marks at most this many of the words it stands for in snippets.
HIGHLIGHT_EXPANSIONS = 200


def _expanded(searcher, fieldname: str, found: set) -> frozenset[str]:
    """The field's words to mark: the query's own, and those its wildcards stand for."""
    words = {w for w in found if isinstance(w, str)}
    for node in found - words:
        pattern = engine.wildcard_pattern(node)
        prefix = node.text.split("*", 1)[0].split("?", 1)[0]
        for word, _count in searcher.terms_with_prefix(
            fieldname, prefix, limit=HIGHLIGHT_EXPANSIONS
        ):
            if pattern.fullmatch(word):
                words.add(word)
    return frozenset(words)


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
        # Nobody else writes to a generation that is not live yet, so no lock contention;
        # two threads index while this one analyses the text.
        with _writing(ix, REBUILD_HEAP, threads=2) as writer, _reading_session() as session:
            for document in all_documents(session):
                writer.add_document(engine.to_document(document))
                count += 1
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
    indexed: dict[int, str] = {}
    if searcher.num_docs:
        for _score, address in searcher.search(
            tantivy.Query.all_query(), searcher.num_docs, count=False
        ).hits:
            doc = searcher.doc(address)
            indexed[doc.get_first("id")] = doc.get_first("digest")
    pending = store.take_pending() if repair else store.peek_pending()
    # A queued idea's document is behind its votes by design (the queue is their lag);
    # it is counted as pending, not stale, which would say the index lost a change.
    report = CheckReport(
        missing=sorted(expected.keys() - indexed.keys()),
        stale=sorted(
            i
            for i in expected.keys() & indexed.keys()
            if expected[i] != indexed[i] and i not in pending
        ),
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
    return store.searcher().num_docs == expected
