"""Groups through the pages: list and search, create, join and leave, group and member pages."""

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.board.models import Idea
from ideas.board.services import cast_vote
from ideas.extensions import db
from ideas.groups.models import Group, GroupKind, Membership
from ideas.groups.services import join_group
from tests.conftest import theme_id
from tests.functional.html_dom import field_error, idea_titles, parse


def _group_names(page):
    listing = page.find("ul", class_="group-list")
    return [heading.text() for heading in listing.find_all("h2")] if listing else []


def _group(app, slug):
    with app.app_context():
        group = db.session.scalar(select(Group).where(Group.slug == slug))
        if group is not None:
            db.session.expunge(group)
        return group


def _group_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Group))


def _memberships(app, group_id):
    """{user_id: is_group_admin} from the membership table."""
    with app.app_context():
        rows = db.session.execute(
            select(Membership.user_id, Membership.is_group_admin).where(
                Membership.group_id == group_id
            )
        ).all()
        return dict(rows)


def _form(**fields):
    """What the create form sends: a member's page posts kind and department as hidden."""
    return {"kind": "topic", "department": "0", "description": "", **fields}


def _join(app, user, group):
    with app.app_context():
        join_group(db.session.get(User, user.id), db.session.get(Group, group.id))
        db.session.commit()


# Listing and searching ----------------------------------------------------------------


@pytest.fixture
def groups(app, make_user, make_group, make_department):
    """Groups with different sizes and kinds: Digital Health (3), Health Data (2), ..."""
    department = make_department("Health Canada")
    made = {
        "Digital Health": make_group(name="Digital Health"),
        "health data": make_group(name="health data"),
        "Open Government": make_group(name="Open Government"),
        "100% remote": make_group(name="100% remote"),
        "1000 ideas": make_group(name="1000 ideas"),
        "snake_case fans": make_group(name="snake_case fans"),
        "Health Canada staff": make_group(
            name="Health Canada staff", kind=GroupKind.DEPARTMENT, department=department
        ),
    }
    for name, extra in (("Digital Health", 2), ("health data", 1), ("Health Canada staff", 3)):
        for _ in range(extra):
            _join(app, make_user(), made[name])
    return made


def test_list_groups_largest_first_then_by_name(client, auth, groups):
    auth.as_role(Role.MEMBER)
    response = client.get("/groups")
    assert response.status_code == 200
    page = parse(response.text)
    # 4, 3 and 2 members, then the one-member groups by name; five to a page.
    assert _group_names(page) == [
        "Health Canada staff",
        "Digital Health",
        "health data",
        "100% remote",
        "1000 ideas",
    ]
    assert page.one("p", class_="result-count").text() == "7 groups"
    first = page.one("ul", class_="group-list").find_all("li")[0]
    assert "Department group" in first.text()
    assert "4 members" in first.text()
    assert first.one("a").get("href") == f"/groups/{groups['Health Canada staff'].slug}"


@pytest.mark.parametrize("query", ["health", "HEALTH", "HeAlTh", "  health  "])
def test_search_by_name_ignores_case(client, auth, groups, query):
    auth.as_role(Role.MEMBER)
    page = parse(client.get("/groups", query_string={"q": query}).text)
    assert _group_names(page) == ["Health Canada staff", "Digital Health", "health data"]
    assert page.one("input", id="group-q").value() == query


def test_search_treats_wildcards_literally(client, auth, groups):
    auth.as_role(Role.MEMBER)
    assert _group_names(parse(client.get("/groups?q=100%25").text)) == ["100% remote"]
    assert _group_names(parse(client.get("/groups?q=e_c").text)) == ["snake_case fans"]


def test_search_without_match(client, auth, groups):
    auth.as_role(Role.MEMBER)
    page = parse(client.get("/groups?q=astronomy").text)
    assert _group_names(page) == []
    assert "No group matches your search." in page.one("main").text()
    assert page.one("p", class_="result-count").text() == "0 groups"


