"""Stage moves, assessments and experts in a real browser: axe-core checks, keyboard, no JS."""

from datetime import date

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.workflow.assessments import Scorecard, assess_idea
from ideas.workflow.experts import assign_expert
from ideas.workflow.models import Pilot, Recommendation
from ideas.workflow.stages import Stage
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD

SCORES = {"relevance": 4, "support": 3, "impact": 5, "results": 4, "feasibility": 2}


def _stage(app, idea, stage, pilot=False):
    with app.app_context():
        db.session.get(Idea, idea.id).stage = stage
        if pilot:
            department = Department(name_en="Treasury Board", level=GovernmentLevel.FEDERAL)
            db.session.add(department)
            db.session.flush()
            db.session.add(
                Pilot(
                    idea_id=idea.id,
                    hypothesis="Shared desks save money.",
                    success_measure="Lease costs fall.",
                    lead_department_id=department.id,
                    starts_on=date(2025, 1, 6),
                    ends_on=date(2025, 6, 30),
                )
            )
        db.session.commit()


def test_the_idea_page_panel_and_stage_pages_have_no_violations(app, page, make_user, make_idea):
    staff = make_user(role=Role.SECRETARIAT)
    expert = make_user(display_name="Grace Expert")
    assessed = make_idea(title="Paperless travel claims")
    piloted = make_idea(title="Flexible hours")
    _stage(app, assessed, Stage.ASSESSED)
    _stage(app, piloted, Stage.PILOTED, pilot=True)
    with app.app_context():
        idea, actor = db.session.get(Idea, assessed.id), db.session.get(User, staff.id)
        assign_expert(idea, db.session.get(User, expert.id), actor)
        assess_idea(idea, actor, Scorecard(SCORES, Recommendation.PILOT))
        db.session.commit()
    sign_in(page, staff, PASSWORD)

    page.goto(f"/ideas/{assessed.id}")
    assert page.locator("section.assessment-summary table").count() == 1
    assert page.locator("section.staff-panel #move-hypothesis").count() == 1
    assert violations(page) == []

    page.goto(f"/ideas/{assessed.id}/stage")
    page.select_option("#to_stage", "piloted")
    page.fill("#rationale", "Too short")
    page.fill("#starts_on", "2025-09-01")
    page.click("button[type=submit] >> text=Move the idea")
    assert page.locator(".error-summary").count() == 1
    assert page.locator("#rationale-error").count() == 1
    assert violations(page) == []

    page.goto(f"/ideas/{piloted.id}/stage")
    assert page.locator("#outcome").count() == 1
    assert violations(page) == []

    page.goto(f"/ideas/{assessed.id}/experts")
    page.fill("#expert-email", "nobody@example.gc.ca")
    page.click("button[type=submit] >> text=Assign as expert")
    assert page.locator("#expert-email-error").count() == 1
    assert violations(page) == []


def test_an_expert_scores_with_the_keyboard_only(app, page, make_user, make_idea):
    staff = make_user(role=Role.SECRETARIAT)
    expert = make_user()
    idea = make_idea(title="Open data by default")
    with app.app_context():
        assign_expert(
            db.session.get(Idea, idea.id),
            db.session.get(User, expert.id),
            db.session.get(User, staff.id),
        )
        db.session.commit()
    sign_in(page, expert, PASSWORD)
    page.goto(f"/ideas/{idea.id}/assess")
    assert violations(page) == []

    # Submitting nothing: every group reports its error, and the page stays accessible.
    page.click("button[type=submit] >> text=Save my assessment")
    assert page.locator(".error-summary li").count() == 6
    assert violations(page) == []

    # Each group is one tab stop; arrow keys move within it and pick the score.
    for name in ("relevance", "support", "impact", "results", "feasibility"):
        page.focus(f"#{name}-0")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
    page.focus("#recommendation-0")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.focus("button[type=submit].button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/ideas/{idea.id}")
    assert page.locator(".flash-success").inner_text() == "Your assessment is saved."
    summary = page.locator("section.assessment-summary")
    assert "3.0 out of 5" in summary.inner_text()
    assert "Implement it directly: 1" in summary.inner_text()


def test_a_stage_move_works_without_javascript(app, page_without_js, make_user, make_idea):
    staff = make_user(role=Role.ADMIN)
    idea = make_idea(title="Shared printers")
    sign_in(page_without_js, staff, PASSWORD)
    page_without_js.goto(f"/ideas/{idea.id}")
    page_without_js.select_option("#move-to_stage", "under_review")
    page_without_js.fill("#move-rationale", "Reviewed at the weekly triage meeting.")
    page_without_js.click("button[type=submit] >> text=Move the idea")
    page_without_js.wait_for_url(f"**/ideas/{idea.id}")
    assert page_without_js.locator(".stage").first.inner_text() == "Stage: Under review"
