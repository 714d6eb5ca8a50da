"""Who may act in the workflow: one predicate per action, used by views and templates."""

from ideas.accounts.models import Role, User
from ideas.board.idea_page import idea_has
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.workflow.models import ExpertAssignment
from ideas.workflow.transitions import STAFF


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_staff(user: User | None) -> bool:
    """Secretariat staff and administrators run the workflow."""
    return _signed_in(user) and user.role in STAFF


def can_triage(user: User | None) -> bool:
    """The triage queue and its bulk actions are for secretariat staff and admins."""
    return is_staff(user)


def can_move_stage(user: User | None, idea: Idea) -> bool:
    """Only secretariat staff and admins move ideas (the transition table says where)."""
    return is_staff(user)


def is_expert_for(user: User | None, idea: Idea) -> bool:
    """True if the secretariat assigned this member as an expert on the idea."""
    if not _signed_in(user) or not idea_has(idea, "experts"):
        return False
    key = {"idea_id": idea.id, "user_id": user.id}
    return db.session.get(ExpertAssignment, key) is not None


def can_assess(user: User | None, idea: Idea) -> bool:
    """Secretariat staff and the experts assigned to the idea fill in scorecards."""
    return is_staff(user) or is_expert_for(user, idea)


def can_assign_experts(user: User | None, idea: Idea) -> bool:
    """Secretariat staff assign experts and reviewers."""
    return is_staff(user)


def can_respond(user: User | None, idea: Idea) -> bool:
    """Secretariat staff, executives and admins post official responses."""
    return _signed_in(user) and user.role in (Role.SECRETARIAT, Role.EXECUTIVE, Role.ADMIN)


def can_merge(user: User | None, idea: Idea) -> bool:
    """Secretariat staff merge duplicates."""
    return is_staff(user)


def can_record_progress(user: User | None, idea: Idea) -> bool:
    """Secretariat staff record implementation progress and milestones."""
    return is_staff(user)