def test_kind_filter(client, auth, groups):
    auth.as_role(Role.MEMBER)
    page = parse(client.get("/groups?kind=department").text)
    assert _group_names(page) == ["Health Canada staff"]
    assert page.one("select", id="group-kind").value() == "department"
    page = parse(client.get("/groups?kind=topic&q=health").text)
    assert _group_names(page) == ["Digital Health", "health data"]
    # An unknown kind means all kinds.
    page = parse(client.get("/groups?kind=secret").text)
    assert page.one("p", class_="result-count").text() == "7 groups"


def test_groups_pagination(client, auth, groups):
    auth.as_role(Role.MEMBER)
    first = _group_names(parse(client.get("/groups").text))
    second_page = parse(client.get("/groups?page=2").text)
    second = _group_names(second_page)
    assert len(first) == 5
    assert second == ["Open Government", "snake_case fans"]
    assert set(first).isdisjoint(second)
    assert set(first) | set(second) == set(groups)
    nav = second_page.one("nav", class_="pagination")
    assert nav.one(aria_current="page").text() == "Page 2 of 2"
    assert nav.find("a", rel="next") is None
    assert "page=1" in nav.one("a", rel="prev").get("href")
    page = parse(client.get("/groups?page=999").text)
    assert _group_names(page) == []
    assert page.one("p", class_="result-count").text() == "7 groups"


def test_search_pagination_keeps_the_query(client, auth, make_group):
    auth.as_role(Role.MEMBER)
    for n in range(7):
        make_group(name=f"Team {n}")
    make_group(name="Unrelated")
    page = parse(client.get("/groups?q=team").text)
    assert len(_group_names(page)) == 5
    next_link = page.one("nav", class_="pagination").one("a", rel="next").get("href")
    assert "q=team" in next_link
    assert len(_group_names(parse(client.get(next_link).text))) == 2


def test_groups_need_sign_in(client, groups):
    for path in ("/groups", "/groups/new", f"/groups/{groups['Digital Health'].slug}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/sign-in")


# Creating -----------------------------------------------------------------------------


def test_member_creates_a_topic_group(app, client, auth):
    member = auth.as_role(Role.MEMBER, display_name="Gina Founder")
    form = parse(client.get("/groups/new").text)
    assert form.find("select", id="kind") is None
    assert form.one("input", name="kind").get("type") == "hidden"

    response = client.post(
        "/groups/new",
        data=_form(name="  Open   Data Fans ", description="About **open data**."),
    )

    assert response.status_code == 302
    assert response.location == "/groups/open-data-fans"
    group = _group(app, "open-data-fans")
    assert group.name == "Open Data Fans"
    assert group.kind is GroupKind.TOPIC
    assert group.department_id is None
    assert group.created_by_id == member.id
    assert group.member_count == 1
    assert _memberships(app, group.id) == {member.id: True}

    shown = client.get(response.location)
    assert "The group Open Data Fans is created." in shown.text
    page = parse(shown.text)
    assert page.one("h1").text() == "Open Data Fans"
    assert "Topic group" in page.one("p", class_="meta").text()
    assert "1 member" in page.one("p", class_="meta").text()
    assert page.one("div", class_="markdown").one("strong").text() == "open data"
    members = page.one("section", aria_labelledby="members-heading")
    assert members.one("li").text() == "Gina Founder (group admin)"
    assert page.one("form", action="/groups/open-data-fans/membership").one("button").text() == (
        "Leave group"
    )


def test_same_slug_from_a_different_name_gets_a_suffix(app, client, auth):
    auth.as_role(Role.MEMBER)
    assert client.post("/groups/new", data=_form(name="Open Data")).location == "/groups/open-data"
    response = client.post("/groups/new", data=_form(name="Open-Data"))
    assert response.location == "/groups/open-data-2"
    assert client.get("/groups/open-data-2").status_code == 200
    assert _group(app, "open-data-2").name == "Open-Data"


