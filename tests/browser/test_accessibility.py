"""WCAG 2.1 A/AA checks with axe-core on every page a member reaches."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from ideas.accounts.models import Role
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(tab):
    """The axe-core violations on the current page, as readable strings."""
    result = Axe().run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [
        f"{rule['id']}: {rule['help']} ({len(rule['nodes'])}× e.g. {rule['nodes'][0]['target']})"
        for rule in result.response["violations"]
    ]


@pytest.mark.parametrize("path", ["/", "/sign-in", "/register", "/no-such-page"])
def test_public_pages_have_no_violations(page, path):
    page.goto(path)
    assert violations(page) == []


def test_member_pages_have_no_violations(app, page, make_user, make_idea, make_group):
    member = make_user(role=Role.MEMBER)
    group = make_group(creator=member, name="Open Data Champions", description="Open **data**.")
    idea = make_idea(author=member, group=group, title="Publish every dataset")
    make_idea(title="Another idea to vote on")
    sign_in(page, member, PASSWORD)
    paths = [
        "/",
        "/ideas",
        "/ideas?sort=hot&stage=proposed",
        f"/ideas/{idea.id}",
        f"/ideas/{idea.id}/edit",
        "/ideas/new",
        "/groups",
        "/groups/new",
        f"/groups/{group.slug}",
        f"/groups/{group.slug}/members",
        "/profile",
        f"/members/{member.id}",
    ]
    found = {}
    for path in paths:
        page.goto(path)
        if problems := violations(page):
            found[path] = problems
    assert found == {}


def test_form_with_errors_has_no_violations(page, make_user):
    sign_in(page, make_user(), PASSWORD)
    page.goto("/ideas/new")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish idea").click()
    assert page.locator(".error-summary").count() == 1, page.content()[:3000]
    assert violations(page) == []
