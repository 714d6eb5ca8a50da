"""Group services: slugs, creating groups, joining and leaving, searching."""

import pytest
from sqlalchemy import select

from ideas.accounts.models import Role
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.groups.models import Group, GroupKind, Membership
from ideas.groups.services import (
    DESCRIPTION_MAX,
    create_group,
    first_members,
    group_members,
    groups_of,
    is_member,
    join_group,
    leave_group,
    search_groups,
    slugify,
)

pytestmark = pytest.mark.usefixtures("ctx")


# --- slugify -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Open Data", "open-data"),
        ("Open Data!", "open-data"),
        ("  --Open   Data--  ", "open-data"),
        ("données/ouvertes?x=1&y", "données-ouvertes-x-1-y"),
        ("École numérique", "école-numérique"),
        # Chinese names keep their characters, so the URL stays readable.
        ("數位轉型", "數位轉型"),
        ("數位 轉型 2025", "數位-轉型-2025"),
        ("開放資料：台北", "開放資料-台北"),
        # Full-width Latin letters and digits fold to ASCII (NFKC).
        ("ＡＩ　Ｌａｂ　２", "ai-lab-2"),
        # Nothing usable left: a fixed fallback rather than an empty slug.
        ("🎉🎉🎉", "group"),
        ("!!!", "group"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_slugify_limits_the_length():
    assert slugify("x" * 200) == "x" * 80


def test_slugs_are_url_safe():
    for name in ("a/b", "a?b", "a#b", "a b", "a%20b", "a.b", "a\\b"):
        assert set(slugify(name)) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_"), name


# --- create_group ------------------------------------------------------------------------


def test_create_group_stores_the_description_rendered_and_sanitised(make_user):
    group = create_group(
        make_user(), "Open data", "Share **data**.\n\n<script>alert(1)</script>[x](javascript:y)"
    )
    assert "<strong>data</strong>" in group.description_html
    assert "<script" not in group.description_html
    assert "javascript:" not in group.description_html


def test_create_group_makes_the_creator_its_admin(make_user):
    creator = make_user()
    group = create_group(creator, "  Open   Data ", "  About open data.  ")
    assert group.name == "Open Data"
    assert group.slug == "open-data"
    assert group.description == "About open data."
    assert group.kind is GroupKind.TOPIC
    assert group.department_id is None
    assert group.created_by_id == creator.id
    assert group.member_count == 1
    membership = db.session.get(Membership, {"group_id": group.id, "user_id": creator.id})
    assert membership is not None
    assert membership.is_group_admin is True
    assert is_member(creator, group)
    assert groups_of(creator) == [group]


def test_slugs_are_unique(make_user):
    creator = make_user()
    names = ["Open Data", "Open Data!", "OPEN-DATA?", "Open Data 2", "Open Data (2)"]
    slugs = [create_group(creator, name, "").slug for name in names]
    assert slugs == ["open-data", "open-data-2", "open-data-3", "open-data-2-2", "open-data-2-3"]
    stored = db.session.scalars(select(Group.slug)).all()
    assert len(stored) == len(set(stored)) == 5


def test_unique_slugs_treat_like_wildcards_literally(make_user):
    creator = make_user()
    # "data_lab" as a LIKE pattern would also match "dataxlab-..." slugs.
    assert create_group(creator, "DataXLab 2", "").slug == "dataxlab-2"
    assert create_group(creator, "Data_Lab", "").slug == "data_lab"
    assert create_group(creator, "Data_Lab!", "").slug == "data_lab-2"
    assert create_group(creator, "Data_Lab?", "").slug == "data_lab-3"


def test_chinese_group_names_get_unique_readable_slugs(make_user):
    creator = make_user()
    assert create_group(creator, "數位轉型", "").slug == "數位轉型"
    assert create_group(creator, "數位轉型！", "").slug == "數位轉型-2"


def test_names_without_slug_letters_still_get_unique_slugs(make_user):
    creator = make_user()
    assert create_group(creator, "🎉🎉🎉", "").slug == "group"
    assert create_group(creator, "!!!", "").slug == "group-2"


@pytest.mark.parametrize("name", ["", "ab", "  a  ", "a" * 81, "　ab　"])
def test_create_group_checks_the_name_length(make_user, name):
    with pytest.raises(DomainError) as raised:
        create_group(make_user(), name, "")
    assert raised.value.field == "name"
    assert db.session.scalars(select(Group)).all() == []


@pytest.mark.parametrize("name", ["abc", "a b", "a" * 80, "數位轉"])
def test_create_group_accepts_names_at_the_limits(make_user, name):
    assert create_group(make_user(), name, "").name == name


def test_create_group_checks_the_description_length(make_user):
    creator = make_user()
    with pytest.raises(DomainError) as raised:
        create_group(creator, "Open Data", "x" * (DESCRIPTION_MAX + 1))
    assert raised.value.field == "description"
    assert create_group(creator, "Open Data", "x" * DESCRIPTION_MAX).id is not None


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Open Data", "Open Data"),
        ("Open Data", "open data"),
        ("Open Data", "  OPEN   DATA "),
        ("École numérique", "école numérique"),
        ("École numérique", "ÉCOLE NUMÉRIQUE"),
        ("Données Ouvertes", "données ouvertes"),
        ("數位轉型", "數位轉型"),
    ],
)
def test_create_group_refuses_a_duplicate_name_in_any_case(make_user, first, second):
    creator = make_user()
    create_group(creator, first, "")
    with pytest.raises(DomainError) as raised:
        create_group(make_user(), second, "")
    assert raised.value.field == "name"
    assert len(db.session.scalars(select(Group)).all()) == 1


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SECRETARIAT, Role.EXECUTIVE])
def test_only_admins_create_department_groups(make_user, make_department, role):
    department = make_department()
    with pytest.raises(PermissionDenied):
        create_group(make_user(role=role), "CRA staff", "", GroupKind.DEPARTMENT, department)
    assert db.session.scalars(select(Group)).all() == []


