"""Keep the index current: note changed ideas at each flush, reindex them after the commit.

The work happens after the database commit, so a search failure can never undo or fail
the member's action; index_ideas() queues what it cannot write for the next writer.
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
_IDS, _AUTHORS = "search_idea_ids", "search_author_ids"
# Rows whose change may alter an idea's document: votes change its net votes, flags may hide
# it. Hiding and merging change ideas through bulk UPDATEs the session never sees, so their
# audit entries stand in for them.
_BY_IDEA_ID = (Comment, Vote, OfficialResponse, StageChange, Flag)


def _audited_change(entry: AuditEntry) -> bool:
    return entry.action.startswith("moderation.") or entry.action == "idea.merge"


def _renamed(user: User) -> bool:
    return inspect(user).attrs.display_name.history.has_changes()


def _changed_ideas(session: Session) -> tuple[set[int], set[int]]:
    ids, authors = set(), set()
    for row in chain(session.new, session.dirty, session.deleted):
        if isinstance(row, Idea):
            ids.update(i for i in (row.id, row.merged_into_id) if i is not None)
        elif isinstance(row, _BY_IDEA_ID) and row.idea_id is not None:
            ids.add(row.idea_id)
        elif isinstance(row, AuditEntry) and _audited_change(row):
            ids.update(i for i in (row.idea_id,) if i is not None)
            if row.target_type == "idea" and row.target_id:
                ids.add(row.target_id)  # a merge's target gains votes
        elif isinstance(row, User) and row in session.dirty and _renamed(row):
            authors.add(row.id)  # the author field of every idea they posted changes
    return ids, authors


def _after_flush(session: Session, _context) -> None:
    ids, authors = _changed_ideas(session)
    session.info.setdefault(_IDS, set()).update(ids)
    session.info.setdefault(_AUTHORS, set()).update(authors)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # Releasing a SAVEPOINT (begin_nested) fires after_commit too, but nothing is
        # committed yet: keep the ids for the real commit.
        return
    ids = session.info.pop(_IDS, set())
    authors = session.info.pop(_AUTHORS, set())
    if not (ids or authors) or not has_app_context():
        return
    from ideas.search.index import index_ideas  # imported late: it imports the models

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
        session.info.pop(_IDS, None)
        session.info.pop(_AUTHORS, None)


def install() -> None:
    """Listen to the application's sessions (once per process, whatever the number of apps)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
