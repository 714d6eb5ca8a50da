"""Guards that apply to every request: NUL bytes, where anonymous posts return after sign-in,
and the input-purpose hints WCAG 1.3.5 asks for."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from ideas.board.models import Idea
from ideas.extensions import db
from tests.conftest import theme_id


@pytest.mark.parametrize("field", ["title", "body"], ids=["nul-in-title", "nul-in-body"])
def test_nul_byte_in_a_form_is_refused_with_400_and_nothing_saved(app, client, auth, field):
    auth.as_role()
    with app.app_context():
        theme = theme_id()
    data = {"title": "A perfectly fine title", "body": "Fine body", "theme": theme, "group": 0}
    data[field] = data[field] + "\x00tail"
    response = client.post("/ideas/new", data=data)
    assert response.status_code == 400
    assert "skip-link" in response.text  # the site's own error page
    with app.app_context():
        assert db.session.scalar(select(func.count(Idea.id))) == 0


def test_nul_byte_in_the_query_string_is_refused(client, auth):
    auth.as_role()
    assert client.get("/groups?q=open%00data").status_code == 400


def test_anonymous_vote_returns_to_the_idea_page_after_sign_in(client, make_idea):
    idea = make_idea()
    response = client.post(
        f"/ideas/{idea.id}/vote",
        data={"value": 1},
        headers={"Referer": f"http://localhost/ideas/{idea.id}?sort=top"},
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query)["next"] == [f"/ideas/{idea.id}?sort=top"]


def test_anonymous_post_with_a_foreign_referrer_returns_home(client, make_idea):
    idea = make_idea()
    response = client.post(
        f"/ideas/{idea.id}/follow", headers={"Referer": "https://evil.example/ideas/1"}
    )
    location = urlsplit(response.headers["Location"])
    assert parse_qs(location.query)["next"] == ["/"]


def test_anonymous_fetch_gets_401_json(client, make_idea):
    idea = make_idea()
    response = client.post(
        f"/ideas/{idea.id}/vote", data={"value": 1}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 401
    assert "sign in" in response.get_json()["error"].lower()


@pytest.mark.parametrize(
    ("path", "field", "purpose"),
    [
        ("/sign-in", "email", "email"),
        ("/sign-in", "password", "current-password"),
        ("/register", "email", "email"),
        ("/register", "display_name", "name"),
        ("/register", "password", "new-password"),
        ("/register", "confirm", "new-password"),
    ],
)
def test_account_fields_declare_their_purpose(client, path, field, purpose):
    html = client.get(path).text
    tag_start = html.index(f'id="{field}"')
    tag = html[html.rindex("<", 0, tag_start) : html.index(">", tag_start)]
    assert f'autocomplete="{purpose}"' in tag
