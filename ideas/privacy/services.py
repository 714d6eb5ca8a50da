"""Privacy rules: a member's own data as an archive, and deleting an account by anonymising it.

Deleting keeps the row (its ideas, comments and votes still need an author and a voter)
but removes everything that says who the person was; see docs/security.md, "Privacy".
"""

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from ideas.accounts.models import Role, User, new_session_token
from ideas.accounts.services import get_user_by_email
from ideas.audit.services import record
from ideas.board.models import Comment, Follow, Idea, Vote
from ideas.board.services import unfollow_idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.groups.models import Group, Membership
from ideas.groups.services import leave_group
from ideas.moderation.models import Flag
from ideas.notifications.models import Notification
from ideas.privacy.permissions import can_delete_account
from ideas.timeutil import utcnow
from ideas.workflow.models import ExpertAssignment

ARCHIVE_FORMAT = "ideas-member-data"
ARCHIVE_VERSION = 1
# Not an address (no "@"), so no message can ever be sent to it; unique like the column.
DELETED_EMAIL_PREFIX = "deleted-account:"
# Werkzeug's check_password_hash answers False for a hash without a method prefix.
UNUSABLE_PASSWORD = "!deleted"  # noqa: S105 - a marker no password can match
REASON_MIN, REASON_MAX = 10, 500


def _iso(value: datetime | None) -> str | None:
    """Naive UTC datetimes as ISO 8601 with a Z, so readers know the time zone."""
    return value.isoformat() + "Z" if value is not None else None


def _titles(idea_ids: set[int]) -> dict[int, str]:
    """Idea titles for ids the archive mentions (titles are public content, not personal)."""
    if not idea_ids:
        return {}
    rows = db.session.execute(select(Idea.id, Idea.title).where(Idea.id.in_(idea_ids)))
    return {idea_id: title for idea_id, title in rows}


def _profile(member: User) -> dict:
    department = member.department
    return {
        "display_name": member.display_name,
        "email": member.email,
        "department": department.name_en if department is not None else None,
        "language": member.locale,
        "role": member.role.value,
        "member_since": _iso(member.created_at),
    }


def _ideas(member: User) -> list[dict]:
    query = select(Idea).where(Idea.author_id == member.id).order_by(Idea.id)
    return [
        {
            "id": idea.id,
            "title": idea.title,
            "body": idea.body,
            "theme": idea.theme.code,
            "group": idea.group.name if idea.group is not None else None,
            "department": idea.department.name_en if idea.department is not None else None,
            "language": idea.language,
            "stage": idea.stage.value,
            "hidden": idea.hidden,
            "created_at": _iso(idea.created_at),
            "updated_at": _iso(idea.updated_at),
            "votes_for": idea.up_count,
            "votes_against": idea.down_count,
            "comments": idea.comment_count,
            "followers": idea.follower_count,
        }
        for idea in db.session.scalars(query)
    ]


def _comments(member: User) -> list[dict]:
    query = select(Comment).where(Comment.author_id == member.id).order_by(Comment.id)
    comments = list(db.session.scalars(query))
    titles = _titles({comment.idea_id for comment in comments})
    return [
        {
            "id": comment.id,
            "idea_id": comment.idea_id,
            "idea_title": titles.get(comment.idea_id),
            "reply_to_comment_id": comment.parent_id,
            "body": comment.body,
            "hidden": comment.hidden,
            "created_at": _iso(comment.created_at),
            "updated_at": _iso(comment.updated_at),
        }
        for comment in comments
    ]


def _votes(member: User) -> list[dict]:
    votes = list(db.session.scalars(select(Vote).where(Vote.user_id == member.id)))
    titles = _titles({vote.idea_id for vote in votes})
    return [
        {
            "idea_id": vote.idea_id,
            "idea_title": titles.get(vote.idea_id),
            "vote": "for" if vote.value > 0 else "against",
            "created_at": _iso(vote.created_at),
            "updated_at": _iso(vote.updated_at),
        }
        for vote in sorted(votes, key=lambda vote: vote.idea_id)
    ]


def _follows(member: User) -> list[dict]:
    follows = list(db.session.scalars(select(Follow).where(Follow.user_id == member.id)))
    titles = _titles({follow.idea_id for follow in follows})
    return [
        {
            "idea_id": follow.idea_id,
            "idea_title": titles.get(follow.idea_id),
            "since": _iso(follow.created_at),
        }
        for follow in sorted(follows, key=lambda follow: follow.idea_id)
    ]


def _memberships(member: User) -> list[dict]:
    query = (
        select(Membership, Group)
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.user_id == member.id)
        .order_by(Group.name)
    )
    return [
        {
            "group": group.name,
            "group_address": group.slug,
            "kind": group.kind.value,
            "group_admin": membership.is_group_admin,
            "joined_at": _iso(membership.joined_at),
        }
        for membership, group in db.session.execute(query)
    ]


