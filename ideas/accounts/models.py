"""Account models: users, their roles, and the departments they belong to."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.dbtypes import enum_column
from ideas.extensions import db
from ideas.i18n import LocalizedNameMixin
from ideas.timeutil import utcnow


class Role(enum.StrEnum):
    """What a user may do on the platform; ordered from least to most trusted."""

    MEMBER = "member"
    SECRETARIAT = "secretariat"
    EXECUTIVE = "executive"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role's name in the active language."""
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.MEMBER: _l("Member"),
    Role.SECRETARIAT: _l("Secretariat"),
    Role.EXECUTIVE: _l("Executive"),
    Role.ADMIN: _l("Administrator"),
}


class GovernmentLevel(enum.StrEnum):
    """The order of government a department belongs to."""

    FEDERAL = "federal"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"


class Department(LocalizedNameMixin, db.Model):
    """A department or agency at one level of government."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200), unique=True)
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[GovernmentLevel] = mapped_column(enum_column(GovernmentLevel, "government_level"))
    # Staff in the department, where known: dashboards then show participation per head.
    headcount: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("headcount > 0", name="headcount_positive"),)

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name_en!r}>"


def new_session_token() -> str:
    """A fresh random value for User.session_token."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A person with an account: a public servant, secretariat staff, executive or admin."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Indexed: the reviewer list and staff notices look for the few dozen staff among
    # 300,000 members (a full scan took 100 ms at that size).
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.MEMBER, index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session and remember-me cookie: replacing it signs the person out
    # everywhere (sign out, password change, "sign out everywhere", account deletion).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Set when the person deleted their account: the row stays, anonymised, so their
    # ideas and comments keep an author ("former member") and their votes keep counting.
    deleted_at: Mapped[datetime | None] = mapped_column()

    department: Mapped[Department | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses sign-in to deactivated and deleted accounts."""
        return self.active and self.deleted_at is None

    def get_id(self) -> str:
        """The id kept in the session and remember cookie: the user id and session token.

        `ideas.accounts.services.load_user` accepts it only while the token is current, so
        replacing the token ends every session and remember cookie made before.
        """
        return f"{self.id}:{self.session_token}"

    @property
    def public_name(self) -> str:
        """The name other people see: the display name, or "a former member" once deleted.

        Every page that names a person goes through this (or treats the deleted like a
        missing author), so an anonymised account reads the same everywhere.
        """
        if self.deleted_at is not None:
            return str(_l("a former member"))
        return self.display_name

    @property
    def is_staff(self) -> bool:
        """Secretariat staff and administrators run the workflow."""
        return self.role in (Role.SECRETARIAT, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        """Administrators manage accounts, departments, themes and department groups."""
        return self.role is Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id}>"  # no email: reprs end up in logs and tracebacks