@pytest.mark.parametrize("role", list(Role))
def test_everyone_creates_topic_groups(make_user, role):
    assert create_group(make_user(role=role), "Open Data", "").kind is GroupKind.TOPIC


def test_admin_creates_a_department_group(make_user, make_department):
    department = make_department()
    group = create_group(
        make_user(role=Role.ADMIN), "CRA staff", "", GroupKind.DEPARTMENT, department
    )
    assert group.kind is GroupKind.DEPARTMENT
    assert group.department_id == department.id


def test_department_group_needs_a_department(make_user):
    with pytest.raises(DomainError) as raised:
        create_group(make_user(role=Role.ADMIN), "CRA staff", "", GroupKind.DEPARTMENT, None)
    assert raised.value.field == "department"
    assert db.session.scalars(select(Group)).all() == []


def test_topic_group_ignores_a_department(make_user, make_department):
    group = create_group(make_user(), "Open Data", "", GroupKind.TOPIC, make_department())
    assert group.department_id is None


# --- join / leave ------------------------------------------------------------------------


def test_join_and_leave_are_idempotent(make_user, make_group):
    group, member = make_group(), make_user()
    assert group.member_count == 1
    assert not is_member(member, group)
    assert join_group(member, group) is True
    assert group.member_count == 2
    assert join_group(member, group) is False
    assert group.member_count == 2
    assert is_member(member, group)
    assert leave_group(member, group) is True
    assert group.member_count == 1
    assert leave_group(member, group) is False
    assert group.member_count == 1
    assert not is_member(member, group)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Group, group.id).member_count == 1


