"""Report pages, the moderation queue and decisions, and hidden content, through the client."""

import pytest
from sqlalchemy import select

from ideas.accounts.models import Role, User
from ideas.board.models import Comment, Idea
from ideas.board.services import post_comment
from ideas.extensions import db
from ideas.moderation.models import Flag, FlagStatus
from ideas.moderation.services import flag_content
from ideas.notifications.models import Notification
from tests.conftest import PASSWORD, CSRFClient
from tests.functional.html_dom import field_error, idea_titles, parse

REASON = "Personal attack on a colleague."
DECISION = "Breaks the code of conduct."


def _client_for(app, user):
    """A separate browser signed in as the user."""
    browser = CSRFClient(app, app.response_class, use_cookies=True)
    response = browser.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def _comment(app, author, idea, body, parent=None):
    with app.app_context():
        row = post_comment(
            db.session.get(User, author.id),
            db.session.get(Idea, idea.id),
            body,
            db.session.get(Comment, parent) if parent else None,
        )
        db.session.commit()
        return row.id


def _flag(app, user, idea, comment_id=None):
    with app.app_context():
        flag_content(
            db.session.get(User, user.id),
            db.session.get(Idea, idea.id),
            db.session.get(Comment, comment_id) if comment_id else None,
            reason=REASON,
        )
        db.session.commit()


def _flags(app):
    with app.app_context():
        rows = db.session.execute(select(Flag.user_id, Flag.comment_id, Flag.status, Flag.reason))
        return [tuple(row) for row in rows]


def _hidden(app, idea_id, comment_id=None):
    with app.app_context():
        if comment_id:
            return db.session.get(Comment, comment_id).hidden
        return db.session.get(Idea, idea_id).hidden


def _comment_count(app, idea_id):
    with app.app_context():
        return db.session.get(Idea, idea_id).comment_count


# --- report links and pages ---------------------------------------------------------------


def test_report_links_show_for_others_and_not_for_the_author(app, client, auth, make_idea):
    author = auth.as_role(Role.MEMBER)
    idea = make_idea(author=author)
    mine = _comment(app, author, idea, "My own comment")
    auth.sign_out()
    other = auth.as_role(Role.MEMBER)
    theirs = _comment(app, other, idea, "Someone else's comment")

    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.find("a", href=f"/ideas/{idea.id}/flag") is not None
    assert page.find("a", href=f"/comments/{mine}/flag") is not None
    assert page.find("a", href=f"/comments/{theirs}/flag") is None
    assert page.find("a", href=f"/moderation/ideas/{idea.id}") is None

    as_author = _client_for(app, author)
    page = parse(as_author.get(f"/ideas/{idea.id}").text)
    assert page.find("a", href=f"/ideas/{idea.id}/flag") is None
    assert page.find("a", href=f"/comments/{mine}/flag") is None
    assert page.find("a", href=f"/comments/{theirs}/flag") is not None


def test_staff_get_moderation_links_on_the_idea_page(app, client, auth, make_idea, make_user):
    idea = make_idea()
    comment = _comment(app, make_user(), idea, "A comment")
    auth.as_role(Role.SECRETARIAT)

    page = parse(client.get(f"/ideas/{idea.id}").text)

    assert page.find("a", href=f"/moderation/ideas/{idea.id}") is not None
    assert page.find("a", href=f"/moderation/comments/{comment}") is not None


def test_reporting_an_idea(app, client, auth, make_idea):
    idea = make_idea(title="Four-day week pilot")
    member = auth.as_role(Role.MEMBER)

    page = parse(client.get(f"/ideas/{idea.id}/flag").text)
    assert "Four-day week pilot" in page.text()
    assert page.one("label", **{"for": "reason"}) is not None

    response = client.post(f"/ideas/{idea.id}/flag", data={"reason": f" {REASON} "})

    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}"
    assert _flags(app) == [(member.id, None, FlagStatus.OPEN, REASON)]
    follow = parse(client.get(f"/ideas/{idea.id}/flag").text)
    assert "You reported this" in follow.one(class_="notice").text()
    assert follow.find("textarea") is None


def test_reporting_twice_answers_422_with_a_clear_message(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    assert client.post(f"/ideas/{idea.id}/flag", data={"reason": REASON}).status_code == 302

    response = client.post(f"/ideas/{idea.id}/flag", data={"reason": "Still a problem."})

    assert response.status_code == 422
    page = parse(response.text)
    assert "already reported" in field_error(page, "reason")
    assert page.one(id="reason").value() == "Still a problem."
    assert len(_flags(app)) == 1


@pytest.mark.parametrize("reason", ["", "abc", "x" * 1001])
def test_a_bad_reason_answers_422_with_the_input_kept(app, client, auth, make_idea, reason):
    idea = make_idea()
    auth.as_role(Role.MEMBER)

    response = client.post(f"/ideas/{idea.id}/flag", data={"reason": reason})

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "reason")
    assert page.one(id="reason").value() == reason
    assert _flags(app) == []