@pytest.mark.parametrize(
    ("name", "description", "field", "message"),
    [
        ("ab", "", "name", "The name needs 3 to 80 characters."),
        ("x" * 81, "", "name", "The name needs 3 to 80 characters."),
        ("", "", "name", "Give the group a name."),
        # Long enough as typed, too short once the spaces are collapsed.
        ("a      ", "", "name", "The name needs 3 to 80 characters."),
        (
            "Fine name",
            "d" * 2001,
            "description",
            "The description can have at most 2000 characters.",
        ),
        ("existing group", "", "name", "A group with this name already exists."),
        ("EXISTING GROUP", "", "name", "A group with this name already exists."),
        ("  Existing   Group ", "", "name", "A group with this name already exists."),
    ],
    ids=["short", "long", "empty", "spaces", "long-description", "lower", "upper", "spaced"],
)
def test_create_group_validation_errors(
    app, client, auth, make_group, name, description, field, message
):
    make_group(name="Existing Group")
    auth.as_role(Role.MEMBER)

    response = client.post("/groups/new", data=_form(name=name, description=description))

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, field) == message
    assert page.one("input", id="name").value() == name
    assert page.one("textarea", id="description").value() == description
    assert _group_count(app) == 1


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SECRETARIAT, Role.EXECUTIVE])
def test_only_admins_create_department_groups(app, client, auth, make_department, role):
    department = make_department("Fisheries and Oceans")
    auth.as_role(role)
    assert parse(client.get("/groups/new").text).find("select", id="kind") is None

    for department_id in (str(department.id), "0"):
        response = client.post(
            "/groups/new",
            data=_form(name="Fisheries staff", kind="department", department=department_id),
        )
        assert response.status_code == 403
        assert "You do not have permission to do this." in response.text
    assert _group_count(app) == 0


def test_admin_sees_kind_and_department_choices(client, auth, make_department):
    department = make_department("Fisheries and Oceans")
    auth.as_role(Role.ADMIN)
    page = parse(client.get("/groups/new").text)
    assert page.one("select", id="kind").option_values() == ["topic", "department"]
    assert str(department.id) in page.one("select", id="department").option_values()


def test_admin_creates_a_department_group(app, client, auth, make_department):
    department = make_department("Fisheries and Oceans")
    admin = auth.as_role(Role.ADMIN)

    response = client.post(
        "/groups/new",
        data={"name": "DFO staff", "kind": "department", "department": str(department.id)},
    )

    assert response.status_code == 302
    group = _group(app, "dfo-staff")
    assert group.kind is GroupKind.DEPARTMENT
    assert group.department_id == department.id
    assert _memberships(app, group.id) == {admin.id: True}
    meta = parse(client.get(response.location).text).one("p", class_="meta").text()
    assert "Department group" in meta
    assert "Fisheries and Oceans" in meta


def test_department_group_needs_a_department(app, client, auth):
    auth.as_role(Role.ADMIN)
    response = client.post(
        "/groups/new", data={"name": "Nameless department", "kind": "department", "department": "0"}
    )
    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "department") == "Choose the department this group is for."
    assert page.one("select", id="kind").value() == "department"
    assert _group_count(app) == 0


def test_topic_group_ignores_a_department(app, client, auth, make_department):
    department = make_department("Fisheries and Oceans")
    auth.as_role(Role.ADMIN)
    response = client.post(
        "/groups/new",
        data={"name": "Boats", "kind": "topic", "department": str(department.id)},
    )
    assert response.status_code == 302
    assert _group(app, "boats").department_id is None


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN])
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"department": "987654"}, "Department: Choose one of the offered options."),
        ({"department": "abc"}, "Department: Choose one of the offered options."),
        ({"kind": "galaxy"}, "Kind: Not a valid choice."),
    ],
)
def test_tampered_kind_or_department_is_422(app, client, auth, role, fields, message):
    auth.as_role(role)
    response = client.post("/groups/new", data=_form(name="Tampered", **fields))
    assert response.status_code == 422
    assert message in parse(response.text).one(class_="error-summary").text()
    assert _group_count(app) == 0


def test_create_group_needs_csrf(app, client, auth):
    auth.as_role(Role.MEMBER)
    response = client.post("/groups/new", data=_form(name="Forged group"), csrf=False)
    assert response.status_code == 400
    assert _group_count(app) == 0


