"""Flags raised by members on ideas and comments, and how moderators resolved them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.accounts.models import User
from ideas.dbtypes import enum_column
from ideas.extensions import db
from ideas.timeutil import utcnow


class FlagStatus(enum.StrEnum):
    """Open until a moderator hides the content (upheld) or dismisses the flag."""

    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Flag(db.Model):
    """A member's report that an idea or a comment breaks the rules."""

    __tablename__ = "flag"
    __table_args__ = (
        # One open flag per member per item: partial unique indexes (SQLite and PostgreSQL).
        Index(
            "uq_flag_open_idea",
            "user_id",
            "idea_id",
            unique=True,
            sqlite_where=text("status = 'open' AND comment_id IS NULL"),
            postgresql_where=text("status = 'open' AND comment_id IS NULL"),
        ),
        Index(
            "uq_flag_open_comment",
            "user_id",
            "comment_id",
            unique=True,
            sqlite_where=text("status = 'open' AND comment_id IS NOT NULL"),
            postgresql_where=text("status = 'open' AND comment_id IS NOT NULL"),
        ),
        Index("ix_flag_status_created_at", "status", "created_at"),
        CheckConstraint("length(reason) > 0", name="reason_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Always the idea concerned; comment_id too when the flag is on a comment.
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[FlagStatus] = mapped_column(
        enum_column(FlagStatus, "status"), default=FlagStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[user_id])
