"""Votes (plain form and fetch() JSON), comments and replies, and following, through the pages."""

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.board.models import Comment, Follow, Idea, Vote
from ideas.board.ranking import controversy_score, hot_score, wilson_lower_bound
from ideas.board.services import post_comment
from ideas.extensions import db
from ideas.workflow.stages import Stage
from tests.conftest import PASSWORD, CSRFClient
from tests.functional.html_dom import field_error, parse

JSON_ACCEPT = "application/json"


def _idea(app, idea_id):
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        db.session.expunge(idea)
        return idea


def _votes(app, idea_id):
    """{user_id: value} straight from the vote table."""
    with app.app_context():
        rows = db.session.execute(
            select(Vote.user_id, Vote.value).where(Vote.idea_id == idea_id)
        ).all()
        return dict(rows)


def _set_stage(app, idea_id, stage):
    with app.app_context():
        db.session.get(Idea, idea_id).stage = stage
        db.session.commit()


def _json_vote(client, idea_id, value, token=True):
    """Vote the way static/js/site.js does: FormData body, Accept JSON, X-CSRFToken header."""
    headers = {"Accept": JSON_ACCEPT}
    if token:
        headers["X-CSRFToken"] = client.csrf_token()
    return client.post(
        f"/ideas/{idea_id}/vote", data={"value": str(value)}, headers=headers, csrf=False
    )


def _client_for(app, user):
    """A separate browser signed in as the user."""
    browser = CSRFClient(app, app.response_class, use_cookies=True)
    response = browser.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def _vote_buttons(page):
    """{button class: (aria-pressed, value the form would send)} for the vote box."""
    result = {}
    for form in page.find_all("form", data_vote_form=True):
        button = form.one("button")
        kind = next(c for c in button.classes if c.startswith("vote-"))
        result[kind] = (button.get("aria-pressed"), form.one("input", name="value").value())
    return result


# Votes --------------------------------------------------------------------------------


def test_plain_form_vote_redirects_back_and_counts(app, client, auth, make_idea):
    idea = make_idea()
    voter = auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert _vote_buttons(page) == {"vote-up": ("false", "1"), "vote-down": ("false", "-1")}

    response = client.post(f"/ideas/{idea.id}/vote", data={"value": "1"})

    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}"
    assert _votes(app, idea.id) == {voter.id: 1}
    stored = _idea(app, idea.id)
    assert (stored.up_count, stored.down_count) == (1, 0)
    assert stored.wilson == pytest.approx(wilson_lower_bound(1, 0))
    assert stored.hot == pytest.approx(hot_score(1, 0, stored.created_at))
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.one("span", data_up=True).text() == "1 for"
    assert page.one("span", data_down=True).text() == "0 against"
    # Pressed: the up button now withdraws (sends 0).
    assert _vote_buttons(page) == {"vote-up": ("true", "0"), "vote-down": ("false", "-1")}

    response = client.post(f"/ideas/{idea.id}/vote", data={"value": "-1"})
    assert response.status_code == 302
    stored = _idea(app, idea.id)
    assert (stored.up_count, stored.down_count) == (0, 1)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert _vote_buttons(page) == {"vote-up": ("false", "1"), "vote-down": ("true", "0")}