# Joining and leaving ------------------------------------------------------------------


def test_join_and_leave(app, client, auth, make_group):
    group = make_group(name="Joinable")
    member = auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/groups/{group.slug}").text)
    assert page.one("form", action=f"/groups/{group.slug}/membership").one("button").text() == (
        "Join group"
    )
    assert page.find("a", href=f"/ideas/new?group={group.id}") is None

    response = client.post(f"/groups/{group.slug}/membership")
    assert response.status_code == 302
    assert response.location == f"/groups/{group.slug}"
    assert _group(app, group.slug).member_count == 2
    assert _memberships(app, group.id)[member.id] is False
    shown = client.get(response.location)
    assert "You joined Joinable." in shown.text
    page = parse(shown.text)
    assert page.one("form", action=f"/groups/{group.slug}/membership").one("button").text() == (
        "Leave group"
    )
    assert "2 members" in page.one("p", class_="meta").text()

    # Joining again changes nothing.
    client.post(f"/groups/{group.slug}/membership")
    assert _group(app, group.slug).member_count == 2
    assert "You are already a member." in client.get(f"/groups/{group.slug}").text

    response = client.post(f"/groups/{group.slug}/membership", data={"leave": "1"})
    assert response.status_code == 302
    assert _group(app, group.slug).member_count == 1
    assert member.id not in _memberships(app, group.id)
    assert "You left Joinable." in client.get(f"/groups/{group.slug}").text

    client.post(f"/groups/{group.slug}/membership", data={"leave": "1"})
    assert _group(app, group.slug).member_count == 1
    assert "You were not a member." in client.get(f"/groups/{group.slug}").text


def test_membership_follows_a_local_next(client, auth, make_group):
    group = make_group(name="With next")
    auth.as_role(Role.MEMBER)
    response = client.post(f"/groups/{group.slug}/membership", data={"next": "/groups?q=next"})
    assert response.location == "/groups?q=next"
    response = client.post(
        f"/groups/{group.slug}/membership", data={"leave": "1", "next": "https://evil.example"}
    )
    assert response.location == f"/groups/{group.slug}"


def test_membership_needs_csrf_post_and_sign_in(app, client, auth, make_group):
    group = make_group(name="Guarded")
    response = client.post(f"/groups/{group.slug}/membership")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    auth.as_role(Role.MEMBER)
    assert client.post(f"/groups/{group.slug}/membership", csrf=False).status_code == 400
    assert client.get(f"/groups/{group.slug}/membership").status_code == 405
    assert _group(app, group.slug).member_count == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/groups/no-such-group"),
        ("get", "/groups/no-such-group/members"),
        ("post", "/groups/no-such-group/membership"),
    ],
)
def test_unknown_slug_is_404(client, auth, method, path):
    auth.as_role(Role.MEMBER)
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


# Group page and members ---------------------------------------------------------------


def test_group_page_lists_its_ranked_ideas_and_members(
    app, client, auth, make_user, make_group, make_idea
):
    founder = make_user(display_name="Fay Founder")
    group = make_group(creator=founder, name="Ranked group")
    joiner = make_user(display_name="Joe Joiner")
    _join(app, joiner, group)
    weak = make_idea(author=founder, title="Weak group idea", group=group)
    strong = make_idea(author=joiner, title="Strong group idea", group=group)
    make_idea(author=founder, title="Idea outside the group")
    voters = [make_user() for _ in range(2)]
    with app.app_context():
        for voter in voters:
            cast_vote(db.session.get(User, voter.id), db.session.get(Idea, strong.id), 1)
        cast_vote(db.session.get(User, voters[0].id), db.session.get(Idea, weak.id), -1)
        db.session.commit()
    auth.as_role(Role.MEMBER)

    page = parse(client.get(f"/groups/{group.slug}").text)

    ideas = page.one("section", aria_labelledby="group-ideas-heading")
    assert idea_titles(ideas) == ["Strong group idea", "Weak group idea"]
    assert ideas.one("p", class_="result-count").text() == "2 ideas"
    new_first = parse(client.get(f"/groups/{group.slug}?sort=new").text)
    assert idea_titles(new_first) == ["Strong group idea", "Weak group idea"]
    controversial = parse(client.get(f"/groups/{group.slug}?sort=controversial").text)
    assert len(idea_titles(controversial)) == 2
    members = page.one("section", aria_labelledby="members-heading")
    assert [li.text() for li in members.find_all("li")] == [
        "Fay Founder (group admin)",
        "Joe Joiner",
    ]
    assert members.find("a", href=f"/groups/{group.slug}/members") is None


