"""Defence in depth for the `sanitized` filter: every *_html column is clean when written.

Pages show stored HTML as it is (the filter no longer cleans it per view), so every writer
of an *_html column must store sanitised HTML. Each writer gets hostile Markdown here; a
new *_html column fails the completeness test until a writer case is added for it.
"""

import pytest
from sqlalchemy import select

from ideas.accounts.models import Role, User
from ideas.board.models import Comment, Idea, Theme
from ideas.board.services import edit_idea, post_comment, post_idea
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.groups.services import create_group
from ideas.markup import sanitize_html
from ideas.workflow.models import OfficialResponse
from ideas.workflow.responses import post_official_response

HOSTILE = """Hello <script>alert(1)</script> <img src=x onerror="alert(2)">
<a href="javascript:alert(3)" onclick="alert(4)">click</a> <span style="color:red">red</span>
[link](javascript:alert(5)) <iframe src="https://evil.example"></iframe>

<svg onload=alert(6)></svg> <form action="/x"><input name=a></form>
"""
FORBIDDEN = ("<script", "onerror", "javascript:", "onclick", "style=", "<iframe", "<svg",
             "onload", "<form", "<input", "<img")  # fmt: skip


def _assert_clean(html: str) -> None:
    lowered = html.lower()
    for needle in FORBIDDEN:
        assert needle not in lowered, (needle, html)
    # Already clean: sanitising again changes nothing.
    assert str(sanitize_html(html)) == html
    assert "Hello" in html


def _writers(app, make_user):
    author = make_user()
    staff = make_user(role=Role.SECRETARIAT)
    with app.app_context():
        actor = db.session.get(User, author.id)
        theme = db.session.scalar(select(Theme))
        idea = post_idea(actor, "A hostile idea title", HOSTILE, theme)
        yield Idea.body_html, idea.body_html
        edit_idea(actor, idea, "A hostile idea title", HOSTILE + "\n\nEdited.", theme, None)
        yield Idea.body_html, idea.body_html
        comment = post_comment(actor, idea, HOSTILE)
        yield Comment.body_html, comment.body_html
        reply = post_comment(actor, idea, HOSTILE, parent=comment)
        yield Comment.body_html, reply.body_html
        group = create_group(actor, "Hostile group", HOSTILE)
        yield Group.description_html, group.description_html
        response = post_official_response(idea, db.session.get(User, staff.id), HOSTILE)
        yield OfficialResponse.body_html, response.body_html
        db.session.commit()


def test_every_writer_stores_clean_html(app, make_user):
    covered = set()
    for column, html in _writers(app, make_user):
        _assert_clean(html)
        covered.add(f"{column.class_.__tablename__}.{column.key}")
    with app.app_context():
        html_columns = {
            f"{table.name}.{column.name}"
            for table in db.metadata.sorted_tables
            for column in table.columns
            if column.name.endswith("_html")
        }
    assert covered == html_columns


@pytest.mark.parametrize("value", [None, "", "<p>ok</p>"])
def test_the_filter_shows_stored_html_unchanged(app, value):
    rendered = app.jinja_env.from_string("{{ v|sanitized }}").render(v=value)
    assert rendered == (value or "")
