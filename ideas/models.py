"""Import every model so the mapper registry and Alembic see the whole schema."""

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.audit.models import AuditEntry
from ideas.board.models import Comment, Follow, Idea, Theme, Vote
from ideas.dashboard.models import PublishedReport
from ideas.groups.models import Group, GroupKind, Membership
from ideas.moderation.models import Flag, FlagStatus
from ideas.notifications.models import Notification
from ideas.workflow.models import (
    Assessment,
    ExpertAssignment,
    Milestone,
    OfficialResponse,
    Pilot,
    PilotOutcome,
    Recommendation,
    StageChange,
)
from ideas.workflow.stages import Stage

__all__ = [
    "Assessment",
    "AuditEntry",
    "Comment",
    "Department",
    "ExpertAssignment",
    "Flag",
    "FlagStatus",
    "Follow",
    "GovernmentLevel",
    "Group",
    "GroupKind",
    "Idea",
    "Membership",
    "Milestone",
    "Notification",
    "OfficialResponse",
    "Pilot",
    "PilotOutcome",
    "PublishedReport",
    "Recommendation",
    "Role",
    "Stage",
    "StageChange",
    "Theme",
    "User",
    "Vote",
]
