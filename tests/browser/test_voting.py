"""Voting in a real browser: in place with JavaScript, by plain form post without it."""

from sqlalchemy import select

from ideas.board.models import Idea, Vote
from ideas.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD


def _idea(app, idea_id):
    with app.app_context():
        return db.session.get(Idea, idea_id)


def test_vote_updates_the_count_in_place_with_javascript(app, page, make_user, make_idea):
    idea = make_idea(title="Bookable coworking desks")
    voter = make_user()
    sign_in(page, voter, PASSWORD)
    page.goto(f"/ideas/{idea.id}")
    # A marker on window survives only if the page is not reloaded.
    page.evaluate("window.__noReload = true")
    tally = page.locator("[data-tally]")
    assert tally.get_attribute("aria-live") == "polite"
    button = page.get_by_role("button", name="Vote for")
    button.focus()
    page.keyboard.press("Enter")
    # A function, not an expression: Playwright polls an expression with eval(), which the
    # site's Content-Security-Policy (rightly) forbids.
    page.wait_for_function("() => document.querySelector('[data-up]').textContent.startsWith('1')")
    assert page.evaluate("window.__noReload") is True
    assert page.locator("button.vote-up").get_attribute("aria-pressed") == "true"
    assert _idea(app, idea.id).up_count == 1
    # Pressing it again withdraws the vote, still in place.
    page.locator("button.vote-up").press("Enter")
    page.wait_for_function("() => document.querySelector('[data-up]').textContent.startsWith('0')")
    assert page.evaluate("window.__noReload") is True
    with app.app_context():
        votes = db.session.scalars(select(Vote).where(Vote.idea_id == idea.id)).all()
    assert votes == []


def test_vote_without_javascript_posts_the_form_and_reloads(
    app, page_without_js, make_user, make_idea
):
    idea = make_idea(title="Digital signatures for approvals")
    sign_in(page_without_js, make_user(), PASSWORD)
    page_without_js.goto(f"/ideas/{idea.id}")
    page_without_js.get_by_role("button", name="Vote against").click()
    page_without_js.wait_for_load_state()
    assert page_without_js.url.endswith(f"/ideas/{idea.id}")
    assert "1 against" in page_without_js.locator("[data-tally]").inner_text()
    assert _idea(app, idea.id).down_count == 1


def test_author_sees_no_vote_buttons(page, make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    sign_in(page, author, PASSWORD)
    page.goto(f"/ideas/{idea.id}")
    assert page.get_by_role("button", name="Vote for").count() == 0
    assert "You cannot vote on your own idea." in page.content()
