"""Experts: members the secretariat asks to assess an idea (Blueprint 2020's "tiger teams")."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ideas.accounts.models import User
from ideas.accounts.services import get_user_by_email
from ideas.audit.services import record
from ideas.board.comment_pages import shown_in_comment_lists
from ideas.board.idea_page import idea_has, idea_probe
from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.services import notify
from ideas.workflow.models import ExpertAssignment
from ideas.workflow.permissions import can_assign_experts
from ideas.workflow.stages import Stage


def _check_may_assign(actor: User, idea: Idea) -> None:
    if not can_assign_experts(actor, idea):
        raise PermissionDenied(_l("Only secretariat staff assign experts."))


def assign_expert(idea: Idea, user: User, actor: User) -> ExpertAssignment:
    """Ask a member to assess the idea; they are notified and may then fill in a scorecard."""
    _check_may_assign(actor, idea)
    if user is None or not user.active:
        raise DomainError(_l("No active account has this email address."), field="email")
    if idea.stage is Stage.MERGED:
        raise DomainError(_l("This idea was merged into another one: assess that one instead."))
    if user.id == idea.author_id:
        # Assessing one's own idea is a conflict of interest.
        raise DomainError(_l("The author of an idea cannot assess it."), field="email")
    key = {"idea_id": idea.id, "user_id": user.id}
    if db.session.get(ExpertAssignment, key) is not None:
        raise DomainError(
            _l("%(name)s is already an expert on this idea.", name=user.display_name),
            field="email",
        )
    assignment = ExpertAssignment(idea_id=idea.id, user_id=user.id, assigned_by_id=actor.id)
    assignment.user = user
    db.session.add(assignment)
    record(actor, "idea.assign_expert", idea_id=idea.id, target_type="user", target_id=user.id)
    notify([user.id], "expert_assigned", idea=idea, actor=actor)
    db.session.flush()
    return assignment


def assign_expert_by_email(idea: Idea, email: str, actor: User) -> ExpertAssignment:
    """Assign the member with this email address (the form on the idea page names them so)."""
    _check_may_assign(actor, idea)
    user = get_user_by_email(email or "")
    if user is None:
        raise DomainError(_l("No active account has this email address."), field="email")
    return assign_expert(idea, user, actor)


def remove_expert(idea: Idea, user: User, actor: User) -> None:
    """Withdraw a member's expert assignment; scorecards they already filled in stay."""
    _check_may_assign(actor, idea)
    assignment = db.session.get(ExpertAssignment, {"idea_id": idea.id, "user_id": user.id})
    if assignment is None:
        raise DomainError(_l("%(name)s is not an expert on this idea.", name=user.display_name))
    db.session.delete(assignment)
    record(actor, "idea.remove_expert", idea_id=idea.id, target_type="user", target_id=user.id)
    db.session.flush()


# Their comments carry an "Expert" badge: assigning or removing one changes the list.
shown_in_comment_lists(ExpertAssignment)
idea_probe(
    "experts",
    lambda idea_id: (
        select(ExpertAssignment.user_id).where(ExpertAssignment.idea_id == idea_id).exists()
    ),
)


def experts_of(idea: Idea) -> list[ExpertAssignment]:
    """The idea's expert assignments, oldest first, with each expert loaded."""
    if not idea_has(idea, "experts"):
        return []
    return list(
        db.session.scalars(
            select(ExpertAssignment)
            .where(ExpertAssignment.idea_id == idea.id)
            .order_by(ExpertAssignment.created_at, ExpertAssignment.user_id)
        )
    )
