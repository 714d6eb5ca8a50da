"""CSRF on every state change: forms and the vote's fetch() call alike, walked from the URL map.

These tests use a plain client that sends exactly what it is given, unlike the suite's
CSRF-aware `client`: a request without a token must be refused with 400 before any view
runs, and must change nothing.
"""

from sqlalchemy import func, select

from ideas.accounts.models import Role
from ideas.board.models import Vote
from ideas.extensions import db
from tests.browser.site_pages import seed_site
from tests.functional.html_dom import parse
from tests.security.routes import (
    build_url,
    page_token,
    plain_client,
    sign_in_plain,
    state_changing_rules,
)

CSRF_MESSAGE = "This form has expired or was not sent from this site. Please try again."


def row_counts(app) -> dict[str, int]:
    """How many rows each table holds."""
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def site_values(site) -> dict[str, object]:
    """URL arguments pointing at real rows, so a missing check could really change them."""
    return {
        "idea_id": site.ideas["rich"],
        "comment_id": site.comments["visible"],
        "slug": site.groups["topic"],
        "user_id": site.author_id,
    }


def test_every_state_change_without_a_token_is_refused(app):
    site = seed_site(app, "en")
    rules = state_changing_rules(app)
    assert len(rules) >= 25, "the URL map lost its POST routes?"
    before = row_counts(app)
    failures = []
    for signed_in_as in (None, Role.ADMIN, Role.MEMBER):
        browser = plain_client(app)
        if signed_in_as is not None:
            sign_in_plain(browser, site.users[signed_in_as])
        for rule, method in rules:
            url = build_url(app, rule, site_values(site))
            for body in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
                response = browser.open(url, method=method, data=body)
                if response.status_code != 400 or CSRF_MESSAGE not in response.text:
                    failures.append((signed_in_as, method, url, body, response.status_code))
    assert failures == []
    assert row_counts(app) == before, "a request without a valid token changed the database"


def test_a_token_from_another_session_is_refused(app, make_user):
    member = make_user()
    thief = plain_client(app)
    stolen = page_token(thief, "/sign-in")
    victim = plain_client(app)
    sign_in_plain(victim, member)
    response = victim.post("/language", data={"locale": "fr", "next": "/", "csrf_token": stolen})
    assert response.status_code == 400


def test_vote_by_fetch_needs_the_token_in_its_header(app, make_user, make_idea):
    member = make_user()
    idea = make_idea()
    browser = plain_client(app)
    sign_in_plain(browser, member)
    token = page_token(browser, f"/ideas/{idea.id}")
    url = f"/ideas/{idea.id}/vote"
    as_json = {"Accept": "application/json"}

    missing = browser.post(url, data={"value": "1"}, headers=as_json)
    assert missing.status_code == 400
    assert missing.is_json
    assert missing.json["error"] == CSRF_MESSAGE
    forged = browser.post(url, data={"value": "1"}, headers={**as_json, "X-CSRFToken": "x" * 40})
    assert forged.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Vote)) == 0

    # What static/js/site.js sends: the page's token in X-CSRFToken, no form field.
    sent = browser.post(url, data={"value": "1"}, headers={**as_json, "X-CSRFToken": token})
    assert sent.status_code == 200, sent.text
    assert sent.json["my_vote"] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Vote)) == 1


def test_every_form_that_posts_carries_a_token(app):
    site = seed_site(app, "en")
    browser = plain_client(app)
    sign_in_plain(browser, site.users[Role.ADMIN])
    pages = [f"/ideas/{idea_id}" for idea_id in site.ideas.values()]
    pages += ["/", "/ideas", "/groups", f"/groups/{site.groups['topic']}", "/profile", "/triage"]
    pages += ["/moderation", f"/ideas/{site.ideas['rich']}/stage", "/ideas/new", "/groups/new"]
    forms_seen = 0
    for path in pages:
        response = browser.get(path)
        assert response.status_code == 200, path
        for form in parse(response.text).find_all("form"):
            if form.get("method", "get").lower() != "post":
                continue
            forms_seen += 1
            tokens = form.find_all("input", name="csrf_token")
            assert len(tokens) == 1 and tokens[0].get("value"), (path, form.get("action"))
    assert forms_seen >= 20
