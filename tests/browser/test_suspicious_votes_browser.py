"""The suspicious-voting report with findings in every table, in a real browser, per language.

tests/browser/test_every_page.py checks the page too, but with no votes it shows no table;
this one fills all three tables (the fixture of tests/functional/test_suspicious_votes.py).
"""

import pytest

from ideas.accounts.models import Role
from tests.browser.site_pages import HTML_LANG, LANGUAGES, axe_context, axe_violations
from tests.browser.site_pages import sign_in_with_keyboard as sign_in
from tests.functional.test_suspicious_votes import voting_fixture  # noqa: F401 - a fixture


@pytest.mark.usefixtures("voting_fixture")
@pytest.mark.parametrize("locale", LANGUAGES)
def test_report_with_findings_is_accessible(browser, live_server, make_user, locale):
    """No axe violation, the right language, and nothing scrolls sideways at 320 px."""
    staff = make_user(role=Role.SECRETARIAT, locale=locale)
    context = axe_context(browser, live_server)
    try:
        tab = context.new_page()
        sign_in(tab, staff.email)
        tab.goto("/moderation/voting")
        assert tab.locator("table").count() == 3
        assert tab.locator("html").get_attribute("lang") == HTML_LANG[locale]
        assert axe_violations(tab) == []
        tab.set_viewport_size({"width": 320, "height": 800})
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
