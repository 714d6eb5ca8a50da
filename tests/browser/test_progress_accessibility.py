"""WCAG 2.1 A/AA checks (axe-core) on the pilot and progress parts of the site, in Chromium."""

from datetime import date

from ideas.accounts.models import Department, Role, User
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.workflow.models import PilotOutcome
from ideas.workflow.pilots import PilotPlan, PilotResult
from ideas.workflow.progress import record_progress
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD

RATIONALE = "The assessment recommends a pilot in two offices first."


def _implemented_after_pilot(app, make_idea, make_department, staff) -> int:
    """An idea piloted, concluded as a success, implemented, with two milestones."""
    department = make_department("Shared Services Canada")
    idea = make_idea(title="Shared desks for every team")
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        actor = db.session.get(User, staff.id)
        row.stage = Stage.ASSESSED
        plan = PilotPlan(
            hypothesis="Shared desks cut lease costs.",
            success_measure="Lease costs fall 10% in six months.",
            lead_department=db.session.get(Department, department.id),
            starts_on=date(2025, 6, 1),
            ends_on=date(2025, 11, 30),
        )
        move_stage(row, Stage.PILOTED, actor, RATIONALE, pilot=plan)
        record_progress(row, actor, 30, "Desks installed in Moncton", date(2025, 6, 15))
        result = PilotResult(outcome=PilotOutcome.SUCCEEDED, findings="Costs fell 12%.")
        move_stage(row, Stage.IMPLEMENTED, actor, RATIONALE, outcome=result)
        record_progress(row, actor, 70, "<b>Rolled out</b> to five offices", date(2025, 12, 1))
        db.session.commit()
    return idea.id


def test_idea_page_with_pilot_and_progress_has_no_violations(
    app, page, make_user, make_idea, make_department
):
    staff = make_user(role=Role.SECRETARIAT)
    idea_id = _implemented_after_pilot(app, make_idea, make_department, staff)
    sign_in(page, make_user(role=Role.MEMBER), PASSWORD)
    page.goto(f"/ideas/{idea_id}")
    assert page.get_by_label("Done so far").get_attribute("value") == "70"
    assert violations(page) == []


def test_progress_pages_have_no_violations_even_with_errors(
    app, page, make_user, make_idea, make_department
):
    staff = make_user(role=Role.SECRETARIAT)
    idea_id = _implemented_after_pilot(app, make_idea, make_department, staff)
    sign_in(page, staff, PASSWORD)
    found = {}

    page.goto(f"/ideas/{idea_id}")
    found["idea page as staff"] = violations(page)

    page.goto(f"/ideas/{idea_id}/progress")
    found["progress form"] = violations(page)
    page.get_by_label("Progress (percent)").fill("150")
    with page.expect_navigation():
        page.get_by_role("button", name="Record progress").click()
    assert page.locator(".error-summary").count() == 1
    found["progress form with errors"] = violations(page)

    page.goto("/progress/import")
    found["import page"] = violations(page)
    page.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "progress.csv",
                "mimeType": "text/csv",
                "buffer": (
                    f"idea_id,progress,milestone,date\n{idea_id},abc,<i>x</i>,2025-13-01\n"
                ).encode(),
            }
        ]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert page.locator(".report-table tbody tr").count() == 1
    found["import report"] = violations(page)

    page.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "progress.csv",
                "mimeType": "text/csv",
                "buffer": f"idea_id,progress,milestone,date\n{idea_id},90,,\n".encode(),
            }
        ]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert page.locator(".import-summary").count() == 1
    found["import summary"] = violations(page)

    assert {name: problems for name, problems in found.items() if problems} == {}