def test_member_count_matches_memberships(make_user, make_group):
    group = make_group()
    members = [make_user() for _ in range(4)]
    for member in members:
        join_group(member, group)
    leave_group(members[0], group)
    leave_group(members[0], group)
    join_group(members[1], group)
    rows = db.session.scalars(group_members(group)).all()
    assert group.member_count == len(rows) == 4
    # Group admins first, then by join date.
    assert rows[0].is_group_admin
    assert [row.user_id for row in rows[1:]] == [m.id for m in members[1:]]


def test_the_first_members_are_those_group_members_lists_first(make_user, make_group):
    creator = make_user()
    group = make_group(creator=creator)
    members = [make_user() for _ in range(5)]
    for member in members:
        join_group(member, group)
    # An admin named after others joined still comes before them.
    db.session.get(
        Membership, {"group_id": group.id, "user_id": members[3].id}
    ).is_group_admin = True
    db.session.commit()
    everyone = [row.user_id for row in db.session.scalars(group_members(group))]
    assert everyone == [creator.id, members[3].id, *(m.id for m in members if m != members[3])]
    for count in (1, 2, 3, 6, 10):
        assert [row.user_id for row in first_members(group, count)] == everyone[:count]
    assert first_members(group, 3)[1].user.id == members[3].id  # accounts loaded


def test_the_creator_can_leave(make_user, make_group):
    creator = make_user()
    group = make_group(creator=creator)
    assert leave_group(creator, group) is True
    assert group.member_count == 0
    assert groups_of(creator) == []


def test_nobody_is_a_member_when_anonymous(make_group):
    assert is_member(None, make_group()) is False


# --- search_groups -----------------------------------------------------------------------


def search(query="", kind=None) -> list[str]:
    return [group.name for group in db.session.scalars(search_groups(query, kind))]


@pytest.fixture
def groups(make_user, make_group, make_department):
    admin = make_user(role=Role.ADMIN)
    names = [
        "Open Data",
        "Opening Hours",
        "100% Remote",
        "Remote work",
        "Data_Lab",
        "DataXLab",
        "Back\\slash",
        "École numérique",
        "數位轉型",
    ]
    for name in names:
        make_group(creator=admin, name=name)
    make_group(
        creator=admin,
        name="CRA staff",
        kind=GroupKind.DEPARTMENT,
        department=make_department(),
    )
    return names


def test_search_is_case_insensitive(groups):
    assert set(search("open")) == {"Open Data", "Opening Hours"}
    assert set(search("OPEN")) == {"Open Data", "Opening Hours"}
    assert set(search("  DaTa ")) == {"Open Data", "Data_Lab", "DataXLab"}


def test_search_is_case_insensitive_beyond_ascii(groups):
    assert search("école") == ["École numérique"]
    assert search("ÉCOLE NUM") == ["École numérique"]
    assert search("轉型") == ["數位轉型"]


def test_search_treats_percent_literally(groups):
    assert search("%") == ["100% Remote"]
    assert search("0% r") == ["100% Remote"]


def test_search_treats_underscore_literally(groups):
    assert search("_") == ["Data_Lab"]
    assert search("a_l") == ["Data_Lab"]


def test_search_treats_backslash_literally(groups):
    assert search("\\") == ["Back\\slash"]
    assert search("k\\s") == ["Back\\slash"]


def test_search_without_a_query_lists_every_group(groups):
    assert len(search()) == len(groups) + 1
    assert len(search("   ")) == len(groups) + 1


def test_search_by_kind(groups):
    assert search(kind=GroupKind.DEPARTMENT) == ["CRA staff"]
    assert "CRA staff" not in search(kind=GroupKind.TOPIC)
    assert search("staff", kind=GroupKind.TOPIC) == []


def test_search_puts_larger_groups_first(make_user, make_group):
    small, large, medium = (make_group(name=n) for n in ("Alpha", "Bravo", "Charlie"))
    for _ in range(3):
        join_group(make_user(), large)
    join_group(make_user(), medium)
    assert search() == ["Bravo", "Charlie", "Alpha"]
    # Same size: by name.
    join_group(make_user(), small)
    assert search() == ["Bravo", "Alpha", "Charlie"]