def test_reporting_a_comment_returns_to_it(app, client, auth, make_idea, make_user):
    idea = make_idea()
    comment = _comment(app, make_user(), idea, "Offensive remark")
    member = auth.as_role(Role.MEMBER)

    page = parse(client.get(f"/comments/{comment}/flag").text)
    assert "Offensive remark" in page.one(class_="flagged-content").text()
    response = client.post(f"/comments/{comment}/flag", data={"reason": REASON})

    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}?comment={comment}#c{comment}"
    assert _flags(app) == [(member.id, comment, FlagStatus.OPEN, REASON)]


def test_authors_cannot_report_their_own_content(app, client, auth, make_idea):
    author = auth.as_role(Role.MEMBER)
    idea = make_idea(author=author)
    comment = _comment(app, author, idea, "Mine")

    assert client.get(f"/ideas/{idea.id}/flag").status_code == 403
    assert client.post(f"/ideas/{idea.id}/flag", data={"reason": REASON}).status_code == 403
    assert client.post(f"/comments/{comment}/flag", data={"reason": REASON}).status_code == 403
    assert _flags(app) == []


def test_report_pages_404_and_sign_in(client, auth):
    assert client.get("/ideas/1/flag").status_code == 302
    auth.as_role(Role.MEMBER)
    assert client.get("/ideas/987654/flag").status_code == 404
    assert client.get("/comments/987654/flag").status_code == 404


def test_three_reports_hide_an_idea_through_the_pages(app, client, auth, make_idea, make_user):
    idea = make_idea(title="Mandatory fun committee")
    for _ in range(3):
        browser = _client_for(app, make_user())
        response = browser.post(f"/ideas/{idea.id}/flag", data={"reason": REASON})
        assert response.status_code == 302
    assert _hidden(app, idea.id)

    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert "hidden while moderators review" in page.one("p", class_="notice").text()
    assert page.find("a", href=f"/ideas/{idea.id}/flag") is None
    assert "Mandatory fun committee" not in idea_titles(parse(client.get("/ideas").text))
    assert "Mandatory fun committee" not in idea_titles(parse(client.get("/").text))


# --- the queue ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MEMBER, 403), (Role.EXECUTIVE, 403), (Role.SECRETARIAT, 200), (Role.ADMIN, 200)],
)
def test_queue_access_by_role(client, auth, role, status):
    auth.as_role(role)
    assert client.get("/moderation").status_code == status


def test_queue_needs_sign_in(client):
    response = client.get("/moderation")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_queue_lists_items_with_their_counts(app, client, auth, make_idea, make_user):
    idea = make_idea(title="Open-plan offices everywhere")
    comment = _comment(app, make_user(), idea, "Rude comment")
    for _ in range(2):
        _flag(app, make_user(), idea)
    _flag(app, make_user(), idea, comment)
    auth.as_role(Role.SECRETARIAT)

    page = parse(client.get("/moderation").text)

    assert "2 items with open reports" in page.one("h2", id="open-heading").text()
    titles = [h.text() for h in page.find_all(class_="queue-item-title")]
    assert len(titles) == 2
    assert titles[0].startswith("Comment by") and "Open-plan offices everywhere" in titles[0]
    assert titles[1] == "Idea: Open-plan offices everywhere"
    assert "1 open report" in page.text() and "2 open reports" in page.text()
    assert page.find("a", href=f"/moderation/comments/{comment}") is not None
    assert page.find("a", href=f"/moderation/ideas/{idea.id}") is not None


def test_empty_queue(client, auth):
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get("/moderation").text)
    assert "No open reports" in page.text()
    assert "Nothing is hidden" in page.text()


# --- decisions ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_review_pages_are_for_moderators(app, client, auth, make_idea, make_user, role):
    idea = make_idea()
    comment = _comment(app, make_user(), idea, "A comment")
    auth.as_role(role)

    assert client.get(f"/moderation/ideas/{idea.id}").status_code == 403
    data = {"reason": DECISION, "hide": "1"}
    assert client.post(f"/moderation/ideas/{idea.id}", data=data).status_code == 403
    assert client.post(f"/moderation/comments/{comment}", data=data).status_code == 403
    assert not _hidden(app, idea.id)


