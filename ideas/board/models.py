"""Board models: themes, ideas, comments, votes and follows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.accounts.models import Department, User
from ideas.dbtypes import enum_column
from ideas.extensions import db
from ideas.i18n import LocalizedNameMixin, language_tag
from ideas.timeutil import utcnow
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage

if TYPE_CHECKING:
    from ideas.groups.models import Group


class Theme(LocalizedNameMixin, db.Model):
    """One of the campaign's themes (Blueprint 2020 found five)."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str | None] = mapped_column(String(120))
    name_zh: Mapped[str | None] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Theme {self.code}>"


class Idea(db.Model):
    """An innovation idea: Markdown text, its stage, and denormalised counters for ranking."""

    __tablename__ = "idea"
    __table_args__ = (
        # Every sort of the ranked list reads one of these indexes; id breaks ties so
        # the order is stable from page to page.
        Index("ix_idea_wilson_id", "wilson", "id"),
        Index("ix_idea_hot_id", "hot", "id"),
        Index("ix_idea_created_at_id", "created_at", "id"),
        Index("ix_idea_comment_count_id", "comment_count", "id"),
        Index("ix_idea_controversy_id", "controversy", "id"),
        # A group's page in its default (top) order seeks here instead of filtering the
        # whole ranking (migration 0008); the other sorts are rarer and each index costs
        # every vote an update, so they stay unindexed per group.
        Index("ix_idea_group_id_wilson_id", "group_id", "wilson", "id"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_is_a_percentage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("group.id", ondelete="SET NULL"), index=True
    )
    # Copied from the author when posting, so moving department later keeps history true.
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    # The language the author wrote in (one of LANGUAGES): user text is never translated,
    # so pages mark it up with this language and search can analyse it accordingly.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    stage: Mapped[Stage] = mapped_column(
        enum_column(Stage, "stage"), default=Stage.PROPOSED, index=True
    )
    # The stage an on-hold idea left, so it can go back there.
    held_from: Mapped[Stage | None] = mapped_column(enum_column(Stage, "held_from"))
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("idea.id", ondelete="SET NULL"), index=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # Moderation: hidden ideas leave the rankings; moderators still see them.
    hidden: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    progress: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # Set once, when the idea first crosses the response threshold; cleared never.
    threshold_reached_at: Mapped[datetime | None] = mapped_column(index=True)
    responded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    up_count: Mapped[int] = mapped_column(default=0)
    down_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    follower_count: Mapped[int] = mapped_column(default=0)
    # One more whenever the idea page's comment list would render differently (a comment
    # posted or hidden, an author renamed, an expert assigned): the key of its cached
    # renderings (ideas/board/comment_pages.py), so a change is never served stale.
    discussion_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Ranking columns, recomputed in the same transaction as every vote.
    wilson: Mapped[float] = mapped_column(default=0.0)
    hot: Mapped[float] = mapped_column(default=0.0)
    controversy: Mapped[float] = mapped_column(default=0.0)

    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    merged_into: Mapped[Idea | None] = relationship(remote_side=[id])
    theme: Mapped[Theme] = relationship(lazy="joined")
    group: Mapped[Group | None] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    history: Mapped[list[StageChange]] = relationship(
        order_by=(StageChange.created_at, StageChange.id),
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def language_tag(self) -> str:
        """The BCP 47 tag for the `lang` attribute of the idea's own text."""
        return language_tag(self.language)

    @property
    def score(self) -> int:
        """Net votes: up minus down."""
        return self.up_count - self.down_count

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.title!r}>"


class Comment(db.Model):
    """A Markdown comment on an idea, optionally a reply to a top-level comment."""

    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_idea_id_created_at", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # One level of replies: a reply's parent is always a top-level comment.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
    idea: Mapped[Idea] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])


class Vote(db.Model):
    """One member's vote on one idea: +1 or -1. The primary key makes it unique."""

    __tablename__ = "vote"
    __table_args__ = (CheckConstraint("value IN (-1, 1)", name="value_is_up_or_down"),)

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follow(db.Model):
    """A member following an idea, to hear of its comments and stage changes."""

    __tablename__ = "follow"

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
