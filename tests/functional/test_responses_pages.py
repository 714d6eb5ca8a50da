"""Official responses through the pages: who may respond, the form, the idea page section."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from ideas.accounts.models import Role
from ideas.board.models import Idea
from ideas.board.services import follow_idea
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.timeutil import utcnow
from ideas.workflow.models import OfficialResponse
from tests.conftest import PASSWORD, CSRFClient
from tests.functional.html_dom import field_error, parse

BODY = "Thank you. We will **pilot** this next quarter.\n\n<script>alert('x')</script>"


def responses_of(app, idea_id):
    with app.app_context():
        query = select(OfficialResponse).where(OfficialResponse.idea_id == idea_id)
        rows = list(db.session.scalars(query.order_by(OfficialResponse.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def responded_at(app, idea_id):
    with app.app_context():
        return db.session.scalar(select(Idea.responded_at).where(Idea.id == idea_id))


def browser_for(app, user):
    browser = CSRFClient(app, app.response_class, use_cookies=True)
    response = browser.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def responses_section(page):
    return page.find("section", class_="official-responses")


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.EXECUTIVE, Role.ADMIN])
def test_responders_get_the_form_and_publish(app, client, auth, make_idea, role):
    idea = make_idea()
    responder = auth.as_role(role, display_name="Rae Responder")
    page = parse(client.get(f"/ideas/{idea.id}").text)
    link = responses_section(page).one("a", href=f"/ideas/{idea.id}/respond")
    assert link.text() == "Post an official response"

    form_page = client.get(link.get("href"))
    assert form_page.status_code == 200
    page = parse(form_page.text)
    assert page.one("h1").text() == f"Official response to “{idea.title}”"
    assert page.one("textarea", id="body").get("name") == "body"
    assert "body" in [label.get("for") for label in page.find_all("label")]

    response = client.post(f"/ideas/{idea.id}/respond", data={"body": BODY})
    [saved] = responses_of(app, idea.id)
    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}#r{saved.id}"
    assert (saved.author_id, saved.author_role) == (responder.id, role)
    assert responded_at(app, idea.id) == saved.created_at


@pytest.mark.parametrize("method", ["get", "post"])
def test_members_may_not_respond(app, client, auth, make_idea, method):
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    if method == "get":
        response = client.get(f"/ideas/{idea.id}/respond")
    else:
        response = client.post(f"/ideas/{idea.id}/respond", data={"body": BODY})
    assert response.status_code == 403
    assert responses_of(app, idea.id) == []
    page = parse(client.get(f"/ideas/{idea.id}").text)
    # With no response yet, members see no empty section and no button.
    assert responses_section(page) is None


def test_the_responses_collection_url_takes_posts_too(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.EXECUTIVE)
    response = client.post(f"/ideas/{idea.id}/responses", data={"body": "An answer."})
    assert response.status_code == 302
    assert len(responses_of(app, idea.id)) == 1


def test_unknown_ideas_are_404(client, auth):
    auth.as_role(Role.SECRETARIAT)
    assert client.get("/ideas/999999/respond").status_code == 404


def test_an_empty_response_answers_422(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    response = client.post(f"/ideas/{idea.id}/respond", data={"body": "   "})
    assert response.status_code == 422
    assert field_error(parse(response.text), "body") == "Write the response first."
    assert responses_of(app, idea.id) == []
    assert responded_at(app, idea.id) is None


def test_an_overlong_response_answers_422_with_the_input_kept(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    body = "Long answer. " + "x" * 20_000
    response = client.post(f"/ideas/{idea.id}/respond", data={"body": body})
    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "body") == "A response can have at most 20000 characters."
    assert page.one("textarea", id="body").value() == body
    assert page.find("div", class_="error-summary") is not None
    assert responses_of(app, idea.id) == []


def test_the_idea_page_pins_responses_with_name_role_and_clean_body(
    app, client, auth, make_user, make_idea
):
    idea = make_idea()
    executive = make_user(role=Role.EXECUTIVE, display_name="Erin Executive")
    staff = make_user(role=Role.SECRETARIAT, display_name="Sam Secretariat")
    browser_for(app, executive).post(f"/ideas/{idea.id}/respond", data={"body": BODY})
    browser_for(app, staff).post(f"/ideas/{idea.id}/respond", data={"body": "A follow-up."})

    auth.as_role(Role.MEMBER)
    html = client.get(f"/ideas/{idea.id}").text
    page = parse(html)
    section = responses_section(page)
    assert section.one("h2").text() == "Official responses"
    articles = section.find_all("article", class_="official-response")
    assert [a.one("h3").text() for a in articles] == [
        "Erin Executive, Executive",
        "Sam Secretariat, Secretariat",
    ]
    first_body = articles[0].one("div", class_="markdown")
    assert first_body.one("strong").text() == "pilot"
    assert "alert(" not in section.text()
    assert first_body.find("script") is None
    assert articles[0].find("time") is not None
    # Pinned above the comments, and members get no respond button.
    assert html.index("official-responses") < html.index('id="comments-heading"')
    assert section.find("a", href=f"/ideas/{idea.id}/respond") is None


def test_responding_clears_the_idea_from_the_awaiting_bucket(app, client, auth, make_idea):
    idea = make_idea(title="Popular idea")
    with app.app_context():
        db.session.get(Idea, idea.id).threshold_reached_at = utcnow() - timedelta(days=2)
        db.session.commit()
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get("/triage?bucket=awaiting").text)
    assert page.one("span", data_bucket="awaiting").text() == "1"

    client.post(f"/ideas/{idea.id}/respond", data={"body": "Our answer."})

    page = parse(client.get("/triage?bucket=awaiting").text)
    assert page.one("span", data_bucket="awaiting").text() == "0"
    assert page.find("table", class_="triage-table") is None
    assert responded_at(app, idea.id) is not None


def test_notifications_reach_author_and_followers_not_the_responder(
    app, client, auth, make_user, make_idea
):
    author, follower, bystander = make_user(), make_user(), make_user()
    responder = make_user(role=Role.SECRETARIAT)
    idea = make_idea(author=author)
    with app.app_context():
        stored = db.session.get(Idea, idea.id)
        follow_idea(db.session.merge(follower), stored)
        follow_idea(db.session.merge(responder), stored)
        db.session.commit()

    auth.sign_in(responder)
    assert client.post(f"/ideas/{idea.id}/respond", data={"body": BODY}).status_code == 302

    with app.app_context():
        recipients = db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == "official_response", Notification.idea_id == idea.id
            )
        ).all()
    assert sorted(recipients) == sorted([author.id, follower.id])
    assert responder.id not in recipients
    assert bystander.id not in recipients
