"""Sending notifications to the people concerned, and reading them."""

from collections.abc import Iterable

from sqlalchemy import func, select, update

from ideas.accounts.models import User
from ideas.board.models import Follow, Idea
from ideas.extensions import db
from ideas.notifications.messages import referenced_idea_ids
from ideas.notifications.models import Notification
from ideas.timeutil import utcnow


def notify(
    recipients: Iterable[int], kind: str, *, idea: Idea | None, actor: User | None, **data
) -> int:
    """Queue one notification per recipient (never the actor), in the current transaction."""
    actor_id = actor.id if actor is not None else None
    unique = {user_id for user_id in recipients if user_id is not None and user_id != actor_id}
    db.session.add_all(
        Notification(
            user_id=user_id,
            kind=kind,
            idea_id=idea.id if idea is not None else None,
            actor_id=actor_id,
            data=data,
        )
        for user_id in sorted(unique)
    )
    return len(unique)


def author_and_followers(idea: Idea) -> set[int]:
    """The idea's author and everyone who follows it."""
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.idea_id == idea.id)))
    if idea.author_id is not None:
        followers.add(idea.author_id)
    return followers


def unread_count(user: User) -> int:
    """How many notifications the user has not read."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def notifications_for(user: User):
    """The user's notifications, newest first (a query to paginate)."""
    return (
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    )


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) unread notification of the user as read."""
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    return db.session.execute(statement.values(read_at=utcnow())).rowcount


def notification_of(user: User, notification_id: int) -> Notification | None:
    """The user's own notification with this id, or None (someone else's counts as none)."""
    return db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


def ideas_named_in(notifications: Iterable[Notification]) -> dict[int, Idea]:
    """The ideas that notifications link to or name (merge targets), loaded in one query."""
    ids: set[int] = set()
    for notification in notifications:
        if notification.idea_id is not None:
            ids.add(notification.idea_id)
        ids |= referenced_idea_ids(notification)
    if not ids:
        return {}
    return {idea.id: idea for idea in db.session.scalars(select(Idea).where(Idea.id.in_(ids)))}
