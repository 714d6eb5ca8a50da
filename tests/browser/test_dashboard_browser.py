"""The dashboard in a real browser: axe WCAG checks, keyboard filters, and the printed page."""

from ideas.accounts.models import Department, GovernmentLevel, Role
from ideas.extensions import db
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def _some_data(app, make_user, make_idea):
    with app.app_context():
        department = Department(
            name_en="Health Canada", level=GovernmentLevel.FEDERAL, headcount=80
        )
        db.session.add(department)
        db.session.commit()
        db.session.refresh(department)
        db.session.expunge(department)
    author = make_user(department=department)
    make_idea(author=author, title="Paperless travel claims")
    make_idea(title="Shared printers for every floor", theme="fundamentals")
    return department


def test_dashboard_has_no_violations_and_filters_by_keyboard(app, page, make_user, make_idea):
    department = _some_data(app, make_user, make_idea)
    sign_in(page, make_user(role=Role.EXECUTIVE), PASSWORD)
    page.goto("/dashboard")
    assert page.locator("svg[role=img]").count() == 6
    assert violations(page) == []

    # Choose a department and apply with the keyboard: the filter lands in the URL.
    page.select_option("#filter-department", str(department.id))
    page.focus("form.dashboard-filters button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**department={department.id}**")
    rows = page.locator("#ranked-table tbody tr")
    assert rows.count() == 1
    assert "Paperless travel claims" in rows.first.inner_text()
    assert violations(page) == []


def test_printed_dashboard_keeps_charts_and_tables_but_not_forms(app, page, make_user, make_idea):
    _some_data(app, make_user, make_idea)
    sign_in(page, make_user(role=Role.SECRETARIAT), PASSWORD)
    page.goto("/dashboard")
    page.emulate_media(media="print")
    assert not page.locator("form.dashboard-filters").is_visible()
    assert page.locator("#funnel-table").is_visible()
    assert page.locator("#funnel-chart-caption").is_visible()
    assert page.locator("#weekly-table").is_visible()
