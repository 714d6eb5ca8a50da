"""A published progress report: a frozen snapshot every member can read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.accounts.models import User
from ideas.extensions import db
from ideas.timeutil import utcnow


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
