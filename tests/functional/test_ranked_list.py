"""The ranked list at /ideas (sorts, filters, pagination) and the home page."""

from datetime import timedelta

import pytest

from ideas.accounts.models import Role, User
from ideas.board.models import Idea
from ideas.board.ranking import hot_score
from ideas.board.services import cast_vote, post_comment
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.groups.services import join_group
from ideas.timeutil import utcnow
from ideas.workflow.stages import Stage
from tests.conftest import theme_id
from tests.functional.html_dom import idea_titles, parse

# title: (up votes, down votes, age, comments)
BOARD = {
    "Alpha idea": (3, 0, timedelta(hours=3), 0),
    "Bravo idea": (2, 2, timedelta(days=1), 3),
    "Charlie idea": (0, 0, timedelta(0), 1),
    "Delta idea": (1, 3, timedelta(days=2), 2),
    "Echo idea": (4, 3, timedelta(days=5), 0),
}

EXPECTED_ORDERS = {
    # Wilson lower bound: 3-0 (0.44) > 4-3 (0.25) > 2-2 (0.15) > 1-3 (0.05) > none.
    "top": ["Alpha idea", "Echo idea", "Bravo idea", "Delta idea", "Charlie idea"],
    # Net votes on a log scale plus recency: three up votes outweigh three hours.
    "hot": ["Alpha idea", "Charlie idea", "Bravo idea", "Delta idea", "Echo idea"],
    "new": ["Charlie idea", "Alpha idea", "Bravo idea", "Delta idea", "Echo idea"],
    # Equal counts fall back to the newer id first.
    "discussed": ["Bravo idea", "Delta idea", "Charlie idea", "Echo idea", "Alpha idea"],
    # 7 votes split 4/3 > 4 split 2/2 > 4 split 1/3 > one-sided.
    "controversial": ["Echo idea", "Bravo idea", "Delta idea", "Charlie idea", "Alpha idea"],
}


def _shape(app, idea, votes=(), comments=0, age=None, stage=None, commenter=None):
    """Give an idea votes [(user, value)], comments, an age and a stage, and recompute hot."""
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        for user, value in votes:
            cast_vote(db.session.get(User, user.id), row, value)
        for n in range(comments):
            post_comment(db.session.get(User, commenter.id), row, f"Comment {n}")
        if age is not None:
            row.created_at = row.updated_at = utcnow() - age
        if stage is not None:
            row.stage = stage
        db.session.flush()
        db.session.refresh(row)
        row.hot = hot_score(row.up_count, row.down_count, row.created_at)
        db.session.commit()


@pytest.fixture
def board(app, make_user, make_idea):
    """Five ideas with known votes, comments and ages, posted in the order of BOARD."""
    author = make_user()
    voters = [make_user() for _ in range(7)]
    ideas = {}
    for title, (up, down, age, comments) in BOARD.items():
        idea = make_idea(author=author, title=title)
        votes = [(v, 1) for v in voters[:up]] + [(v, -1) for v in voters[up : up + down]]
        _shape(app, idea, votes, comments, age, commenter=voters[0])
        ideas[title] = idea
    return ideas


@pytest.mark.parametrize("sort", list(EXPECTED_ORDERS))
def test_sorts_produce_the_expected_order(client, auth, board, sort):
    auth.as_role(Role.MEMBER)
    response = client.get(f"/ideas?sort={sort}")
    assert response.status_code == 200
    page = parse(response.text)
    assert idea_titles(page) == EXPECTED_ORDERS[sort]
    current = page.one("nav", class_="sorts").one("a", aria_current="true")
    assert f"sort={sort}" in current.get("href")


def test_default_and_unknown_sorts_fall_back_to_top(client, auth, board):
    auth.as_role(Role.MEMBER)
    for url in ("/ideas", "/ideas?sort=bogus", "/ideas?sort=", "/ideas?sort=wilson"):
        page = parse(client.get(url).text)
        assert idea_titles(page) == EXPECTED_ORDERS["top"], url
        assert page.one("nav", class_="sorts").one("a", aria_current="true").text() == "Top"


def test_cards_show_counts_and_my_vote(app, client, auth, board):
    viewer = auth.as_role(Role.MEMBER)
    _shape(app, board["Delta idea"], [(viewer, -1)])
    page = parse(client.get("/ideas?sort=discussed").text)
    card = next(c for c in page.find_all("article", class_="idea-card") if "Delta idea" in c.text())
    assert card.one("p", class_="counts").text() == (
        "1 vote for, 4 votes against, 2 comments You voted against this"
    )


def test_ranked_list_needs_sign_in(client, board):
    response = client.get("/ideas")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")


# Filters ------------------------------------------------------------------------------


