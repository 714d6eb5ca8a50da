"""In-app notifications: what happened, to whom, and whether they have read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.accounts.models import User
from ideas.extensions import db
from ideas.timeutil import utcnow


class Notification(db.Model):
    """One event for one recipient. The text is rendered in the reader's language from `kind`."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_read_at_id", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # "stage_moved", "official_response", "merged", "moderated", "expert_assigned"...
    kind: Mapped[str] = mapped_column(String(30))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Values the message needs (stage names, the merge target...), never free text to show.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    actor: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[actor_id])
