"""The triage queue: ideas that need the secretariat's action, its counts and bulk actions."""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import selectinload

from ideas.accounts.models import User
from ideas.audit.services import record
from ideas.board.models import Idea
from ideas.board.services import IdeaFilters, filter_clauses
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.services import notify
from ideas.timeutil import utcnow
from ideas.workflow.models import StageTally
from ideas.workflow.permissions import can_triage
from ideas.workflow.services import check_rationale, move_stage
from ideas.workflow.stages import Stage
from ideas.workflow.transitions import ALLOWED_TRANSITIONS, STAFF, Requirement


class Bucket(enum.StrEnum):
    """The three lists of the triage queue."""

    NEW = "new"  # proposed, nobody has reviewed them yet
    AWAITING = "awaiting"  # crossed the response threshold, no official response yet
    OVERDUE = "overdue"  # the response deadline has passed without a response

    @property
    def label(self) -> str:
        """The bucket's name in the active language."""
        return str(BUCKET_LABELS[self])


BUCKET_LABELS = {
    Bucket.NEW: _l("Not yet reviewed"),
    Bucket.AWAITING: _l("Awaiting a response"),
    Bucket.OVERDUE: _l("Response overdue"),
}

# Moves that need nothing but a rationale (and, at most, an assessment or a return to the
# stage an idea was held from) can be made in bulk; the rest need their own form.
_BULK_REQUIREMENTS = frozenset({Requirement.ASSESSMENT, Requirement.HELD_FROM})
BULK_TARGETS = tuple(
    stage
    for stage in Stage
    if any(
        to == stage and transition.requires <= _BULK_REQUIREMENTS
        for (_from, to), transition in ALLOWED_TRANSITIONS.items()
    )
)


def response_due_days() -> int:
    """Days the organisation has to answer once an idea crosses the threshold."""
    return current_app.config["RESPONSE_DUE_DAYS"]


def response_due_at(idea: Idea) -> datetime | None:
    """When the official response to the idea is due, if it is owed one."""
    if idea.threshold_reached_at is None:
        return None
    return idea.threshold_reached_at + timedelta(days=response_due_days())


def _open_clauses(filters: IdeaFilters) -> list:
    """Ideas the queue may list: not hidden, never merged, narrowed by the filters."""
    return [*filter_clauses(filters), Idea.stage != Stage.MERGED]


def _conditions(now: datetime) -> dict[Bucket, object]:
    """The SQL condition of each bucket at the given moment."""
    # Overdue means threshold + due days < now, written so the indexed column stands alone.
    deadline_start = now - timedelta(days=response_due_days())
    unanswered = and_(Idea.threshold_reached_at.is_not(None), Idea.responded_at.is_(None))
    return {
        Bucket.NEW: Idea.stage == Stage.PROPOSED,
        Bucket.AWAITING: and_(unanswered, Idea.threshold_reached_at >= deadline_start),
        Bucket.OVERDUE: and_(unanswered, Idea.threshold_reached_at < deadline_start),
    }


def bucket_query(bucket: Bucket, filters: IdeaFilters, now: datetime | None = None) -> Select:
    """The ideas in one bucket, the ones waiting longest first."""
    condition = _conditions(now or utcnow())[bucket]
    query = (
        select(Idea).where(*_open_clauses(filters), condition).options(selectinload(Idea.reviewer))
    )
    if bucket is Bucket.NEW:
        return query.order_by(Idea.created_at, Idea.id)
    return query.order_by(Idea.threshold_reached_at, Idea.id)


def new_ideas(filters: IdeaFilters, now: datetime | None = None) -> Select:
    """Proposed ideas nobody has reviewed yet, oldest first."""
    return bucket_query(Bucket.NEW, filters, now)


def awaiting_response(filters: IdeaFilters, now: datetime | None = None) -> Select:
    """Ideas past the response threshold, unanswered, still within the deadline."""
    return bucket_query(Bucket.AWAITING, filters, now)


def overdue_responses(filters: IdeaFilters, now: datetime | None = None) -> Select:
    """Ideas past the response threshold whose response deadline has passed unanswered."""
    return bucket_query(Bucket.OVERDUE, filters, now)


# "threshold_reached_at >= the earliest datetime" is "IS NOT NULL" written as a range: SQLite's
# planner then reads the threshold index instead of the (nearly useless) index on hidden.
_EARLIEST = datetime(1, 1, 1)


@dataclass(frozen=True)
class ResponseCounts:
    """Open ideas over the response threshold: all, responded, awaiting and overdue."""

    over_threshold: int
    responded: int
    awaiting: int
    overdue: int