def test_plain_form_vote_follows_a_local_next_only(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    response = client.post(f"/ideas/{idea.id}/vote", data={"value": "1", "next": "/ideas?sort=hot"})
    assert response.location == "/ideas?sort=hot"
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/ideas/{idea.id}/vote", data={"value": "1", "next": hostile})
        assert response.status_code == 302
        assert response.location == f"/ideas/{idea.id}"


def test_json_vote_change_and_retract(app, client, auth, make_idea):
    idea = make_idea()
    voter = auth.as_role(Role.MEMBER)

    response = _json_vote(client, idea.id, 1)
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"up": 1, "down": 0, "score": 1, "my_vote": 1}
    assert _votes(app, idea.id) == {voter.id: 1}

    response = _json_vote(client, idea.id, -1)
    assert response.get_json() == {"up": 0, "down": 1, "score": -1, "my_vote": -1}
    assert _votes(app, idea.id) == {voter.id: -1}

    # The same vote again changes nothing.
    response = _json_vote(client, idea.id, -1)
    assert response.get_json() == {"up": 0, "down": 1, "score": -1, "my_vote": -1}

    response = _json_vote(client, idea.id, 0)
    assert response.get_json() == {"up": 0, "down": 0, "score": 0, "my_vote": 0}
    assert _votes(app, idea.id) == {}
    stored = _idea(app, idea.id)
    assert (stored.up_count, stored.down_count, stored.wilson, stored.controversy) == (0, 0, 0, 0)

    # Withdrawing when there is no vote is harmless.
    response = _json_vote(client, idea.id, 0)
    assert response.get_json() == {"up": 0, "down": 0, "score": 0, "my_vote": 0}


def test_json_tally_includes_other_members_votes(app, client, auth, make_idea, make_user):
    idea = make_idea()
    for value in (1, 1, -1):
        other = _client_for(app, make_user())
        assert _json_vote(other, idea.id, value).status_code == 200
    auth.as_role(Role.MEMBER)
    assert _json_vote(client, idea.id, -1).get_json() == {
        "up": 2,
        "down": 2,
        "score": 0,
        "my_vote": -1,
    }


def test_cannot_vote_on_own_idea(app, client, auth, make_idea):
    author = auth.as_role(Role.MEMBER)
    idea = make_idea(author=author)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.find_all("form", data_vote_form=True) == []
    assert "You cannot vote on your own idea." in page.one("section", class_="vote-box").text()

    response = client.post(f"/ideas/{idea.id}/vote", data={"value": "1"})
    assert response.status_code == 403
    assert "You do not have permission to do this." in response.text

    response = _json_vote(client, idea.id, 1)
    assert response.status_code == 403
    assert response.get_json() == {"error": "You cannot vote on your own idea."}
    assert _votes(app, idea.id) == {}
    assert _idea(app, idea.id).up_count == 0


def test_merged_idea_takes_no_votes(app, client, auth, make_idea):
    idea = make_idea()
    _set_stage(app, idea.id, Stage.MERGED)
    auth.as_role(Role.MEMBER)
    assert parse(client.get(f"/ideas/{idea.id}").text).find_all("form", data_vote_form=True) == []
    response = _json_vote(client, idea.id, 1)
    assert response.status_code == 403
    assert response.get_json() == {"error": "This idea does not take votes."}
    assert client.post(f"/ideas/{idea.id}/vote", data={"value": "1"}).status_code == 403
    assert _votes(app, idea.id) == {}


@pytest.mark.parametrize("value", ["2", "-2", "abc", "", "1.5"])
def test_invalid_vote_value_is_400(app, client, auth, make_idea, value):
    idea = make_idea()
    auth.as_role(Role.MEMBER)

    response = client.post(f"/ideas/{idea.id}/vote", data={"value": value})
    assert response.status_code == 400
    assert "Bad request" in response.text

    response = _json_vote(client, idea.id, value)
    assert response.status_code == 400
    assert response.get_json() == {"error": "A vote is up, down or withdrawn."}
    assert _votes(app, idea.id) == {}


