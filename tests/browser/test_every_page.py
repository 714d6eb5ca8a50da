"""Every page of the app, as every role, in every language, in a real browser:

- axe-core finds no WCAG 2.0/2.1 A or AA violation;
- <html lang> is the chosen language's tag;
- nothing scrolls sideways at 320 CSS px (WCAG 1.4.10 reflow) or at 640, which is a
  1280 px window zoomed to 200% (WCAG 1.4.4): wide tables scroll inside their own box;
- the main pages are photographed at 1280 and 375 px into tests/browser/artifacts/
  (git-ignored) for a reviewer to look at; nothing compares them pixel by pixel.

The pages come from the URL map (`site_pages.page_urls`), so a new page is checked as soon
as it exists. One browser for the session, one context per role and language, one seeded
site per test, and every check made on the page while it is loaded: each page loads once.
"""

import os
from pathlib import Path

import pytest
from flask import Flask

from ideas.accounts.models import Role
from tests.browser.site_pages import (
    HTML_LANG,
    LANGUAGES,
    ROLES,
    SKIPPED_ENDPOINTS,
    Site,
    axe_context,
    axe_violations,
    page_urls,
    seed_site,
    sign_in_with_keyboard,
)
from tests.conftest import AuthActions

ARTIFACTS = Path(os.environ.get("IDEAS_ARTIFACTS", Path(__file__).parent / "artifacts"))
DESKTOP = {"width": 1280, "height": 900}
# 320: the narrowest phone; 640: 1280 px at 200% zoom (zoom divides the CSS viewport).
REFLOW_WIDTHS = (320, 640)
SCREENSHOT_WIDTHS = (1280, 375)


def main_pages(site: Site, role: Role | None) -> dict[str, str]:
    """The pages a reviewer looks at first, by file name, as a member or as the secretariat."""
    if role is Role.MEMBER:
        return {
            "/": "home",
            "/ideas": "ideas",
            f"/ideas/{site.ideas['rich']}": "idea",
            f"/ideas/{site.ideas['implemented']}": "idea-implemented",
            "/ideas/new": "new-idea",
            "/groups": "groups",
            f"/groups/{site.groups['topic']}": "group",
            "/notifications": "notifications",
            "/profile": "profile",
        }
    if role is Role.SECRETARIAT:
        return {"/triage": "triage", f"/ideas/{site.ideas['rich']}": "idea-as-staff"}
    return {"/": "welcome", "/sign-in": "sign-in"}


class PageChecks:
    """Runs every check on the loaded page and keeps what failed, by page."""

    def __init__(self, tab, language: str, shots: dict[str, str], label: str) -> None:
        self.tab, self.language, self.shots, self.label = tab, language, shots, label
        self.violations: dict[str, list[str]] = {}
        self.overflow: dict[str, tuple] = {}
        self.checked: list[str] = []

    def check(self, url: str) -> None:
        """axe, the page's language, reflow, and a screenshot if it is a main page."""
        tab = self.tab
        assert tab.locator("html").get_attribute("lang") == HTML_LANG[self.language], url
        self.checked.append(url)
        if problems := axe_violations(tab):
            self.violations[url] = problems
        for width in REFLOW_WIDTHS:
            tab.set_viewport_size({"width": width, "height": 800})
            if (overflow := tab.evaluate(OVERFLOW)) > 0:
                self.overflow[f"{url} at {width}px"] = (overflow, tab.evaluate(WIDEST))
        if url in self.shots:
            folder = ARTIFACTS / "screenshots"
            folder.mkdir(parents=True, exist_ok=True)
            for width in SCREENSHOT_WIDTHS:
                tab.set_viewport_size({**DESKTOP, "width": width})
                name = f"{self.shots[url]}-{self.language}-{width}.png"
                tab.screenshot(path=folder / name, full_page=True)
        tab.set_viewport_size(DESKTOP)

    def assert_clean(self) -> None:
        """No violation and no sideways scrolling anywhere."""
        assert self.violations == {}, f"axe, as {self.label}"
        assert self.overflow == {}, f"pages wider than the window, as {self.label}"


OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
# What sticks out past the window's right edge, to say where an overflow comes from.
WIDEST = """() => [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(-3).map(el => el.tagName.toLowerCase() + '.' + el.className)"""


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value)
def test_every_page_as_every_role(app, browser, live_server, role, language):
    site = seed_site(app, language)
    context = axe_context(browser, live_server, viewport=DESKTOP)
    tab = context.new_page()
    checks = PageChecks(tab, language, main_pages(site, role), f"{role.value} in {language}")
    try:
        # The member's saved language chooses the interface's language from sign-in on.
        sign_in_with_keyboard(tab, site.users[role].email)
        for url in page_urls(app, site, role):
            response = tab.goto(url)
            if response.status == 403 or tab.url != live_server + url:
                # Not this role's page (the error page is checked with the public pages), or
                # one for visitors only (signed in, /sign-in leads home).
                continue
            assert response.status == 200, f"{url} answered {response.status} to {role}"
            checks.check(url)
    finally:
        context.close()
    assert len(checks.checked) >= 10
    checks.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_a_visitor_sees(app, browser, live_server, language):
    site = seed_site(app, language)
    context = axe_context(browser, live_server, viewport=DESKTOP)
    tab = context.new_page()
    checks = PageChecks(tab, language, main_pages(site, None), f"a visitor in {language}")
    try:
        tab.goto("/")
        # The header's switcher (a real form post) sets the language for the session.
        tab.locator("#language-select").select_option(language)
        with tab.expect_navigation():
            tab.locator(".language-form button").press("Enter")
        for url in [*page_urls(app, site, None), "/no-such-page"]:
            response = tab.goto(url)
            if tab.url.startswith(f"{live_server}/sign-in") and not url.startswith("/sign-in"):
                continue  # signed-in members only: the sign-in page stands in for it
            assert response.status in (200, 404), f"{url} answered {response.status}"
            checks.check(url)
    finally:
        context.close()
    assert {"/", "/sign-in", "/register", "/no-such-page"} <= set(checks.checked)
    checks.assert_clean()


def test_the_check_reports_a_violation(browser, live_server):
    """Zero violations means something: the same check flags an image without a text."""
    context = axe_context(browser, live_server)
    tab = context.new_page()
    tab.goto("/sign-in")
    assert axe_violations(tab) == []
    tab.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x>')")
    problems = axe_violations(tab)
    context.close()
    assert [problem.split(":")[0] for problem in problems] == ["image-alt"]


def test_every_page_is_reachable_by_someone(app, client, make_user):
    """The seeded ids fit every route: each page answers 200 to a visitor or one role at
    least, and to the others only 403 or a redirect (to sign in, or home from the sign-in
    page). A 404 or 500 here would mean the browser tests check an error page instead.
    Runs through the test client: proving the list right needs no browser.
    """
    site = seed_site(app, "en")
    auth = AuthActions(client, make_user)
    seen: dict[str, set[int]] = {}
    for role in (None, *ROLES):
        if role is not None:
            auth.sign_in(site.users[role])
        for url in page_urls(app, site, role):
            response = client.get(url)
            seen.setdefault(url, set()).add(response.status_code)
            if response.status_code == 200:
                # Anything else (JSON, CSV) is not a page: skip its route, saying why.
                assert response.mimetype == "text/html", url
        if role is not None:
            auth.sign_out()
    assert {url: codes for url, codes in seen.items() if 200 not in codes} == {}
    assert {url: codes for url, codes in seen.items() if codes - {200, 302, 403}} == {}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(SKIPPED_ENDPOINTS) <= endpoints, "a skipped route no longer exists"


def test_a_route_with_an_unknown_argument_is_not_silently_left_out():
    """A new page whose address takes an argument we cannot fill fails the list loudly."""
    probe = Flask(__name__)
    probe.add_url_rule("/ideas/<int:idea_id>", "board.show_idea", lambda idea_id: "")
    probe.add_url_rule("/probe/<riddle>", "probe_page", lambda riddle: riddle)
    site = Site(
        ideas=dict.fromkeys(("rich", "implemented", "piloted", "flagged"), 1),
        comments={"reported": 2, "visible": 2},
        groups={"topic": "a", "department": "b"},
        author_id=3,
    )
    with pytest.raises(AssertionError, match=r"/probe/<riddle> takes \[.riddle.\]"):
        page_urls(probe, site, Role.MEMBER)
