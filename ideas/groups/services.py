"""Group rules: creating groups, joining and leaving, finding groups and their members."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ideas.accounts.models import Department, User
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.groups.models import Group, GroupKind, Membership
from ideas.groups.permissions import can_create_group
from ideas.markup import render_markdown

NAME_MIN, NAME_MAX = 3, 80
DESCRIPTION_MAX = 2_000


def slugify(name: str) -> str:
    """A URL-safe slug that keeps letters of every script (so 數位轉型 stays readable)."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[^\w]+", "-", text).strip("-_")
    return text[:80].rstrip("-_") or "group"


def _unique_slug(name: str) -> str:
    base = slugify(name)
    taken = set(
        db.session.scalars(
            select(Group.slug).where((Group.slug == base) | Group.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def create_group(
    actor: User,
    name: str,
    description: str,
    kind: GroupKind = GroupKind.TOPIC,
    department: Department | None = None,
) -> Group:
    """Create a group with the actor as its first member and group admin."""
    if not can_create_group(actor, kind):
        raise PermissionDenied(_l("Only administrators create department groups."))
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise DomainError(
            _l("The name needs %(low)d to %(high)d characters.", low=NAME_MIN, high=NAME_MAX),
            field="name",
        )
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(
            _l("The description can have at most %(count)d characters.", count=DESCRIPTION_MAX),
            field="description",
        )
    if kind is GroupKind.DEPARTMENT and department is None:
        raise DomainError(_l("Choose the department this group is for."), field="department")
    exists = db.session.scalar(select(Group.id).where(func.lower(Group.name) == name.lower()))
    if exists is not None:
        raise DomainError(_l("A group with this name already exists."), field="name")
    group = Group(
        name=name,
        slug=_unique_slug(name),
        description=description.strip(),
        description_html=str(render_markdown(description.strip())),
        kind=kind,
        department=department if kind is GroupKind.DEPARTMENT else None,
        created_by=actor,
        member_count=1,
    )
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=actor.id, is_group_admin=True))
    db.session.flush()
    return group


def join_group(actor: User, group: Group) -> bool:
    """Join a group; returns False if the actor was already a member."""
    try:
        with db.session.begin_nested():
            db.session.add(Membership(group_id=group.id, user_id=actor.id))
    except IntegrityError:
        return False
    _add_members(group, 1)
    return True


def leave_group(actor: User, group: Group) -> bool:
    """Leave a group; returns False if the actor was not a member."""
    result = db.session.execute(
        delete(Membership).where(Membership.group_id == group.id, Membership.user_id == actor.id)
    )
    if result.rowcount == 0:
        return False
    _add_members(group, -1)
    _keep_a_group_admin(group)
    return True


def _keep_a_group_admin(group: Group) -> None:
    """If the last group admin left, the longest-standing member takes over the group."""
    has_admin = db.session.scalar(
        select(Membership.user_id).where(
            Membership.group_id == group.id, Membership.is_group_admin.is_(True)
        )
    )
    if has_admin is not None:
        return
    successor = db.session.scalar(group_members(group).limit(1))
    if successor is not None:
        successor.is_group_admin = True
        db.session.flush()


def _add_members(group: Group, delta: int) -> None:
    db.session.execute(
        update(Group).where(Group.id == group.id).values(member_count=Group.member_count + delta),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(group, ["member_count"])


def search_groups(query: str = "", kind: GroupKind | None = None) -> Select:
    """Groups whose name contains the query (any case), largest first."""
    statement = select(Group)
    text = query.strip()
    if text:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(func.lower(Group.name).like(f"%{escaped}%", escape="\\"))
    if kind is not None:
        statement = statement.where(Group.kind == kind)
    return statement.order_by(Group.member_count.desc(), Group.name)


def group_members(group: Group) -> Select:
    """A group's memberships, group admins first, then by join date."""
    return (
        select(Membership)
        .where(Membership.group_id == group.id)
        .order_by(Membership.is_group_admin.desc(), Membership.joined_at, Membership.user_id)
    )


def first_members(group: Group, count: int) -> list[Membership]:
    """The first `count` memberships in `group_members`' order, their accounts loaded.

    Admins first, then the others, each by join date: two seeks in the membership index
    on (group_id, is_group_admin, joined_at, user_id), whatever the group's size. Sorting
    every membership (30,000 in a big group at 100,000 ideas) cost 13 ms on SQLite.
    """
    first: list[Membership] = []
    for admins in (True, False):
        if len(first) < count:
            first += db.session.scalars(
                select(Membership)
                .where(Membership.group_id == group.id, Membership.is_group_admin == admins)
                .order_by(Membership.joined_at, Membership.user_id)
                .limit(count - len(first))
            )
    return first


def groups_of(user: User) -> list[Group]:
    """The groups a user belongs to, by name."""
    return list(
        db.session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user.id)
            .order_by(Group.name)
        )
    )


def is_member(user: User | None, group: Group) -> bool:
    """True if the user belongs to the group."""
    if user is None or not user.is_authenticated:
        return False
    key = {"group_id": group.id, "user_id": user.id}
    return db.session.get(Membership, key) is not None