def test_vote_without_value_is_400(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    assert client.post(f"/ideas/{idea.id}/vote", data={}).status_code == 400
    assert _votes(app, idea.id) == {}


def test_vote_without_csrf_token_is_400(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.MEMBER)

    response = client.post(f"/ideas/{idea.id}/vote", data={"value": "1"}, csrf=False)
    assert response.status_code == 400
    assert "This form has expired or was not sent from this site." in response.text

    response = _json_vote(client, idea.id, 1, token=False)
    assert response.status_code == 400
    assert "error" in response.get_json()

    response = client.post(
        f"/ideas/{idea.id}/vote",
        data={"value": "1"},
        headers={"Accept": JSON_ACCEPT, "X-CSRFToken": "forged"},
        csrf=False,
    )
    assert response.status_code == 400
    assert _votes(app, idea.id) == {}


def test_anonymous_vote_goes_to_sign_in(app, client, make_idea):
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/vote", data={"value": "1"})
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    assert _votes(app, idea.id) == {}


def test_vote_on_unknown_idea_is_404(client, auth):
    auth.as_role(Role.MEMBER)
    assert client.post("/ideas/987654/vote", data={"value": "1"}).status_code == 404
    response = _json_vote(client, 987654, 1)
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_counters_equal_the_vote_rows_after_many_votes(app, make_idea, make_user):
    idea = make_idea()
    voters = [make_user() for _ in range(5)]
    browsers = [_client_for(app, voter) for voter in voters]
    # (voter index, value): votes, changes, repeats and withdrawals, interleaved.
    sequence = [
        (0, 1), (1, 1), (2, -1), (3, 1), (4, -1),
        (0, -1), (1, 0), (2, -1), (3, 0), (4, 1),
        (1, -1), (3, 1), (0, 0), (0, 1), (2, 1),
    ]  # fmt: skip
    expected = {}
    for index, value in sequence:
        response = _json_vote(browsers[index], idea.id, value)
        assert response.status_code == 200
        assert response.get_json()["my_vote"] == value
        expected[voters[index].id] = value
    expected = {user_id: value for user_id, value in expected.items() if value}

    assert _votes(app, idea.id) == expected
    with app.app_context():
        up = db.session.scalar(select(func.count()).where(Vote.idea_id == idea.id, Vote.value == 1))
        down = db.session.scalar(
            select(func.count()).where(Vote.idea_id == idea.id, Vote.value == -1)
        )
    stored = _idea(app, idea.id)
    assert (up, down) == (4, 1)
    assert (stored.up_count, stored.down_count) == (up, down)
    assert stored.wilson == pytest.approx(wilson_lower_bound(up, down))
    assert stored.controversy == pytest.approx(controversy_score(up, down))
    assert stored.hot == pytest.approx(hot_score(up, down, stored.created_at))


# Comments -----------------------------------------------------------------------------


def _comments(app, idea_id):
    with app.app_context():
        rows = db.session.scalars(
            select(Comment).where(Comment.idea_id == idea_id).order_by(Comment.id)
        ).all()
        return [(c.id, c.parent_id, c.body) for c in rows]


def test_post_a_comment(app, client, auth, make_idea):
    idea = make_idea(title="Comment on me")
    commenter = auth.as_role(Role.MEMBER, display_name="Carla Commenter")

    response = client.post(f"/ideas/{idea.id}/comments", data={"body": "Great **idea**"})

    assert response.status_code == 302
    [(comment_id, parent_id, body)] = _comments(app, idea.id)
    assert response.location == f"/ideas/{idea.id}?comment={comment_id}#c{comment_id}"
    assert (parent_id, body) == (None, "Great **idea**")
    assert _idea(app, idea.id).comment_count == 1
    with app.app_context():
        assert db.session.get(Comment, comment_id).author_id == commenter.id

    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.one("h2", id="comments-heading").text() == "1 comment"
    article = page.one("article", id=f"c{comment_id}")
    assert article.one("strong").text() == "idea"
    assert article.one("a", href=f"/members/{commenter.id}").text() == "Carla Commenter"


def test_reply_is_shown_under_its_comment(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    client.post(f"/ideas/{idea.id}/comments", data={"body": "Top-level"})
    [(top_id, _, _)] = _comments(app, idea.id)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    reply_form = page.one("article", id=f"c{top_id}").one("details", class_="reply-box")
    assert reply_form.one("input", name="parent_id").value() == str(top_id)

    response = client.post(
        f"/ideas/{idea.id}/comments", data={"body": "A reply", "parent_id": str(top_id)}
    )

    assert response.status_code == 302
    reply_id = _comments(app, idea.id)[1][0]
    assert response.location == f"/ideas/{idea.id}?comment={reply_id}#c{reply_id}"
    assert _comments(app, idea.id)[1] == (reply_id, top_id, "A reply")
    assert _idea(app, idea.id).comment_count == 2
    page = parse(client.get(f"/ideas/{idea.id}").text)
    top = page.one("article", id=f"c{top_id}")
    assert (
        top.one("div", class_="replies")
        .one("article", id=f"c{reply_id}")
        .text()
        .endswith("A reply")
    )
    # Only one top-level thread: the reply is not listed again on its own.
    section = page.one("section", class_="comments")
    top_level = [
        a for a in section.find_all("article", class_="comment") if "reply" not in a.classes
    ]
    assert [a.get("id") for a in top_level] == [f"c{top_id}"]
    assert page.one("h2", id="comments-heading").text() == "2 comments"


def test_reply_to_a_reply_attaches_to_the_top_level_comment(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    client.post(f"/ideas/{idea.id}/comments", data={"body": "Top"})
    top_id = _comments(app, idea.id)[0][0]
    client.post(f"/ideas/{idea.id}/comments", data={"body": "Reply", "parent_id": str(top_id)})
    reply_id = _comments(app, idea.id)[1][0]

    response = client.post(
        f"/ideas/{idea.id}/comments", data={"body": "Reply to reply", "parent_id": str(reply_id)}
    )

    assert response.status_code == 302
    assert _comments(app, idea.id)[2][1:] == (top_id, "Reply to reply")
    page = parse(client.get(f"/ideas/{idea.id}").text)
    replies = page.one("article", id=f"c{top_id}").one("div", class_="replies")
    assert len(replies.find_all("article")) == 2
    assert page.one("article", id=f"c{reply_id}").find("div", class_="replies") is None


def test_reply_to_a_comment_on_another_idea_is_refused(app, client, auth, make_idea, make_user):
    idea = make_idea(title="Where I reply")
    other = make_idea(title="Somewhere else")
    with app.app_context():
        foreign = post_comment(
            db.session.get(User, make_user().id), db.session.get(Idea, other.id), "Elsewhere"
        )
        db.session.commit()
        foreign_id = foreign.id
    auth.as_role(Role.MEMBER)

    response = client.post(
        f"/ideas/{idea.id}/comments", data={"body": "Sneaky", "parent_id": str(foreign_id)}
    )

    assert response.status_code == 422
    page = parse(response.text)
    assert (
        "You can only reply to a comment on this idea." in page.one(class_="error-summary").text()
    )
    assert page.one("textarea", id="body").value() == "Sneaky"
    assert _comments(app, idea.id) == []
    assert _idea(app, idea.id).comment_count == 0


@pytest.mark.parametrize("body", ["", "   \n "])
def test_empty_comment_is_422_on_the_idea_page(app, client, auth, make_idea, body):
    idea = make_idea(title="Still shown after an error")
    auth.as_role(Role.MEMBER)

    response = client.post(f"/ideas/{idea.id}/comments", data={"body": body})

    assert response.status_code == 422
    page = parse(response.text)
    assert page.one("h1").text() == "Still shown after an error"
    assert field_error(page, "body") == "Write a comment first."
    assert _comments(app, idea.id) == []
    assert _idea(app, idea.id).comment_count == 0


def test_too_long_comment_is_422_and_the_text_is_kept(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    body = "word " * 2_000 + "!"  # 10,001 characters

    response = client.post(f"/ideas/{idea.id}/comments", data={"body": body})

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "body") == "A comment can have at most 10000 characters."
    assert page.one("textarea", id="body").value() == body
    assert _comments(app, idea.id) == []

    accepted = client.post(f"/ideas/{idea.id}/comments", data={"body": "x" * 10_000})
    assert accepted.status_code == 302


def test_comment_without_csrf_or_sign_in_is_refused(app, client, auth, make_idea):
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": "Anonymous"})
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    auth.as_role(Role.MEMBER)
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": "Forged"}, csrf=False)
    assert response.status_code == 400
    assert _comments(app, idea.id) == []


def test_merged_idea_takes_no_comments(app, client, auth, make_idea):
    idea = make_idea()
    _set_stage(app, idea.id, Stage.MERGED)
    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.find("form", action=f"/ideas/{idea.id}/comments") is None
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": "Too late"})
    assert response.status_code == 403
    assert _comments(app, idea.id) == []


def test_comment_on_unknown_idea_is_404(client, auth):
    auth.as_role(Role.MEMBER)
    assert client.post("/ideas/987654/comments", data={"body": "Hello"}).status_code == 404


@pytest.mark.parametrize(
    ("role", "sees_hidden"),
    [
        (Role.MEMBER, False),
        (Role.EXECUTIVE, False),
        (Role.SECRETARIAT, True),
        (Role.ADMIN, True),
    ],
)
def test_hidden_comments_only_for_staff(app, client, auth, make_idea, make_user, role, sees_hidden):
    idea = make_idea()
    writer = make_user()
    with app.app_context():
        row, author = db.session.get(Idea, idea.id), db.session.get(User, writer.id)
        visible = post_comment(author, row, "Visible comment")
        hidden = post_comment(author, row, "Hidden comment")
        hidden_reply = post_comment(author, row, "Hidden reply", parent=visible)
        hidden.hidden = hidden_reply.hidden = True
        db.session.commit()
        ids = visible.id, hidden.id, hidden_reply.id
    auth.as_role(role)

    page = parse(client.get(f"/ideas/{idea.id}").text)

    assert page.find("article", id=f"c{ids[0]}") is not None
    assert "Visible comment" in page.text()
    for hidden_id, text in zip(ids[1:], ("Hidden comment", "Hidden reply"), strict=True):
        article = page.find("article", id=f"c{hidden_id}")
        if sees_hidden:
            assert "comment-hidden" in article.classes
            assert "Hidden from members" in article.text()
            assert text in article.text()
        else:
            assert article is None
            assert text not in page.text()


# Following ----------------------------------------------------------------------------


def _follow_button(page):
    form = page.one("article", class_="idea").one("form", class_="inline-form")
    unfollow = form.find("input", name="unfollow")
    return form.one("button").text(), unfollow is not None


def _followers(app, idea_id):
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(Follow).where(Follow.idea_id == idea_id)
        )
        return db.session.get(Idea, idea_id).follower_count, rows


def test_follow_and_unfollow(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert _follow_button(page) == ("Follow this idea", False)
    assert "1 follower" in page.one(class_="idea-actions").text()  # the author

    response = client.post(f"/ideas/{idea.id}/follow")
    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}"
    assert _followers(app, idea.id) == (2, 2)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert _follow_button(page) == ("Stop following", True)
    assert "2 followers" in page.one(class_="idea-actions").text()

    # Following twice counts once.
    client.post(f"/ideas/{idea.id}/follow")
    assert _followers(app, idea.id) == (2, 2)

    response = client.post(f"/ideas/{idea.id}/follow", data={"unfollow": "1"})
    assert response.status_code == 302
    assert _followers(app, idea.id) == (1, 1)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert _follow_button(page) == ("Follow this idea", False)

    client.post(f"/ideas/{idea.id}/follow", data={"unfollow": "1"})
    assert _followers(app, idea.id) == (1, 1)


def test_author_follows_their_idea_and_can_stop(app, client, auth, make_idea):
    author = auth.as_role(Role.MEMBER)
    idea = make_idea(author=author)
    assert _follow_button(parse(client.get(f"/ideas/{idea.id}").text)) == ("Stop following", True)
    client.post(f"/ideas/{idea.id}/follow", data={"unfollow": "1"})
    assert _followers(app, idea.id) == (0, 0)


def test_follow_needs_csrf_and_sign_in(app, client, auth, make_idea):
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/follow")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    auth.as_role(Role.MEMBER)
    assert client.post(f"/ideas/{idea.id}/follow", csrf=False).status_code == 400
    assert _followers(app, idea.id) == (1, 1)
    assert client.post("/ideas/987654/follow").status_code == 404
