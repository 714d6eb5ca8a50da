"""No N+1 queries: a list page runs as many SQL statements with 8 items as with 2.

Each page is rendered once with few items and once with more (different authors, groups,
departments, votes, replies, flags), counting the statements sent to the database
(SQLAlchemy's before_cursor_execute). A count that grows with the items means a query per
item: a lazy relationship or a per-row helper called from a template.
"""

import pytest
from sqlalchemy import select

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.board.models import Comment, Idea
from ideas.board.services import cast_vote, post_comment
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.groups.services import join_group
from ideas.moderation.services import flag_content
from ideas.notifications.services import notify
from tests.statements import StatementCounter

FEW, MANY = 2, 8


def _statements(app, client, url) -> int:
    client.get(url)  # warm caches that are not per item (translations, first-use lookups)
    with StatementCounter(app) as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


@pytest.fixture
def world(app, make_user, make_group):
    """A signed-in viewer (admin, so staff pages open), a group, and a department."""
    app.config["IDEAS_PER_PAGE"] = 20
    viewer = make_user(role=Role.ADMIN)
    group = make_group(creator=viewer)
    return {"viewer": viewer, "group": group, "n": 0}


def _add_ideas(app, world, make_user, make_idea, count):
    """Ideas by new authors in their own departments, in the group, voted and flagged."""
    with app.app_context():
        department = Department(name_en=f"Department {world['n']}", level=GovernmentLevel.FEDERAL)
        db.session.add(department)
        db.session.commit()
        department_id = department.id
    for _ in range(count):
        world["n"] += 1
        author = make_user()
        with app.app_context():
            db.session.get(User, author.id).department_id = department_id
            join_group(db.session.get(User, author.id), db.session.get(Group, world["group"].id))
            db.session.commit()
        idea = make_idea(
            author=author, title=f"Counted idea {world['n']:02d}", group=world["group"]
        )
        commenter = make_user()
        with app.app_context():
            row = db.session.get(Idea, idea.id)
            viewer = db.session.get(User, world["viewer"].id)
            cast_vote(viewer, row, 1)
            top = post_comment(db.session.get(User, commenter.id), row, "A counted comment.")
            post_comment(db.session.get(User, author.id), row, "A reply.", parent=top)
            flag_content(db.session.get(User, commenter.id), row, reason="Counted flag reason.")
            notify(
                [viewer.id], "official_response", idea=row, actor=db.session.get(User, author.id)
            )
            db.session.commit()


def _comments_on_one_idea(app, world, make_user, idea_id, count):
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        for _ in range(count):
            author = db.session.get(User, make_user().id)
            top = post_comment(author, idea, "Top-level comment.")
            replier = db.session.get(User, make_user().id)
            post_comment(replier, idea, "A reply to it.", parent=top)
        db.session.commit()


PAGES = {
    "ideas list": lambda w: "/ideas",
    "ideas list, newest": lambda w: "/ideas?sort=new",
    "group page": lambda w: f"/groups/{w['group'].slug}",
    "home": lambda w: "/",
    "search results": lambda w: "/search?q=counted",
    "triage queue": lambda w: "/triage",
    "notifications": lambda w: "/notifications",
    "moderation queue": lambda w: "/moderation",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_list_page_statements_do_not_grow_with_items(
    app, client, auth, world, make_user, make_idea, page
):
    auth.sign_in(world["viewer"])
    url = PAGES[page](world)
    _add_ideas(app, world, make_user, make_idea, FEW)
    few = _statements(app, client, url)
    _add_ideas(app, world, make_user, make_idea, MANY - FEW)
    many = _statements(app, client, url)
    assert many == few, f"{page}: {few} statements with {FEW} items, {many} with {MANY}"


def test_idea_page_statements_do_not_grow_with_comments(
    app, client, auth, world, make_user, make_idea
):
    auth.sign_in(world["viewer"])
    idea = make_idea(title="An idea with many comments")
    _comments_on_one_idea(app, world, make_user, idea.id, FEW)
    few = _statements(app, client, f"/ideas/{idea.id}")
    _comments_on_one_idea(app, world, make_user, idea.id, MANY - FEW)
    many = _statements(app, client, f"/ideas/{idea.id}")
    with app.app_context():
        assert len(db.session.scalars(select(Comment.id)).all()) == 2 * MANY
    assert many == few, f"idea page: {few} statements with {FEW} threads, {many} with {MANY}"