@pytest.fixture
def varied(app, make_user, make_department, make_group, make_idea):
    """Ideas across themes, departments, a group and stages (one merged)."""
    health = make_department("Health Canada")
    revenue = make_department("Canada Revenue Agency")
    nurse = make_user(department=health)
    auditor = make_user(department=revenue)
    group = make_group(creator=nurse, name="Clinic ideas")
    ideas = {
        "Health innovation": make_idea(author=nurse, title="Health innovation"),
        "Health fundamentals": make_idea(
            author=nurse, title="Health fundamentals", theme="fundamentals"
        ),
        "Group clinic idea": make_idea(author=nurse, title="Group clinic idea", group=group),
        "Revenue review": make_idea(author=auditor, title="Revenue review"),
        "Revenue duplicate": make_idea(
            author=auditor, title="Revenue duplicate", theme="fundamentals"
        ),
    }
    _shape(app, ideas["Revenue review"], stage=Stage.UNDER_REVIEW)
    _shape(app, ideas["Revenue duplicate"], stage=Stage.MERGED)
    with app.app_context():
        themes = {code: theme_id(code) for code in ("innovation", "fundamentals")}
    return {"ideas": ideas, "health": health, "revenue": revenue, "group": group, **themes}


def _listed(client, query):
    response = client.get(f"/ideas?{query}")
    assert response.status_code == 200
    page = parse(response.text)
    return set(idea_titles(page)), page


def test_filter_by_theme(client, auth, varied):
    auth.as_role(Role.MEMBER)
    titles, page = _listed(client, f"theme={varied['fundamentals']}")
    assert titles == {"Health fundamentals"}
    assert page.one("select", id="filter-theme").value() == str(varied["fundamentals"])
    assert page.one("p", class_="result-count").text() == "1 idea"
    titles, _ = _listed(client, f"theme={varied['innovation']}")
    assert titles == {"Health innovation", "Group clinic idea", "Revenue review"}


def test_filter_by_group(client, auth, varied):
    auth.as_role(Role.MEMBER)
    titles, page = _listed(client, f"group={varied['group'].id}")
    assert titles == {"Group clinic idea"}
    assert page.one("select", id="filter-group").value() == str(varied["group"].id)


def test_filter_by_department(client, auth, varied):
    auth.as_role(Role.MEMBER)
    titles, page = _listed(client, f"department={varied['health'].id}")
    assert titles == {"Health innovation", "Health fundamentals", "Group clinic idea"}
    assert page.one("select", id="filter-department").value() == str(varied["health"].id)
    titles, _ = _listed(client, f"department={varied['revenue'].id}")
    assert titles == {"Revenue review"}  # the merged duplicate stays hidden


def test_filter_by_stage_and_merged_hidden_by_default(client, auth, varied):
    auth.as_role(Role.MEMBER)
    titles, page = _listed(client, "")
    assert titles == {
        "Health innovation",
        "Health fundamentals",
        "Group clinic idea",
        "Revenue review",
    }
    assert page.one("p", class_="result-count").text() == "4 ideas"
    titles, page = _listed(client, "stage=under_review")
    assert titles == {"Revenue review"}
    assert page.one("select", id="filter-stage").value() == "under_review"
    titles, _ = _listed(client, "stage=proposed")
    assert titles == {"Health innovation", "Health fundamentals", "Group clinic idea"}
    titles, _ = _listed(client, "stage=merged")
    assert titles == {"Revenue duplicate"}
    titles, page = _listed(client, "stage=implemented")
    assert titles == set()
    assert "No ideas here yet." in page.one("main").text()


def test_filters_combine(client, auth, varied):
    auth.as_role(Role.MEMBER)
    titles, _ = _listed(
        client, f"theme={varied['innovation']}&department={varied['health'].id}&stage=proposed"
    )
    assert titles == {"Health innovation", "Group clinic idea"}
    titles, _ = _listed(client, f"theme={varied['fundamentals']}&group={varied['group'].id}")
    assert titles == set()


@pytest.mark.parametrize(
    "query",
    [
        "theme=abc",
        "group=x&department=1.5",
        "department=%27%20OR%201%3D1",
        "stage=nope&sort=bogus",
        "stage=MERGED",
        "page=abc",
        "page=-3",
        "page=0",
        "theme=&group=&department=&stage=&page=",
    ],
)
def test_odd_filter_values_mean_any(client, auth, varied, query):
    auth.as_role(Role.MEMBER)
    titles, page = _listed(client, query)
    assert titles == {
        "Health innovation",
        "Health fundamentals",
        "Group clinic idea",
        "Revenue review",
    }
    assert page.one("select", id="filter-theme").value() == ""


# Pagination ---------------------------------------------------------------------------


@pytest.fixture
def twelve(app, make_user, make_idea):
    """Twelve unvoted ideas; with equal scores the newer id comes first."""
    author = make_user()
    ideas = [make_idea(author=author, title=f"Paged idea {n:02d}") for n in range(12)]
    return [idea.title for idea in reversed(ideas)]


def test_pagination_pages_do_not_overlap(client, auth, twelve):
    auth.as_role(Role.MEMBER)
    pages = [idea_titles(parse(client.get(f"/ideas?page={n}").text)) for n in (1, 2, 3)]
    assert pages == [twelve[:5], twelve[5:10], twelve[10:]]
    assert len(set(pages[0]) | set(pages[1]) | set(pages[2])) == 12


