"""Group models: topic and department groups and who belongs to them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.accounts.models import Department, User
from ideas.dbtypes import enum_column
from ideas.extensions import db
from ideas.timeutil import utcnow


class GroupKind(enum.StrEnum):
    """Topic groups are made by any member; department groups only by administrators."""

    TOPIC = "topic"
    DEPARTMENT = "department"


class Group(db.Model):
    """A topic or department group that members join and post ideas into."""

    __tablename__ = "group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Rendered and sanitised once when saved, like ideas and comments.
    description_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    kind: Mapped[GroupKind] = mapped_column(enum_column(GroupKind, "group_kind"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    member_count: Mapped[int] = mapped_column(default=0)

    department: Mapped[Department | None] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Group {self.slug}>"


class Membership(db.Model):
    """A member of a group; the group's creator is its first group admin."""

    __tablename__ = "membership"
    # The group page's first members are two seeks in this index: admins, then the others,
    # each by join date (a DESC column would express the order in one, but Alembic cannot
    # compare DESC index columns, so `flask db check` would always report drift).
    __table_args__ = (
        Index(
            "ix_membership_group_id_is_group_admin_joined_at",
            "group_id",
            "is_group_admin",
            "joined_at",
            "user_id",
        ),
    )

    group_id: Mapped[int] = mapped_column(
        ForeignKey("group.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_group_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    group: Mapped[Group] = relationship()
