"""The idea page's discussion, a page at a time: keyset links, replies, hidden rules, anchors.

Top-level comments come 50 to a page (3 here, through COMMENTS_PER_PAGE) with all their
replies; plain links (no JavaScript) lead to the earlier and later pages, and a link to
any comment (?comment=N#cN) lands on the page that shows it. The statement count of the
page does not grow with the comments on it.
"""

import re
from datetime import timedelta

import pytest

from ideas.accounts.models import Role, User
from ideas.board.models import Comment, Idea
from ideas.board.services import post_comment
from ideas.extensions import db
from ideas.timeutil import utcnow
from tests.functional.html_dom import parse
from tests.statements import StatementCounter

PER_PAGE = 3
START = utcnow() - timedelta(days=2)


@pytest.fixture
def small_pages(app):
    """Three threads a page, so that a few comments make several pages."""
    app.config["COMMENTS_PER_PAGE"] = PER_PAGE


def _comment(app, author_id, idea_id, minutes, body, parent_id=None, hidden=False) -> int:
    """A comment posted through the service, dated START + minutes (to fix the order)."""
    with app.app_context():
        author = db.session.get(User, author_id)
        idea = db.session.get(Idea, idea_id)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        comment = post_comment(author, idea, body, parent)
        comment.created_at = START + timedelta(minutes=minutes)
        comment.hidden = hidden
        db.session.commit()
        return comment.id


@pytest.fixture
def discussion(app, make_user, make_idea):
    """An idea with seven threads t1..t7 (oldest first) and a late reply to t3."""
    author = make_user()
    idea = make_idea(title="An idea with a long discussion")
    threads = [
        _comment(app, author.id, idea.id, minutes=n, body=f"Thread number {n}") for n in range(1, 8)
    ]
    late_reply = _comment(app, author.id, idea.id, 60, "A late reply to three", threads[2])
    return {"idea": idea, "threads": threads, "late_reply": late_reply, "author": author}


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse(response.text)


def _thread_ids(root) -> list[int]:
    """The ids of the top-level comments on the page, in order."""
    return [
        int(article.get("id")[1:])
        for article in root.find_all("article", class_="comment")
        if "reply" not in article.classes
    ]


def _link(root, rel: str) -> str | None:
    """The href of the page's "Show earlier/more comments" link (rel prev or next)."""
    for paragraph in root.find_all("p", class_="comment-pages"):
        link = paragraph.find("a", rel=rel)
        if link is not None:
            return link.get("href")
    return None


def test_threads_come_a_page_at_a_time_with_plain_links(client, auth, small_pages, discussion):
    auth.as_role(Role.MEMBER)
    t = discussion["threads"]
    idea_url = f"/ideas/{discussion['idea'].id}"
    first = _page(client, idea_url)
    assert _thread_ids(first) == t[0:3]
    assert _link(first, "prev") is None
    later = _link(first, "next")
    assert later == f"{idea_url}?after={t[2]}#comments"

    second = _page(client, later)
    assert _thread_ids(second) == t[3:6]
    third = _page(client, _link(second, "next"))
    assert _thread_ids(third) == t[6:7]
    assert _link(third, "next") is None

    # Back again: before=t7 is t4..t6; before=t4 has fewer than a page, so the first page.
    back = _page(client, _link(third, "prev"))
    assert _thread_ids(back) == t[3:6]
    assert _link(back, "next") == f"{idea_url}?after={t[5]}#comments"
    start = _page(client, _link(back, "prev"))
    assert _thread_ids(start) == t[0:3]
    assert _link(start, "prev") is None
    # The heading still counts the whole discussion.
    assert "8 comments" in start.one("h2", id="comments-heading").text()


def test_replies_stay_with_their_thread(client, auth, small_pages, discussion):
    auth.as_role(Role.MEMBER)
    t, late = discussion["threads"], discussion["late_reply"]
    first = _page(client, f"/ideas/{discussion['idea'].id}")
    thread = first.one("article", id=f"c{t[2]}")
    assert [a.get("id") for a in thread.find_all("article", class_="reply")] == [f"c{late}"]
    last = _page(client, f"/ideas/{discussion['idea'].id}?after={t[5]}")
    assert last.find("article", id=f"c{late}") is None


def test_a_link_to_a_comment_lands_on_its_page(client, auth, small_pages, discussion):
    auth.as_role(Role.MEMBER)
    t, idea = discussion["threads"], discussion["idea"]
    landed = _page(client, f"/ideas/{idea.id}?comment={t[4]}")
    assert _thread_ids(landed) == t[4:7]
    assert _link(landed, "prev") == f"/ideas/{idea.id}?before={t[4]}#comments"
    # A reply lands on the page of its thread, its own anchor present.
    landed = _page(client, f"/ideas/{idea.id}?comment={discussion['late_reply']}")
    assert _thread_ids(landed)[0] == t[2]
    assert landed.find("article", id=f"c{discussion['late_reply']}") is not None
    # Another idea's comment, or none at all: the first page.
    assert _thread_ids(_page(client, f"/ideas/{idea.id}?comment=999999")) == t[0:3]
    assert _thread_ids(_page(client, f"/ideas/{idea.id}?comment=x")) == t[0:3]
    # Stale cursors (nothing after, unknown ids) give the first page, not an empty one.
    for cursor in (f"after={t[6]}", "after=999999", "before=999999"):
        assert _thread_ids(_page(client, f"/ideas/{idea.id}?{cursor}")) == t[0:3], cursor