def test_pagination_links_keep_the_sort_and_filters(app, client, auth, twelve):
    auth.as_role(Role.MEMBER)
    with app.app_context():
        innovation = theme_id("innovation")
    page = parse(client.get(f"/ideas?sort=new&theme={innovation}&page=2").text)
    nav = page.one("nav", class_="pagination")
    assert nav.one(aria_current="page").text() == "Page 2 of 3"
    for rel in ("prev", "next"):
        href = nav.one("a", rel=rel).get("href")
        assert "sort=new" in href
        assert f"theme={innovation}" in href
    # Next seeks past the page's last idea; previous from page 2 is the plain first page.
    assert "page=3" in nav.one("a", rel="next").get("href")
    assert "after=" in nav.one("a", rel="next").get("href")
    assert "page=" not in nav.one("a", rel="prev").get("href")
    # Changing the sort goes back to page 1.
    top_link = page.one("nav", class_="sorts").find_all("a")[0].get("href")
    assert "page=" not in top_link
    assert f"theme={innovation}" in top_link


def test_page_beyond_the_end_is_empty_not_an_error(client, auth, twelve):
    auth.as_role(Role.MEMBER)
    response = client.get("/ideas?page=999")
    assert response.status_code == 200
    page = parse(response.text)
    assert idea_titles(page) == []
    assert "No ideas here yet." in page.one("main").text()
    assert page.one("p", class_="result-count").text() == "12 ideas"


def test_per_page_cannot_be_raised_from_the_query(client, auth, twelve):
    auth.as_role(Role.MEMBER)
    assert idea_titles(parse(client.get("/ideas?per_page=100").text)) == twelve[:5]


# Home page ----------------------------------------------------------------------------


def test_anonymous_home_is_the_welcome_page(client, make_idea):
    make_idea(title="Not for visitors")
    response = client.get("/")
    assert response.status_code == 200
    main = parse(response.text).one("main")
    assert main.one("h1").text() == "Ideas for a better public service"
    assert main.one("a", href="/sign-in").text() == "Sign in"
    assert main.one("a", href="/register").text() == "Create an account"
    assert "Not for visitors" not in response.text
    assert "Hot this week" not in response.text


def _section(page, heading_id):
    return page.one("section", aria_labelledby=heading_id)


def test_member_home_shows_hot_newest_and_my_groups(
    app, client, auth, make_user, make_idea, make_group
):
    member = auth.as_role(Role.MEMBER, display_name="Mia Member")
    author = make_user()
    fans = [make_user() for _ in range(3)]
    old = make_idea(author=author, title="Old but loved")
    _shape(app, old, [(f, 1) for f in fans], age=timedelta(days=8))
    fresh = make_idea(author=author, title="Fresh and hot")
    _shape(app, fresh, [(f, 1) for f in fans[:2]], age=timedelta(hours=1))
    make_idea(author=author, title="Brand new")
    merged = make_idea(author=author, title="Merged away")
    _shape(app, merged, [(f, 1) for f in fans], stage=Stage.MERGED)
    mine = make_group(name="Zebra crossing fans")
    also_mine = make_group(creator=member, name="Aardvark club")
    make_group(name="Not joined")
    with app.app_context():
        join_group(db.session.get(User, member.id), db.session.get(Group, mine.id))
        db.session.commit()

    response = client.get("/")

    assert response.status_code == 200
    page = parse(response.text)
    assert page.one("h1").text() == "Welcome, Mia Member"
    # Eight days old: out of this week's hot list, however many votes it has.
    assert idea_titles(_section(page, "hot-heading")) == ["Fresh and hot", "Brand new"]
    assert idea_titles(_section(page, "new-heading")) == [
        "Brand new",
        "Fresh and hot",
        "Old but loved",
    ]
    groups = _section(page, "groups-heading")
    assert [a.text() for a in groups.one("ul").find_all("a")] == [
        "Aardvark club",
        "Zebra crossing fans",
    ]
    assert groups.one("a", href=f"/groups/{also_mine.slug}")


def test_member_home_lists_at_most_five(client, auth, make_user, make_idea):
    auth.as_role(Role.MEMBER)
    author = make_user()
    titles = [make_idea(author=author, title=f"Recent idea {n}").title for n in range(7)]
    page = parse(client.get("/").text)
    assert idea_titles(_section(page, "new-heading")) == titles[::-1][:5]
    assert len(idea_titles(_section(page, "hot-heading"))) == 5


def test_member_home_without_groups_or_ideas(client, auth):
    auth.as_role(Role.MEMBER)
    page = parse(client.get("/").text)
    assert "You have not joined any group yet." in _section(page, "groups-heading").text()
    assert "No ideas here yet." in _section(page, "hot-heading").text()
    assert _section(page, "groups-heading").one("a", href="/groups")