def test_hiding_an_idea_from_the_review_page(app, client, auth, make_idea, make_user):
    author, flagger = make_user(), make_user()
    idea = make_idea(author=author, title="Rename every department")
    _flag(app, flagger, idea)
    auth.as_role(Role.SECRETARIAT)

    page = parse(client.get(f"/moderation/ideas/{idea.id}").text)
    assert REASON in page.text()
    assert flagger.display_name in page.text()  # moderators may see who reported
    response = client.post(f"/moderation/ideas/{idea.id}", data={"reason": DECISION, "hide": "1"})

    assert response.status_code == 302 and response.location == "/moderation"
    assert _hidden(app, idea.id)
    assert _flags(app)[0][2] is FlagStatus.UPHELD
    staff_view = parse(client.get(f"/ideas/{idea.id}").text)
    assert "Hidden by moderation" in staff_view.one(class_="banner-hidden").text()
    assert "Rename every department" in staff_view.one("h1").text()

    as_author = _client_for(app, author)
    author_view = parse(as_author.get(f"/ideas/{idea.id}").text)
    assert author_view.find(class_="banner-hidden") is None
    assert author_view.find("p", class_="notice") is not None
    with app.app_context():
        (notice,) = db.session.scalars(select(Notification)).all()
        assert (notice.user_id, notice.kind, notice.data) == (
            author.id,
            "moderated",
            {"outcome": "hidden"},
        )
        assert notice.actor_id != flagger.id
    centre = as_author.get("/notifications")
    assert centre.status_code == 200
    assert "Rename every department" in centre.text
    assert flagger.display_name not in centre.text


def test_a_decision_without_reason_answers_422(app, client, auth, make_idea, make_user):
    idea = make_idea()
    _flag(app, make_user(), idea)
    auth.as_role(Role.SECRETARIAT)

    response = client.post(f"/moderation/ideas/{idea.id}", data={"reason": "", "hide": "1"})

    assert response.status_code == 422
    assert field_error(parse(response.text), "reason")
    assert not _hidden(app, idea.id)
    assert _flags(app)[0][2] is FlagStatus.OPEN


def test_a_decision_the_state_forbids_answers_422_with_the_reason_kept(
    app, client, auth, make_idea
):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)

    response = client.post(
        f"/moderation/ideas/{idea.id}", data={"reason": DECISION, "dismiss": "1"}
    )

    assert response.status_code == 422
    page = parse(response.text)
    assert "no open reports" in page.one(class_="error-summary").text()
    assert page.one(id="reason").value() == DECISION


def test_hidden_comment_placeholder_and_count(app, client, auth, make_idea, make_user):
    idea = make_idea()
    rude = _comment(app, make_user(), idea, "Rude top-level comment")
    _comment(app, make_user(), idea, "A fair reply", parent=rude)
    lonely = _comment(app, make_user(), idea, "Rude comment nobody answered")
    auth.as_role(Role.SECRETARIAT)
    for comment_id in (rude, lonely):
        response = client.post(
            f"/moderation/comments/{comment_id}", data={"reason": DECISION, "hide": "1"}
        )
        assert response.status_code == 302
    assert _comment_count(app, idea.id) == 1
    staff_page = parse(client.get(f"/ideas/{idea.id}").text)
    assert "Rude top-level comment" in staff_page.one("article", id=f"c{rude}").text()
    auth.sign_out()
    auth.as_role(Role.MEMBER)

    page = parse(client.get(f"/ideas/{idea.id}").text)

    placeholder = page.one("article", id=f"c{rude}")
    assert "This comment is hidden by moderation." in placeholder.text()
    assert "Rude top-level comment" not in page.text()
    assert "A fair reply" in placeholder.text()
    assert placeholder.find("details", class_="reply-box") is None
    assert page.find("article", id=f"c{lonely}") is None
    assert "Rude comment nobody answered" not in page.text()
    assert page.one("h2", id="comments-heading").text() == "1 comment"


def test_dismissing_reports_shows_auto_hidden_comment_again(
    app, client, auth, make_idea, make_user
):
    idea = make_idea()
    comment = _comment(app, make_user(), idea, "Blunt but fair")
    for _ in range(3):
        _flag(app, make_user(), idea, comment)
    assert _hidden(app, idea.id, comment) and _comment_count(app, idea.id) == 0
    auth.as_role(Role.SECRETARIAT)

    page = parse(client.get(f"/moderation/comments/{comment}").text)
    assert page.find("button", name="dismiss") is not None
    response = client.post(
        f"/moderation/comments/{comment}", data={"reason": "Not a breach.", "dismiss": "1"}
    )

    assert response.status_code == 302
    assert not _hidden(app, idea.id, comment)
    assert _comment_count(app, idea.id) == 1
    assert {status for _, _, status, _ in _flags(app)} == {FlagStatus.DISMISSED}


def test_unhiding_from_the_review_page(app, client, auth, make_idea):
    idea = make_idea(title="Standing desks for all")
    auth.as_role(Role.SECRETARIAT)
    client.post(f"/moderation/ideas/{idea.id}", data={"reason": DECISION, "hide": "1"})
    queue = parse(client.get("/moderation").text)
    assert queue.one("ul", class_="hidden-content").find("a", href=f"/moderation/ideas/{idea.id}")
    review = parse(client.get(f"/moderation/ideas/{idea.id}").text)
    assert review.find("button", name="hide") is None
    assert review.find("button", name="unhide") is not None

    response = client.post(
        f"/moderation/ideas/{idea.id}", data={"reason": "Reviewed again.", "unhide": "1"}
    )

    assert response.status_code == 302
    assert not _hidden(app, idea.id)
    assert "Standing desks for all" in idea_titles(parse(client.get("/ideas").text))
