"""Moderation rules: members flag content, enough open flags hide it, moderators decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from ideas.accounts.models import User
from ideas.audit.services import record
from ideas.board.models import Comment, Idea
from ideas.board.services import set_comment_hidden
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.moderation.models import Flag, FlagStatus
from ideas.moderation.permissions import can_flag, can_moderate
from ideas.notifications.services import notify
from ideas.timeutil import utcnow

REASON_MIN, REASON_MAX = 5, 1000


@dataclass(frozen=True)
class QueueItem:
    """One flagged idea or comment in the queue, with its open flags (newest first)."""

    idea: Idea
    comment: Comment | None
    flags: list[Flag]

    @property
    def latest_at(self) -> datetime:
        """When the newest open flag was raised."""
        return self.flags[0].created_at


def check_reason(reason: str) -> str:
    """A reason of 5 to 1000 characters once trimmed."""
    text = (reason or "").strip()
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise DomainError(
            _l("Give a reason of %(low)d to %(high)d characters.", low=REASON_MIN, high=REASON_MAX),
            field="reason",
        )
    return text


def _item_clause(idea: Idea, comment: Comment | None):
    """The flags on exactly this item: the comment, or the idea itself (not its comments)."""
    if comment is not None:
        return Flag.comment_id == comment.id
    return and_(Flag.idea_id == idea.id, Flag.comment_id.is_(None))


def _open_clause(idea: Idea, comment: Comment | None):
    return and_(_item_clause(idea, comment), Flag.status == FlagStatus.OPEN)


def open_flag_count(idea: Idea, comment: Comment | None = None) -> int:
    """How many open flags the item has."""
    return db.session.scalar(select(func.count(Flag.id)).where(_open_clause(idea, comment)))


def open_flag_of(user: User, idea: Idea, comment: Comment | None = None) -> Flag | None:
    """The user's open flag on the item, if they have one."""
    return db.session.scalar(
        select(Flag).where(_open_clause(idea, comment), Flag.user_id == user.id)
    )


def _lock_item(idea: Idea, comment: Comment | None) -> None:
    """Serialise flags and decisions on one item so the threshold count is exact."""
    model, key = (Comment, comment.id) if comment is not None else (Idea, idea.id)
    db.session.execute(select(model.id).where(model.id == key).with_for_update())


def flag_content(actor: User, idea: Idea, comment: Comment | None = None, *, reason: str) -> Flag:
    """Report an idea or one of its comments; enough open reports hide it pending review."""
    item = comment if comment is not None else idea
    if not can_flag(actor, idea, comment):
        if actor is not None and actor.is_authenticated and item.author_id == actor.id:
            raise PermissionDenied(_l("You cannot report your own contribution."))
        if item.hidden:
            raise DomainError(_l("This is already hidden while moderators review it."))
        raise PermissionDenied(_l("You cannot report this."))
    text = check_reason(reason)
    _lock_item(idea, comment)
    flag = Flag(
        user_id=actor.id,
        idea_id=idea.id,
        comment_id=comment.id if comment is not None else None,
        reason=text,
    )
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        # The partial unique index allows one open flag per member per item.
        raise DomainError(
            _l("You already reported this; moderators will review your report."), field="reason"
        ) from None
    threshold = current_app.config["AUTO_HIDE_FLAGS"]
    # _set_hidden is False if the item was hidden already: hide, audit and notify once.
    if open_flag_count(idea, comment) >= threshold and _set_hidden(idea, comment, True):
        record(None, "moderation.auto_hide", **_target(idea, comment))
        _tell_author(idea, comment, None, "hidden", automatic=True)
    db.session.flush()
    return flag


def hide_content(actor: User, idea: Idea, comment: Comment | None = None, *, reason: str) -> int:
    """Uphold the reports: hide the item and close its open flags as upheld; returns how many."""
    text = _check_moderation(actor, reason)
    _lock_item(idea, comment)
    item = comment if comment is not None else idea
    if item.hidden and open_flag_count(idea, comment) == 0:
        raise DomainError(_l("This is already hidden."))
    _set_hidden(idea, comment, True)
    upheld = _resolve(idea, comment, FlagStatus.UPHELD, actor, text)
    record(actor, "moderation.hide", reason=text, flags_upheld=upheld, **_target(idea, comment))
    _tell_author(idea, comment, actor, "hidden")
    db.session.flush()
    return upheld


def dismiss_flags(actor: User, idea: Idea, comment: Comment | None = None, *, reason: str) -> int:
    """Dismiss the open reports; content they hid automatically is shown again."""
    text = _check_moderation(actor, reason)
    _lock_item(idea, comment)
    dismissed = _resolve(idea, comment, FlagStatus.DISMISSED, actor, text)
    if dismissed == 0:
        raise DomainError(_l("There are no open reports on this."))
    # Members cannot report hidden content, so open flags on a hidden item mean the flags
    # themselves hid it: dismissing them undoes that.
    shown = _set_hidden(idea, comment, False)
    record(
        actor,
        "moderation.dismiss",
        reason=text,
        flags_dismissed=dismissed,
        shown_again=shown,
        **_target(idea, comment),
    )
    _tell_author(idea, comment, actor, "unhidden" if shown else "dismissed")
    db.session.flush()
    return dismissed