def _notifications(member: User) -> list[dict]:
    query = select(Notification).where(Notification.user_id == member.id)
    notifications = list(db.session.scalars(query.order_by(Notification.id)))
    titles = _titles({n.idea_id for n in notifications if n.idea_id is not None})
    # Who caused a notification is another person: left out, like the data's free-form keys
    # other than the ones below, which are stage names, percentages and idea numbers.
    kept = ("from_stage", "to_stage", "target_id", "outcome", "automatic", "progress")
    return [
        {
            "kind": notification.kind,
            "idea_id": notification.idea_id,
            "idea_title": titles.get(notification.idea_id),
            "details": {k: v for k, v in (notification.data or {}).items() if k in kept},
            "created_at": _iso(notification.created_at),
            "read_at": _iso(notification.read_at),
        }
        for notification in notifications
    ]


def _reports(member: User) -> list[dict]:
    query = select(Flag).where(Flag.user_id == member.id).order_by(Flag.id)
    flags = list(db.session.scalars(query))
    titles = _titles({flag.idea_id for flag in flags})
    return [
        {
            "idea_id": flag.idea_id,
            "idea_title": titles.get(flag.idea_id),
            "comment_id": flag.comment_id,
            "reason": flag.reason,
            "status": flag.status.value,
            "created_at": _iso(flag.created_at),
        }
        for flag in flags
    ]


def export_member_data(member: User) -> dict:
    """Everything the platform holds about `member` and nothing about anyone else.

    Other people appear only through public content (idea titles); never their names,
    email addresses or account numbers.
    """
    return {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "exported_at": _iso(utcnow()),
        "profile": _profile(member),
        "ideas": _ideas(member),
        "comments": _comments(member),
        "votes": _votes(member),
        "follows": _follows(member),
        "group_memberships": _memberships(member),
        "notifications": _notifications(member),
        "reports": _reports(member),
    }


def record_export(member: User) -> None:
    """Note in the audit log that a member downloaded their own data."""
    record(member, "account.export", target_type="user", target_id=member.id)
    db.session.flush()


def _check_reason(reason: str | None, by_admin: bool) -> str | None:
    if not by_admin:
        return None
    reason = " ".join((reason or "").split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise DomainError(
            _l(
                "Give the reason in %(low)d to %(high)d characters.",
                low=REASON_MIN,
                high=REASON_MAX,
            ),
            field="reason",
        )
    return reason


def _check_not_last_admin(user: User) -> None:
    if user.role is not Role.ADMIN:
        return
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN,
            User.active.is_(True),
            User.deleted_at.is_(None),
            User.id != user.id,
        )
    )
    if not others:
        raise DomainError(
            _l(
                "This is the only administrator account. Give another person the "
                "administrator role before deleting it."
            )
        )


def _remove_ties(user: User) -> dict[str, int]:
    """Drop follows, memberships, notifications and assignments, keeping counters true."""
    followed = list(
        db.session.scalars(
            select(Idea).join(Follow, Follow.idea_id == Idea.id).where(Follow.user_id == user.id)
        )
    )
    for idea in followed:
        unfollow_idea(user, idea)
    groups = list(
        db.session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user.id)
        )
    )
    for group in groups:
        leave_group(user, group)
    notifications = db.session.execute(
        delete(Notification).where(Notification.user_id == user.id)
    ).rowcount
    db.session.execute(delete(ExpertAssignment).where(ExpertAssignment.user_id == user.id))
    # Nobody is reviewing an idea whose reviewer left; triage shows it as unassigned.
    db.session.execute(
        update(Idea).where(Idea.reviewer_id == user.id).values(reviewer_id=None),
        execution_options={"synchronize_session": False},
    )
    return {"follows": len(followed), "groups": len(groups), "notifications": notifications}


def delete_account(user: User, actor: User, reason: str | None = None) -> User:
    """Anonymise `user` at their own request (actor is user) or an administrator's.

    Their ideas, comments and votes stay (shown as by a former member; vote counts are
    unchanged); their name, email, password, profile, sessions, follows, memberships and
    notifications go. One audit entry records it without any of their personal data.
    """
    if not can_delete_account(actor, user):
        raise PermissionDenied(_l("You may not delete this account."))
    by_admin = actor.id != user.id
    reason = _check_reason(reason, by_admin)
    _check_not_last_admin(user)
    removed = _remove_ties(user)
    user.email = f"{DELETED_EMAIL_PREFIX}{user.id}:{secrets.token_hex(8)}"
    user.display_name = ""
    user.password_hash = UNUSABLE_PASSWORD
    user.department = None
    user.locale = "en"
    user.role = Role.MEMBER
    user.active = False
    user.deleted_at = utcnow()
    # Every session and remember-me cookie carries the old token: they all stop working.
    user.session_token = new_session_token()
    details = {"by_administrator": by_admin, **removed}
    if reason is not None:
        details["reason"] = reason
    record(actor, "account.delete", target_type="user", target_id=user.id, **details)
    db.session.flush()
    return user


def find_account(email: str) -> User | None:
    """The account (not yet deleted) with this email, for an administrator's request."""
    user = get_user_by_email(email)
    return user if user is not None and user.deleted_at is None else None