def test_posting_a_comment_redirects_to_the_page_that_shows_it(
    client, auth, small_pages, discussion
):
    auth.as_role(Role.MEMBER)
    idea = discussion["idea"]
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": "The newest thread"})
    assert response.status_code == 302
    location = response.headers["Location"]
    match = re.search(r"\?comment=(\d+)#c(\d+)$", location)
    assert match and match.group(1) == match.group(2), location
    page = _page(client, location)
    assert page.find("article", id=f"c{match.group(1)}") is not None
    assert "The newest thread" in page.one("article", id=f"c{match.group(1)}").text()


def test_hidden_comments_follow_the_rules_on_every_page(
    app, client, auth, make_user, make_idea, small_pages
):
    author = make_user()
    idea = make_idea(title="An idea with moderated comments")
    ids = {}
    ids["t1"] = _comment(app, author.id, idea.id, 1, "Visible one")
    ids["gone"] = _comment(app, author.id, idea.id, 2, "Rude and alone", hidden=True)
    ids["kept"] = _comment(app, author.id, idea.id, 3, "Rude but answered", hidden=True)
    ids["answer"] = _comment(app, author.id, idea.id, 4, "A fine answer", ids["kept"])
    ids["rude_reply"] = _comment(app, author.id, idea.id, 5, "A rude reply", ids["t1"], True)
    ids["t4"] = _comment(app, author.id, idea.id, 6, "Visible four")
    ids["t5"] = _comment(app, author.id, idea.id, 7, "Visible five")

    auth.as_role(Role.MEMBER)
    member = _page(client, f"/ideas/{idea.id}")
    # The hidden thread without visible replies takes no place on the members' page.
    assert _thread_ids(member) == [ids["t1"], ids["kept"], ids["t4"]]
    placeholder = member.one("article", id=f"c{ids['kept']}")
    assert "hidden by moderation" in placeholder.text()
    assert "Rude but answered" not in member.text()
    assert "A fine answer" in placeholder.text()
    assert "A rude reply" not in member.text()
    assert _thread_ids(_page(client, _link(member, "next"))) == [ids["t5"]]

    auth.sign_out()
    auth.as_role(Role.SECRETARIAT)
    staff = _page(client, f"/ideas/{idea.id}")
    assert _thread_ids(staff) == [ids["t1"], ids["gone"], ids["kept"]]
    assert "Rude and alone" in staff.text() and "A rude reply" in staff.text()
    gone = staff.one("article", id=f"c{ids['gone']}")
    assert "Hidden from members" in gone.text()
    # Hidden content is with the moderators already: staff may moderate it, not report it.
    assert gone.find("a", href=f"/comments/{ids['gone']}/flag") is None
    assert gone.find("a", href=f"/moderation/comments/{ids['gone']}") is not None
    t1 = staff.one("article", id=f"c{ids['t1']}")
    assert t1.find("a", href=f"/comments/{ids['t1']}/flag") is not None
    assert _thread_ids(_page(client, _link(staff, "next"))) == [ids["t4"], ids["t5"]]


def test_comment_tools_follow_the_viewer(client, auth, make_user, make_idea, app):
    """Report links for others' comments only; moderation links and no report for staff."""
    other = make_user()
    idea = make_idea(title="An idea for comment tools")
    me = auth.as_role(Role.MEMBER)
    mine = _comment(app, me.id, idea.id, 1, "My own comment")
    theirs = _comment(app, other.id, idea.id, 2, "Their comment")
    page = _page(client, f"/ideas/{idea.id}")
    assert page.one("article", id=f"c{mine}").find("a", href=f"/comments/{mine}/flag") is None
    report = page.one("article", id=f"c{theirs}").find("a", href=f"/comments/{theirs}/flag")
    assert report is not None and "Report this comment" in report.text()
    assert "Moderate this comment" not in page.text()
    author_link = page.one("article", id=f"c{theirs}").find("a", href=f"/members/{other.id}")
    assert author_link is not None
    reply_box = page.one("article", id=f"c{theirs}").one("label", **{"for": f"reply-{theirs}"})
    assert reply_box.text() == f"Your reply to {other.display_name}"


def _statements(app, client, url) -> int:
    client.get(url)  # warm what is not per item (translations, first-use lookups)
    with StatementCounter(app) as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def _threads(app, make_user, idea_id, count, start) -> list[int]:
    """`count` threads by different authors, each with a reply by another, some hidden."""
    ids = []
    for n in range(start, start + count):
        top = _comment(app, make_user().id, idea_id, n, f"Thread {n}", hidden=n % 7 == 0)
        _comment(app, make_user().id, idea_id, 1000 + n, f"Reply {n}", top, hidden=n % 5 == 0)
        ids.append(top)
    return ids


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN])
def test_statements_do_not_grow_with_comments(app, client, auth, make_user, make_idea, role):
    """2 threads or 60 (more than a page): the same statements, first page or later ones."""
    auth.as_role(role)
    idea = make_idea(title="An idea counted for statements")
    ids = _threads(app, make_user, idea.id, 2, start=1)
    url = f"/ideas/{idea.id}"
    few = [
        _statements(app, client, url),
        _statements(app, client, f"{url}?after={ids[0]}"),
        _statements(app, client, f"{url}?comment={ids[1]}"),
    ]
    ids += _threads(app, make_user, idea.id, 58, start=3)
    many = [
        _statements(app, client, url),
        _statements(app, client, f"{url}?after={ids[0]}"),
        _statements(app, client, f"{url}?comment={ids[1]}"),
    ]
    assert many == few, f"{few} statements with 2 threads, {many} with 60"
    # The first page really shows 50 threads, their replies and authors.
    page = _page(client, url)
    assert len(_thread_ids(page)) == 50 if role is Role.ADMIN else len(_thread_ids(page)) <= 50
    assert _link(page, "next") is not None
