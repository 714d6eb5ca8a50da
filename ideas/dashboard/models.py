"""A published progress report: a frozen snapshot every member can read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String
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
# Ideas waiting in a stage since before a date: the stuck ideas. The scope columns make
# it covering, so counting stuck ideas per filter never reads the idea rows (migration 0008).
Index(
    "ix_idea_stage_changed_scope",
    Idea.stage,
    Idea.stage_changed_at,
    Idea.hidden,
    Idea.department_id,
    Idea.theme_id,
    Idea.group_id,
)
# The funnel's cohort (ideas posted in the period, with their stage) read from the index
# alone (migration 0008).
Index(
    "ix_idea_created_at_scope",
    Idea.created_at,
    Idea.hidden,
    Idea.stage,
    Idea.department_id,
    Idea.theme_id,
    Idea.group_id,
)
# Each idea's stays in each stage, for reached counts and median days (migration 0008).
Index(
    "ix_stage_change_idea_id_to_stage_created_at",
    StageChange.idea_id,
    StageChange.to_stage,
    StageChange.created_at,
)
# Ideas owed an official response: only those past the threshold, a small part of all
# (migration 0008).
Index(
    "ix_idea_responses",
    Idea.threshold_reached_at,
    Idea.responded_at,
    Idea.hidden,
    Idea.stage,
    Idea.department_id,
    Idea.theme_id,
    Idea.group_id,
    postgresql_where=Idea.threshold_reached_at.is_not(None),
    sqlite_where=Idea.threshold_reached_at.is_not(None),
)


# Scopes of a roll-up row: every idea, or the ideas of one department, theme or group.
ROLLUP_SCOPES = ("a", "d", "t", "g")


class DashboardDay(db.Model):
    """Votes, comments, ideas posted and participants on one day, for all ideas or one scope.

    A pure cache of the vote, comment and idea tables (ideas/dashboard/rollup.py): it is
    only read for days before the watermark `rolled_until` that are not marked dirty, so it
    is never stale. The day containing the watermark holds a partial row: [midnight, watermark).
    """

    __tablename__ = "dashboard_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    # 'a' all ideas (scope_id 0), 'd' department, 't' theme, 'g' group: of the *idea*.
    scope: Mapped[str] = mapped_column(String(1), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    votes: Mapped[int] = mapped_column(default=0)
    comments: Mapped[int] = mapped_column(default=0)
    # Visible ideas posted that day in the scope (migration 0009).
    ideas: Mapped[int] = mapped_column(default=0, server_default="0")
    # A serialized roaring bitmap (pyroaring) of the ids of the day's participants.
    participants: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (CheckConstraint("scope IN ('a', 'd', 't', 'g')", name="scope_known"),)


class DashboardCohortDay(db.Model):
    """Where the ideas posted on one day (in one scope) stand: the funnel's cohort roll-up.

    Stage counts, main-path stages reached and completed stays in each stage, as JSON
    (ideas/dashboard/cohort.py). Read under the same watermark as `dashboard_day`, unless
    the day is listed in `dashboard_cohort_dirty_day`.
    """

    __tablename__ = "dashboard_cohort_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(1), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    funnel: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (CheckConstraint("scope IN ('a', 'd', 't', 'g')", name="scope_known"),)


class DashboardCohortDirtyDay(db.Model):
    """A day of posting one of whose ideas changed stage, scope or visibility since refresh."""

    __tablename__ = "dashboard_cohort_dirty_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)


class DashboardDirtyDay(db.Model):
    """A rolled-up day whose rows may be stale: read live until the next refresh."""

    __tablename__ = "dashboard_dirty_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)


# The roll-up state table's single row.
ROLLUP_STATE_ID = 1


class DashboardRollupState(db.Model):
    """The roll-up's single state row: the watermark and the department members."""

    __tablename__ = "dashboard_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Everything before this instant is rolled up (exclusive; the day containing it has a
    # partial row); later activity is always read live. None: nothing yet.
    rolled_until: Mapped[datetime | None] = mapped_column()
    refreshed_at: Mapped[datetime | None] = mapped_column()
    # The highest account id in the department member bitmaps: accounts created since
    # (higher ids) are read live, as are those listed in dashboard_moved_account.
    members_max_user_id: Mapped[int] = mapped_column(default=0, server_default="0")


class DashboardDepartmentMembers(db.Model):
    """The account ids in one department (0: none) at `built_at`, as a roaring bitmap."""

    __tablename__ = "dashboard_department_members"

    department_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    members: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class DashboardMovedAccount(db.Model):
    """An account whose department changed after the member bitmaps were built."""

    __tablename__ = "dashboard_moved_account"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Refresh clears only the marks it saw, so a move during a refresh is never lost.
    moved_at: Mapped[datetime] = mapped_column(default=utcnow)
