"""Who may create and manage groups."""

from ideas.accounts.models import User
from ideas.groups.models import GroupKind


def can_create_group(user: User | None, kind: GroupKind) -> bool:
    """Any member creates a topic group; only administrators create department groups."""
    if user is None or not user.is_authenticated:
        return False
    return kind is GroupKind.TOPIC or user.is_admin
