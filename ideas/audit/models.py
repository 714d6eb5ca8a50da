"""The audit log: one row per accountable action, never updated or deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.accounts.models import User
from ideas.extensions import db
from ideas.timeutil import utcnow


class AuditEntry(db.Model):
    """Who did what to which idea (or other object), when, with the details needed to judge it."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_action_created_at", "action", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # A dotted verb such as "idea.move_stage", "idea.merge", "user.set_role".
    action: Mapped[str] = mapped_column(String(40))
    idea_id: Mapped[int | None] = mapped_column(
        ForeignKey("idea.id", ondelete="SET NULL"), index=True
    )
    # The object acted on when it is not (only) an idea: "comment", "user", "assessment"...
    target_type: Mapped[str | None] = mapped_column(String(30))
    target_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(lazy="joined")
