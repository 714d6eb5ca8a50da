"""Who may flag content and who moderates it: predicates used by views and templates."""

from ideas.accounts.models import User
from ideas.board.models import Comment, Idea
from ideas.workflow.permissions import is_staff


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def reportable(item: Idea | Comment) -> bool:
    """Whether anyone may still report this idea or comment: only while it is not hidden.

    Hidden content is already waiting for (or past) a moderator's decision, and members
    cannot see it, so there is nothing left for a report to do.
    """
    return not item.hidden


def can_flag(user: User | None, idea: Idea, comment: Comment | None = None) -> bool:
    """Signed-in members report others' reportable content, never their own."""
    if not _signed_in(user):
        return False
    item = comment if comment is not None else idea
    if comment is not None and comment.idea_id != idea.id:
        return False
    return item.author_id != user.id and reportable(item)


def can_moderate(user: User | None) -> bool:
    """Secretariat staff and admins work the moderation queue."""
    return is_staff(user)
