"""Merging a duplicate into the idea it repeats: stage, votes, followers, counters, audit."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from ideas.accounts.models import User
from ideas.audit.services import record
from ideas.board.idea_page import idea_has, idea_probe
from ideas.board.models import Follow, Idea, Vote
from ideas.board.services import recount_idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.services import author_and_followers, notify
from ideas.workflow.permissions import can_merge
from ideas.workflow.services import check_rationale, move_stage
from ideas.workflow.stages import Stage
from ideas.workflow.transitions import transition_for


@dataclass(frozen=True)
class MergeResult:
    """What a merge did: the votes moved or dropped and the followers added to the target."""

    votes_moved: int
    votes_dropped: int
    followers_added: int


def merge_chain(idea: Idea) -> list[Idea]:
    """The ideas `idea` was merged into, nearest first (empty if it was never merged)."""
    chain: list[Idea] = []
    seen = {idea.id}
    current = idea.merged_into
    # `seen` guards against a cycle already in the data: the walk must end regardless.
    while current is not None and current.id not in seen:
        chain.append(current)
        seen.add(current.id)
        current = current.merged_into
    return chain


def check_merge(duplicate: Idea, target: Idea | None, actor: User, rationale: str) -> str:
    """Refuse a merge that is not allowed, changing nothing; return the trimmed rationale."""
    if not can_merge(actor, duplicate):
        raise PermissionDenied(_l("Only secretariat staff and administrators merge ideas."))
    if target is None:
        raise DomainError(_l("Choose the idea this one duplicates."), field="target")
    if target.id == duplicate.id:
        raise DomainError(_l("An idea cannot be merged into itself."), field="target")
    if transition_for(duplicate.stage, Stage.MERGED) is None:
        raise DomainError(
            _l("An idea that is %(stage)s cannot be merged.", stage=duplicate.stage.label),
            field="target",
        )
    chain = merge_chain(target)
    if duplicate.id in {idea.id for idea in chain}:
        raise DomainError(
            _l("Idea #%(id)d was merged into this one: merging back would make a loop.",
               id=target.id),
            field="target",
        )  # fmt: skip
    if target.stage is Stage.MERGED or chain:
        raise DomainError(
            _l(
                "Idea #%(id)d was itself merged into idea #%(final)d; merge into that one.",
                id=target.id,
                final=chain[-1].id if chain else target.id,
            ),
            field="target",
        )
    return check_rationale(rationale)


def merge_ideas(duplicate: Idea, target: Idea, actor: User, rationale: str) -> MergeResult:
    """Merge a duplicate into its target, all in the caller's transaction.

    The duplicate moves to merged (history, audit and notification through move_stage);
    its votes move to the target, where a member's own vote on the target wins and the
    target's author cannot end up voting on their own idea; its followers follow the
    target; both ideas' counters and ranking columns are recounted. Its comments stay.
    """
    _lock(duplicate, target)
    check_merge(duplicate, target, actor, rationale)
    move_stage(duplicate, Stage.MERGED, actor, rationale, merge_target=target)

    voted_on_target = select(Vote.user_id).where(Vote.idea_id == target.id)
    movable = select(Vote.user_id, Vote.value, Vote.created_at, Vote.updated_at).where(
        Vote.idea_id == duplicate.id, Vote.user_id.not_in(voted_on_target)
    )
    if target.author_id is not None:
        movable = movable.where(Vote.user_id != target.author_id)
    moving = [row._asdict() for row in db.session.execute(movable)]
    total = db.session.execute(delete(Vote).where(Vote.idea_id == duplicate.id)).rowcount
    if moving:
        db.session.execute(insert(Vote), [{**row, "idea_id": target.id} for row in moving])

    new_followers = list(
        db.session.scalars(
            select(Follow.user_id).where(
                Follow.idea_id == duplicate.id,
                Follow.user_id.not_in(select(Follow.user_id).where(Follow.idea_id == target.id)),
            )
        )
    )
    if new_followers:
        db.session.execute(
            insert(Follow), [{"idea_id": target.id, "user_id": uid} for uid in new_followers]
        )

    recount_idea(duplicate)
    recount_idea(target)
    db.session.expire(duplicate, ["merged_into"])
    result = MergeResult(len(moving), total - len(moving), len(new_followers))
    record(
        actor,
        "idea.merge",
        idea_id=duplicate.id,
        target_type="idea",
        target_id=target.id,
        duplicate_id=duplicate.id,
        merged_into_id=target.id,
        votes_moved=result.votes_moved,
        votes_dropped=result.votes_dropped,
        followers_added=result.followers_added,
    )
    notify(author_and_followers(duplicate), "merged", idea=duplicate, actor=actor,
           target_id=target.id)  # fmt: skip
    db.session.flush()
    return result


def _lock(*ideas: Idea) -> None:
    """Lock both idea rows, in id order so two merges cannot deadlock, until commit.

    Votes and follows update these rows too, so they wait for the merge rather than
    change counts it is recounting.
    """
    ids = sorted(idea.id for idea in ideas if idea is not None)
    # populate_existing reloads the ideas as they are once locked (another merge may
    # have just changed one), so the checks that follow judge the current state.
    db.session.scalars(
        select(Idea)
        .where(Idea.id.in_(ids))
        .order_by(Idea.id)
        .with_for_update(of=Idea)
        .execution_options(populate_existing=True)
    ).all()


idea_probe("merged", lambda idea_id: select(Idea.id).where(Idea.merged_into_id == idea_id).exists())


def merged_duplicates(idea: Idea) -> list[Idea]:
    """The duplicates merged into this idea, oldest merge first."""
    if not idea_has(idea, "merged"):
        return []
    return list(
        db.session.scalars(
            select(Idea)
            .where(Idea.merged_into_id == idea.id)
            .order_by(Idea.stage_changed_at, Idea.id)
        )
    )