def unhide_content(actor: User, idea: Idea, comment: Comment | None = None, *, reason: str) -> int:
    """Show hidden content again, dismissing any reports still open; returns how many."""
    text = _check_moderation(actor, reason)
    _lock_item(idea, comment)
    if not _set_hidden(idea, comment, False):
        raise DomainError(_l("This is not hidden."))
    dismissed = _resolve(idea, comment, FlagStatus.DISMISSED, actor, text)
    record(
        actor, "moderation.unhide", reason=text, flags_dismissed=dismissed, **_target(idea, comment)
    )
    _tell_author(idea, comment, actor, "unhidden")
    db.session.flush()
    return dismissed


def _check_moderation(actor: User, reason: str) -> str:
    if not can_moderate(actor):
        raise PermissionDenied(_l("Only secretariat staff and administrators moderate content."))
    return check_reason(reason)


def _target(idea: Idea, comment: Comment | None) -> dict:
    """The audit columns naming the item."""
    if comment is not None:
        return {"idea_id": idea.id, "target_type": "comment", "target_id": comment.id}
    return {"idea_id": idea.id, "target_type": "idea", "target_id": idea.id}


def _set_hidden(idea: Idea, comment: Comment | None, hidden: bool) -> bool:
    """Hide or show the item; False if it already was so (the UPDATE is conditional)."""
    if comment is not None:
        return set_comment_hidden(comment, hidden)
    changed = db.session.execute(
        update(Idea).where(Idea.id == idea.id, Idea.hidden.is_(not hidden)).values(hidden=hidden),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.expire(idea, ["hidden"])
    return bool(changed)


def _resolve(
    idea: Idea, comment: Comment | None, status: FlagStatus, actor: User, resolution: str
) -> int:
    """Close every open flag on the item with the moderator's decision."""
    return db.session.execute(
        update(Flag)
        .where(_open_clause(idea, comment))
        .values(
            status=status, resolved_by_id=actor.id, resolution=resolution, resolved_at=utcnow()
        ),
        execution_options={"synchronize_session": False},
    ).rowcount


def _tell_author(
    idea: Idea, comment: Comment | None, actor: User | None, outcome: str, **extra
) -> None:
    """Tell the author what became of their content; never who reported it."""
    item = comment if comment is not None else idea
    data = {"outcome": outcome, **extra}
    if comment is not None:
        data["comment_id"] = comment.id
    notify([item.author_id], "moderated", idea=idea, actor=actor, **data)


def moderation_queue(limit: int = 50, offset: int = 0) -> list[QueueItem]:
    """Items with open flags, the most recently flagged first, each with its open flags."""
    latest = func.max(Flag.id)
    keys = db.session.execute(
        select(Flag.idea_id, Flag.comment_id)
        .where(Flag.status == FlagStatus.OPEN)
        .group_by(Flag.idea_id, Flag.comment_id)
        # Flag ids grow with time, so the largest id is the newest flag (and a unique tie-break).
        .order_by(latest.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    if not keys:
        return []
    idea_ids = {idea_id for idea_id, _ in keys}
    comment_ids = {comment_id for _, comment_id in keys if comment_id is not None}
    ideas = {i.id: i for i in db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids)))}
    comments = {
        c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))
    }
    flags: dict[tuple[int, int | None], list[Flag]] = {}
    open_flags = select(Flag).where(Flag.status == FlagStatus.OPEN, Flag.idea_id.in_(idea_ids))
    for flag in db.session.scalars(open_flags.order_by(Flag.id.desc())):
        flags.setdefault((flag.idea_id, flag.comment_id), []).append(flag)
    return [
        QueueItem(ideas[idea_id], comments.get(comment_id), flags[(idea_id, comment_id)])
        for idea_id, comment_id in keys
    ]


def open_item_count() -> int:
    """How many items have open flags."""
    items = select(Flag.idea_id, Flag.comment_id).where(Flag.status == FlagStatus.OPEN).distinct()
    return db.session.scalar(select(func.count()).select_from(items.subquery()))


def hidden_content(limit: int = 50) -> tuple[list[Idea], list[Comment]]:
    """Hidden ideas and comments, most recent first, so moderators can review them again."""
    ideas = db.session.scalars(
        select(Idea).where(Idea.hidden.is_(True)).order_by(Idea.id.desc()).limit(limit)
    )
    comments = db.session.scalars(
        select(Comment).where(Comment.hidden.is_(True)).order_by(Comment.id.desc()).limit(limit)
    )
    return list(ideas), list(comments)


def flags_on(idea: Idea, comment: Comment | None = None) -> list[Flag]:
    """Every flag on the item, open and resolved, newest first (for moderators only)."""
    query = select(Flag).where(_item_clause(idea, comment)).order_by(Flag.id.desc())
    return list(db.session.scalars(query))
