"""Rendered comment pages are reused across viewers and never shown out of date.

Each worker keeps the idea page's rendered comment list keyed on the idea's
discussion_version (ideas/board/comment_pages.py). These tests fill the cache with one
view, change something the list shows through the service that changes it, and check
that the next view shows the change; and that what differs between viewers (their own
comments, their CSRF token, staff rights, language) never leaks from one to another.
The rest of the suite runs with the cache on too.
"""

import re
from datetime import datetime

import pytest
from sqlalchemy import delete, update

from ideas.accounts.models import Role, User
from ideas.accounts.services import update_profile
from ideas.board.comment_pages import forget_comment_pages
from ideas.board.models import Comment, Idea
from ideas.board.services import post_comment, set_comment_hidden
from ideas.extensions import db
from ideas.privacy.services import delete_account
from ideas.workflow.experts import assign_expert
from tests.functional.html_dom import parse
from tests.statements import StatementCounter


def _post(app, author_id, idea_id, body, parent_id=None) -> int:
    with app.app_context():
        parent = db.session.get(Comment, parent_id) if parent_id else None
        comment = post_comment(
            db.session.get(User, author_id), db.session.get(Idea, idea_id), body, parent
        )
        db.session.commit()
        return comment.id


def _version(app, idea_id) -> int:
    with app.app_context():
        return db.session.get(Idea, idea_id).discussion_version


def _article(client, idea_id, comment_id):
    response = client.get(f"/ideas/{idea_id}")
    assert response.status_code == 200
    return parse(response.text).find("article", id=f"c{comment_id}")


@pytest.fixture
def talk(app, make_user, make_idea):
    """An idea with a comment by Alice and one by Bob."""
    alice, bob = make_user(display_name="Alice Author"), make_user(display_name="Bob Writer")
    idea = make_idea(title="An idea people talk about")
    return {
        "idea": idea,
        "alice": alice,
        "bob": bob,
        "by_alice": _post(app, alice.id, idea.id, "Alice says hello."),
        "by_bob": _post(app, bob.id, idea.id, "Bob answers."),
    }


def _comment_reads(app, client, url) -> int:
    """How many statements read the comment table while the page is served."""
    with StatementCounter(app) as counter:
        assert client.get(url).status_code == 200
    return sum("FROM comment" in statement for statement in counter.statements)


def test_a_second_view_is_served_from_the_cache(app, client, auth, talk):
    url = f"/ideas/{talk['idea'].id}"
    auth.as_role(Role.MEMBER)
    assert _comment_reads(app, client, url) == 2  # threads, then their replies
    assert _comment_reads(app, client, url) == 0
    app.config["COMMENT_PAGES_CACHE_BYTES"] = 0
    with app.app_context():
        forget_comment_pages()
    assert _comment_reads(app, client, url) == 2  # off: rendered every time


def test_each_viewer_gets_report_links_on_others_comments_only(client, auth, talk):
    idea_id, by_alice, by_bob = talk["idea"].id, talk["by_alice"], talk["by_bob"]

    def report(article, comment_id):
        return article.find("a", href=f"/comments/{comment_id}/flag")

    for viewer, own, other in (
        (talk["alice"], by_alice, by_bob),
        (talk["bob"], by_bob, by_alice),
        (talk["alice"], by_alice, by_bob),
    ):
        auth.sign_in(viewer)
        assert report(_article(client, idea_id, own), own) is None
        assert report(_article(client, idea_id, other), other) is not None
        auth.sign_out()


def test_reply_forms_carry_the_viewers_own_csrf_token(app, client, auth, talk):
    idea_id = talk["idea"].id
    auth.sign_in(talk["alice"])
    client.get(f"/ideas/{idea_id}")  # Alice's view fills the cache
    auth.sign_out()
    auth.sign_in(talk["bob"])
    page = client.get(f"/ideas/{idea_id}").text
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
    assert len(tokens) == 1  # the main form's and every reply form's are the same
    response = client.post(
        f"/ideas/{idea_id}/comments",
        data={"csrf_token": tokens.pop(), "body": "Bob replies.", "parent_id": talk["by_alice"]},
        csrf=False,
    )
    assert response.status_code == 302
    assert "\x00" not in page


def test_staff_and_members_do_not_share_a_rendering(app, client, auth, talk):
    idea_id, by_bob = talk["idea"].id, talk["by_bob"]
    with app.app_context():
        set_comment_hidden(db.session.get(Comment, by_bob), True)
        db.session.commit()
    _post(app, talk["alice"].id, idea_id, "A reply keeps the thread.", by_bob)
    auth.sign_in(talk["alice"])
    member_view = _article(client, idea_id, by_bob)
    assert "Bob answers." not in member_view.text()
    auth.sign_out()
    auth.as_role(Role.SECRETARIAT)
    staff_view = _article(client, idea_id, by_bob)
    assert "Bob answers." in staff_view.text()
    assert staff_view.find("a", href=f"/moderation/comments/{by_bob}") is not None


