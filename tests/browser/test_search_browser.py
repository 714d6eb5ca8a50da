"""Search in a real browser: similar ideas while typing, and the search page's accessibility."""

from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def test_typing_a_title_lists_similar_ideas_and_announces_them(page, make_user, make_idea):
    existing = make_idea(title="Bookable desks in every federal building")
    make_idea(title="Longer lunch breaks on Fridays")
    sign_in(page, make_user(), PASSWORD)
    page.goto("/ideas/new")
    panel = page.locator("[data-similar-panel]")
    assert panel.is_hidden()
    page.get_by_label("Title").press_sequentially("Bookable desks in federal buildings", delay=20)
    link = page.get_by_role("link", name="Bookable desks in every federal building")
    link.wait_for()
    assert panel.is_visible()
    assert link.get_attribute("href") == f"/ideas/{existing.id}"
    status = page.locator("[data-similar-status]")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == "1 similar idea found below the description."
    assert "Net votes: 0" in panel.inner_text()
    # The member can go and vote there instead of posting.
    link.click()
    page.wait_for_url(f"**/ideas/{existing.id}")


def test_the_search_page_with_results_has_no_accessibility_violations(page, make_user, make_idea):
    make_idea(title="Open data portal for budgets", body="Publish the **budget** as open data.")
    make_idea(title="Budget forecasts in plain language")
    sign_in(page, make_user(), PASSWORD)
    page.goto("/search?q=budget")
    assert page.locator(".result-count").inner_text() == "2 ideas found"
    assert violations(page) == []
    page.goto("/search?q=budgte")  # no result, a suggestion
    assert page.locator(".did-you-mean").is_visible()
    assert violations(page) == []
    page.goto("/search")
    assert violations(page) == []
