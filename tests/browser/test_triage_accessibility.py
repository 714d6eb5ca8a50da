"""WCAG 2.1 A/AA checks with axe-core on the triage queue and the official response pages."""

from datetime import timedelta

from ideas.accounts.models import Role, User
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.timeutil import utcnow
from ideas.workflow.responses import post_official_response
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def test_triage_queue_has_no_violations(app, page, make_user, make_idea):
    staff = make_user(role=Role.SECRETARIAT)
    make_idea(title="Paperless travel claims")
    overdue = make_idea(title="Shared printers for every floor")
    with app.app_context():
        db.session.get(Idea, overdue.id).threshold_reached_at = utcnow() - timedelta(days=45)
        db.session.commit()
    sign_in(page, staff, PASSWORD)

    page.goto("/triage")
    assert page.locator("table.triage-table tbody tr").count() == 2
    assert violations(page) == []

    # A bulk move with nothing selected and a short rationale: the error page.
    page.select_option("#to_stage", "declined")
    page.fill("#rationale", "Too short")
    page.click("button[value=move]")
    assert page.locator(".error-summary").count() == 1
    assert violations(page) == []

    page.goto("/triage?bucket=overdue")
    assert page.locator("table.triage-table tbody tr").count() == 1
    assert violations(page) == []


def test_response_pages_have_no_violations(app, page, make_user, make_idea):
    executive = make_user(role=Role.EXECUTIVE)
    idea = make_idea(title="Open data by default")
    with app.app_context():
        post_official_response(
            db.session.get(Idea, idea.id), db.session.get(User, executive.id), "We **agree**."
        )
        db.session.commit()
    sign_in(page, executive, PASSWORD)

    page.goto(f"/ideas/{idea.id}")
    assert page.locator("article.official-response").count() == 1
    assert violations(page) == []

    page.goto(f"/ideas/{idea.id}/respond")
    page.click("button[type=submit] >> text=Publish the response")
    assert page.locator(".error-summary").count() == 1
    assert violations(page) == []