def test_each_language_gets_its_own_rendering(client, auth, talk):
    idea_id = talk["idea"].id
    auth.as_role(Role.MEMBER)
    assert "Report this comment" in client.get(f"/ideas/{idea_id}").text
    client.post("/language", data={"locale": "fr", "next": "/"})
    page = client.get(f"/ideas/{idea_id}").text
    assert "Report this comment" not in page
    assert "Signaler ce commentaire" in page


def _changes(app, talk, make_user):
    """Each change the list must show: (what to do, what the next view must contain or lack)."""
    idea_id = talk["idea"].id

    def new_comment():
        _post(app, talk["bob"].id, idea_id, "A brand new point.")
        return "A brand new point.", True

    def new_reply():
        _post(app, talk["bob"].id, idea_id, "A brand new reply.", talk["by_alice"])
        return "A brand new reply.", True

    def hidden():
        with app.app_context():
            set_comment_hidden(db.session.get(Comment, talk["by_alice"]), True)
            db.session.commit()
        return "Alice says hello.", False

    def renamed():
        with app.app_context():
            alice = db.session.get(User, talk["alice"].id)
            update_profile(alice, "Alice Renamed", None, "en")
            db.session.commit()
        return "Alice Renamed", True

    def deleted():
        with app.app_context():
            alice = db.session.get(User, talk["alice"].id)
            delete_account(alice, alice)
            db.session.commit()
        return "Alice Author", False

    def expert():
        staff = make_user(role=Role.SECRETARIAT)
        with app.app_context():
            assign_expert(
                db.session.get(Idea, idea_id),
                db.session.get(User, talk["alice"].id),
                db.session.get(User, staff.id),
            )
            db.session.commit()
        return '<span class="badge">Expert</span>', True

    return {f.__name__: f for f in (new_comment, new_reply, hidden, renamed, deleted, expert)}


@pytest.mark.parametrize(
    "change", ["new_comment", "new_reply", "hidden", "renamed", "deleted", "expert"]
)
def test_every_change_the_list_shows_is_seen_at_the_next_view(
    app, client, auth, make_user, talk, change
):
    idea_id = talk["idea"].id
    auth.as_role(Role.MEMBER)
    before = client.get(f"/ideas/{idea_id}").text  # fills the cache
    version = _version(app, idea_id)
    text, present = _changes(app, talk, make_user)[change]()
    assert (text in before) is not present
    assert _version(app, idea_id) > version
    assert (text in client.get(f"/ideas/{idea_id}").text) is present


def test_changes_elsewhere_leave_the_version_alone(app, make_user, make_idea, talk):
    other = make_idea(title="Another idea")
    version = _version(app, talk["idea"].id)
    _post(app, talk["bob"].id, other.id, "Somewhere else.")
    with app.app_context():
        bob = db.session.get(User, talk["bob"].id)
        update_profile(bob, bob.display_name, None, "fr")  # a language, not a name
        db.session.commit()
    assert _version(app, talk["idea"].id) == version


def test_a_loaded_idea_sees_its_new_version(app, talk):
    """The flush that bumps the number expires it on the ideas the session holds."""
    with app.app_context():
        idea = db.session.get(Idea, talk["idea"].id)
        before = idea.discussion_version
        post_comment(db.session.get(User, talk["bob"].id), idea, "One more point.")
        assert idea.discussion_version == before + 1
        alice = db.session.get(User, talk["alice"].id)
        update_profile(alice, "Alice Again", None, "en")
        assert idea.discussion_version == before + 2
        db.session.rollback()


def test_a_reused_idea_id_never_meets_an_old_rendering(app, client, auth, talk):
    """SQLite may reuse a deleted newest idea's id: the key also holds when it was posted."""
    idea_id = talk["idea"].id
    auth.as_role(Role.MEMBER)
    assert "Alice says hello." in client.get(f"/ideas/{idea_id}").text
    with app.app_context():
        # Another idea under the same id and version (Core statements: nothing bumps it).
        db.session.execute(delete(Comment).where(Comment.idea_id == idea_id))
        db.session.execute(
            update(Idea).where(Idea.id == idea_id).values(created_at=datetime(2026, 1, 2))
        )
        db.session.commit()
    assert "Alice says hello." not in client.get(f"/ideas/{idea_id}").text