def response_counts(filters: IdeaFilters, now: datetime | None = None) -> ResponseCounts:
    """The queue's awaiting and overdue counts, with the ideas over the threshold, in one query.

    Only ideas that crossed the threshold count here, so the query reads the
    threshold_reached_at index instead of every idea.
    """
    conditions = _conditions(now or utcnow())

    def count(condition) -> object:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            func.count(),
            count(Idea.responded_at.is_not(None)),
            count(conditions[Bucket.AWAITING]),
            count(conditions[Bucket.OVERDUE]),
        ).where(*_open_clauses(filters), Idea.threshold_reached_at >= _EARLIEST)
    ).one()
    return ResponseCounts(*(int(value) for value in row))


def new_count(filters: IdeaFilters, now: datetime | None = None) -> int:
    """How many proposed ideas wait for review: one row of the stage tally, unless filtered.

    The tally (StageTally) is exact; a filtered queue counts its own, fewer, ideas.
    """
    if filters == IdeaFilters():
        # A query, not session.get: the triggers change the row behind the session's back.
        tally = select(StageTally.ideas).where(
            StageTally.stage == Stage.PROPOSED, StageTally.hidden.is_(False)
        )
        return db.session.scalar(tally) or 0
    new = _conditions(now or utcnow())[Bucket.NEW]
    return db.session.scalar(select(func.count()).where(*_open_clauses(filters), new)) or 0


def bucket_counts(filters: IdeaFilters, now: datetime | None = None) -> dict[Bucket, int]:
    """How many ideas each bucket holds.

    Two reads instead of one pass over every open idea: the proposed ideas (new_count),
    and those over the response threshold (by threshold_reached_at).
    """
    now = now or utcnow()  # one instant for both reads
    responses = response_counts(filters, now)
    return {
        Bucket.NEW: new_count(filters, now),
        Bucket.AWAITING: responses.awaiting,
        Bucket.OVERDUE: responses.overdue,
    }


def reviewer_candidates() -> list[User]:
    """Active secretariat staff and admins, who may be assigned as reviewers."""
    query = (
        select(User)
        .where(User.role.in_(STAFF), User.active.is_(True))
        .order_by(User.display_name, User.id)
    )
    return list(db.session.scalars(query))


def ideas_by_ids(ids: Iterable[int]) -> list[Idea]:
    """The ideas with these ids that exist, in id order (each once)."""
    wanted = sorted({int(idea_id) for idea_id in ids})
    if not wanted:
        return []
    return list(db.session.scalars(select(Idea).where(Idea.id.in_(wanted)).order_by(Idea.id)))


def _check_bulk(ideas: list[Idea], actor: User) -> None:
    if not can_triage(actor):
        raise PermissionDenied(_l("Only secretariat staff and administrators triage ideas."))
    if not ideas:
        raise DomainError(_l("Select at least one idea."), field="ideas")


def assign_reviewer(ideas: list[Idea], reviewer: User, actor: User) -> list[Idea]:
    """Make a staff member the reviewer of several ideas; returns the ideas that changed."""
    _check_bulk(ideas, actor)
    if reviewer is None or not reviewer.active or reviewer.role not in STAFF:
        raise DomainError(
            _l("Reviewers are active secretariat staff or administrators."), field="reviewer"
        )
    changed = []
    for idea in ideas:
        if idea.reviewer_id == reviewer.id:
            continue  # already theirs: nothing to record or tell
        previous = idea.reviewer_id
        idea.reviewer_id = reviewer.id
        record(
            actor,
            "idea.assign_reviewer",
            idea_id=idea.id,
            target_type="user",
            target_id=reviewer.id,
            previous_reviewer_id=previous,
        )
        notify([reviewer.id], "reviewer_assigned", idea=idea, actor=actor)
        changed.append(idea)
    db.session.flush()
    return changed


@dataclass(frozen=True)
class MoveResult:
    """What happened to one idea of a bulk move: moved, or refused with the reason."""

    idea: Idea
    moved: bool
    message: str | None = None


def bulk_move(ideas: list[Idea], to: Stage, actor: User, rationale: str) -> list[MoveResult]:
    """Move several ideas to one stage with one rationale, each checked on its own.

    Each move runs in its own savepoint, so a move the table refuses changes nothing
    while the others are kept; every moved idea gets its own history and audit rows.
    """
    _check_bulk(ideas, actor)
    text = check_rationale(rationale)
    results = []
    for idea in ideas:
        try:
            with db.session.begin_nested():
                move_stage(idea, to, actor, text)
        except DomainError as error:
            results.append(MoveResult(idea, moved=False, message=error.message))
        else:
            results.append(MoveResult(idea, moved=True))
    return results