def test_group_page_paginates_ideas(app, client, auth, make_group, make_idea, make_user):
    member = auth.as_role(Role.MEMBER)
    group = make_group(creator=member, name="Busy group")
    author = make_user()
    _join(app, author, group)
    titles = [make_idea(author=author, title=f"Busy idea {n}", group=group).title for n in range(7)]
    first = idea_titles(parse(client.get(f"/groups/{group.slug}").text))
    second = idea_titles(parse(client.get(f"/groups/{group.slug}?page=2").text))
    assert first + second == titles[::-1]


def test_members_page_is_paginated(app, client, auth, make_user, make_group):
    founder = make_user(display_name="Member 00")
    group = make_group(creator=founder, name="Crowded")
    joined = [make_user(display_name=f"Member {n:02d}") for n in range(1, 55)]
    for user in joined:
        _join(app, user, group)
    auth.as_role(Role.MEMBER)

    group_page = parse(client.get(f"/groups/{group.slug}").text)
    members = group_page.one("section", aria_labelledby="members-heading")
    assert len(members.find_all("li")) == 24
    assert members.one("a", href=f"/groups/{group.slug}/members").text() == "See all 55 members"

    first = parse(client.get(f"/groups/{group.slug}/members").text)
    assert first.one("h1").text() == "Members of Crowded"
    first_names = [li.text() for li in first.one("ul", class_="member-list").find_all("li")]
    assert len(first_names) == 50
    assert first_names[0] == "Member 00 (group admin)"
    assert first.one("nav", class_="pagination").one(aria_current="page").text() == "Page 1 of 2"
    second = parse(client.get(f"/groups/{group.slug}/members?page=2").text)
    second_names = [li.text() for li in second.one("ul", class_="member-list").find_all("li")]
    assert len(second_names) == 5
    assert set(first_names).isdisjoint(second_names)
    beyond = parse(client.get(f"/groups/{group.slug}/members?page=999").text)
    assert beyond.one("ul", class_="member-list").find_all("li") == []


# Posting into a group -----------------------------------------------------------------


def test_post_an_idea_from_the_group_page(app, client, auth, make_group):
    member = auth.as_role(Role.MEMBER)
    group = make_group(creator=member, name="Posting group")
    make_group(creator=member, name="Another of mine")
    page = parse(client.get(f"/groups/{group.slug}").text)
    link = page.one("a", href=f"/ideas/new?group={group.id}")
    assert link.text() == "Post an idea in this group"

    form = parse(client.get(link.get("href")).text)
    assert form.one("select", id="group").value() == str(group.id)

    with app.app_context():
        innovation = theme_id("innovation")
    response = client.post(
        link.get("href"),
        data={
            "title": "Posted from the group",
            "body": "Body",
            "theme": str(innovation),
            "group": str(group.id),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        idea = db.session.scalar(select(Idea).where(Idea.title == "Posted from the group"))
        assert idea.group_id == group.id
    assert idea_titles(parse(client.get(f"/groups/{group.slug}").text)) == ["Posted from the group"]


def test_group_preselection_ignores_groups_i_am_not_in(app, client, auth, make_group):
    auth.as_role(Role.MEMBER)
    group = make_group(name="Someone else's group")
    for query in (f"group={group.id}", "group=abc", "group=987654"):
        select_group = parse(client.get(f"/ideas/new?{query}").text).one("select", id="group")
        assert select_group.option_values() == ["0"]
        assert select_group.value() == "0"
