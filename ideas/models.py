"""Import every model so the mapper registry and Alembic see the whole schema."""

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.board.models import Comment, Follow, Idea, Theme, Vote
from ideas.groups.models import Group, GroupKind, Membership
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage

__all__ = [
    "Comment",
    "Department",
    "Follow",
    "GovernmentLevel",
    "Group",
    "GroupKind",
    "Idea",
    "Membership",
    "Role",
    "Stage",
    "StageChange",
    "Theme",
    "User",
    "Vote",
]
