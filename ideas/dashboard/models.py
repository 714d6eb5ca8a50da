"""A published progress report: a frozen snapshot every member can read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.accounts.models import User
from ideas.board.models import Comment, Idea, Vote
from ideas.extensions import db
from ideas.timeutil import utcnow
from ideas.workflow.models import StageChange


class PublishedReport(db.Model):
    """A progress report as it stood when secretariat staff published it; never recomputed."""

    __tablename__ = "published_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column()
    period_end: Mapped[date] = mapped_column()
    # Everything the report shows, computed once at publication (plain JSON data).
    snapshot: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )

    published_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_order"),)

    def __repr__(self) -> str:
        return f"<PublishedReport {self.id} {self.period_start}..{self.period_end}>"


# Indexes for the dashboard's aggregate queries (migration 0006). Declared here, beside
# the feature that needs them, so the board and workflow models stay about their own rules.
# Activity in a period: a range scan that also holds the idea and the person, so counting
# votes or people never reads the 2,000,000-row table itself.
Index("ix_vote_created_at_idea_id_user_id", Vote.created_at, Vote.idea_id, Vote.user_id)
Index(
    "ix_comment_created_at_idea_id_author_id",
    Comment.created_at,
    Comment.idea_id,
    Comment.author_id,
    Comment.hidden,
)
# Ideas reaching a stage (implemented) in a period.
Index(
    "ix_stage_change_to_stage_created_at_idea_id",
    StageChange.to_stage,
    StageChange.created_at,
    StageChange.idea_id,
)
# Ideas waiting in a stage since before a date: the stuck ideas.
Index("ix_idea_stage_stage_changed_at", Idea.stage, Idea.stage_changed_at)
