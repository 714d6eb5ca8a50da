"""Keep the index current: note changed ideas at each flush, reindex them after the commit.

The work happens after the database commit, so a search failure can never undo or fail
the member's action; index_ideas() queues what it cannot write for the next writer.

A vote changes nothing in an idea's document but its net votes (the "votes" sort), and
rewriting the whole document per vote capped vote throughput, so an idea whose only change
is its votes is queued instead (queue_votes) and the queue is applied in batches by
`flask search sync --every 5`, a process beside the web server; where none runs, a batch
at a time by the next content write, by a votes-sorted search and by one vote per
SEARCH_VOTES_FLUSH_SECONDS. Content changes are indexed at once.
"""

import logging
from itertools import chain

from flask import has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ideas.accounts.models import User
from ideas.audit.models import AuditEntry
from ideas.board.models import Comment, Idea, Vote
from ideas.extensions import db
from ideas.moderation.models import Flag
from ideas.workflow.models import OfficialResponse, StageChange

log = logging.getLogger(__name__)
_IDS, _VOTES, _AUTHORS = "search_idea_ids", "search_vote_ids", "search_author_ids"
# Rows whose change may alter an idea's document (flags may hide it). Hiding and merging
# change ideas through bulk UPDATEs the session never sees, so their audit entries stand in
# for them. Votes are apart: they only change the net votes (see the module's docstring).
_BY_IDEA_ID = (Comment, OfficialResponse, StageChange, Flag)


def _audited_change(entry: AuditEntry) -> bool:
    return entry.action.startswith("moderation.") or entry.action == "idea.merge"


def _renamed(user: User) -> bool:
    return inspect(user).attrs.display_name.history.has_changes()


def _changed_ideas(session: Session) -> tuple[set[int], set[int], set[int]]:
    ids, votes, authors = set(), set(), set()
    for row in chain(session.new, session.dirty, session.deleted):
        if isinstance(row, Vote):
            votes.add(row.idea_id)
        elif isinstance(row, Idea):
            ids.update(i for i in (row.id, row.merged_into_id) if i is not None)
        elif isinstance(row, _BY_IDEA_ID) and row.idea_id is not None:
            ids.add(row.idea_id)
        elif isinstance(row, AuditEntry) and _audited_change(row):
            ids.update(i for i in (row.idea_id,) if i is not None)
            if row.target_type == "idea" and row.target_id:
                ids.add(row.target_id)  # a merge's target gains votes
        elif isinstance(row, User) and row in session.dirty and _renamed(row):
            authors.add(row.id)  # the author field of every idea they posted changes
    return ids, votes, authors


def _after_flush(session: Session, _context) -> None:
    ids, votes, authors = _changed_ideas(session)
    session.info.setdefault(_IDS, set()).update(ids)
    session.info.setdefault(_VOTES, set()).update(votes)
    session.info.setdefault(_AUTHORS, set()).update(authors)


def votes_changed(session: Session, idea_id: int) -> None:
    """Note an idea whose votes changed through SQL the session does not track as rows."""
    session.info.setdefault(_VOTES, set()).add(idea_id)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # Releasing a SAVEPOINT (begin_nested) fires after_commit too, but nothing is
        # committed yet: keep the ids for the real commit.
        return
    ids = session.info.pop(_IDS, set())
    votes = session.info.pop(_VOTES, set()) - ids  # a content change rewrites the whole document
    authors = session.info.pop(_AUTHORS, set())
    if not (ids or votes or authors) or not has_app_context():
        return
    from ideas.search.index import index_ideas, queue_votes  # late: they import the models

    if not (ids or authors):
        queue_votes(votes)  # never raises
        return
    ids |= votes  # this commit writes to the index anyway
    try:
        if authors:
            with Session(bind=db.engine) as reader:
                ids |= set(reader.scalars(select(Idea.id).where(Idea.author_id.in_(authors))))
    except Exception:
        # A count, not the ids: logs carry no identifiers of people.
        log.exception("could not list the ideas of %d renamed author(s)", len(authors))
    index_ideas(ids)  # never raises


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        # A rolled-back transaction changed nothing worth indexing.
        for key in (_IDS, _VOTES, _AUTHORS):
            session.info.pop(key, None)


def install() -> None:
    """Listen to the application's sessions (once per process, whatever the number of apps)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
