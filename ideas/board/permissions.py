"""Who may do what on the board: one predicate per action, used by views and templates."""

from ideas.accounts.models import User
from ideas.board.models import Comment, Idea
from ideas.workflow.stages import Stage


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_edit_idea(user: User | None, idea: Idea) -> bool:
    """Authors edit their own idea while it is still proposed (before review starts)."""
    return _signed_in(user) and idea.author_id == user.id and idea.stage is Stage.PROPOSED


def can_vote(user: User | None, idea: Idea) -> bool:
    """Members vote on others' ideas; merged ideas take no votes (their target does).

    Nor do ideas hidden by moderation: members cannot see what they would vote on.
    """
    return (
        _signed_in(user)
        and idea.author_id != user.id
        and idea.stage is not Stage.MERGED
        and not idea.hidden
    )


def can_comment(user: User | None, idea: Idea) -> bool:
    """Every signed-in member may comment, except on a merged duplicate or a hidden idea."""
    return _signed_in(user) and idea.stage is not Stage.MERGED and not idea.hidden


def can_follow(user: User | None, idea: Idea) -> bool:
    """Every signed-in member may follow any idea."""
    return _signed_in(user)


def can_see_comment(user: User | None, comment: Comment) -> bool:
    """Hidden comments are shown only to secretariat staff and admins."""
    return not comment.hidden or (_signed_in(user) and user.is_staff)
