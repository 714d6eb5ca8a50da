"""Moving ideas between stages through the pages: the stage page and the idea page's panel."""

from datetime import date

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.workflow.models import Assessment, Pilot, PilotOutcome, Recommendation, StageChange
from ideas.workflow.stages import Stage
from tests.functional.html_dom import field_error, parse

RATIONALE = "The secretariat reviewed it at the weekly triage meeting."


def _prepare(app, idea, stage, held_from=None, assessed=False, pilot_dept=None):
    """Put the idea in a stage directly (test set-up), with what later moves need."""
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        row.stage = stage
        row.held_from = held_from
        if assessed:
            db.session.add(
                Assessment(
                    idea_id=idea.id,
                    relevance=3,
                    support=3,
                    impact=3,
                    results=3,
                    feasibility=3,
                    recommendation=Recommendation.PILOT,
                )
            )
        if pilot_dept is not None:
            db.session.add(
                Pilot(
                    idea_id=idea.id,
                    hypothesis="Shared desks save money.",
                    success_measure="Lease costs fall.",
                    lead_department_id=pilot_dept.id,
                    starts_on=date(2025, 1, 6),
                    ends_on=date(2025, 6, 30),
                )
            )
        db.session.commit()


def _state(app, idea_id):
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        return {
            "stage": idea.stage,
            "history": db.session.scalar(
                select(func.count()).select_from(StageChange).where(StageChange.idea_id == idea_id)
            ),
            "audit": db.session.scalar(select(func.count()).select_from(AuditEntry)),
            "notifications": db.session.scalar(select(func.count()).select_from(Notification)),
            "pilots": db.session.scalar(select(func.count()).select_from(Pilot)),
        }


def _offered(page, select_id="to_stage"):
    return page.one("select", id=select_id).option_values()


# Who may see and use the form -------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_members_and_executives_cannot_move_stages(app, client, auth, make_idea, role):
    idea = make_idea()
    auth.as_role(role)
    before = _state(app, idea.id)
    assert client.get(f"/ideas/{idea.id}/stage").status_code == 403
    data = {"to_stage": "under_review", "rationale": RATIONALE}
    assert client.post(f"/ideas/{idea.id}/stage", data=data).status_code == 403
    assert _state(app, idea.id) == before
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.find(id="workflow-actions-heading") is None
    assert page.find("form", action=f"/ideas/{idea.id}/stage") is None


def test_the_stage_page_needs_sign_in(client, make_idea):
    idea = make_idea()
    response = client.get(f"/ideas/{idea.id}/stage")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")


def test_a_missing_idea_is_404(client, auth):
    auth.as_role(Role.SECRETARIAT)
    assert client.get("/ideas/424242/stage").status_code == 404


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ADMIN])
def test_staff_see_only_the_moves_the_table_allows(app, client, auth, make_idea, role):
    idea = make_idea()
    auth.as_role(role)
    page = parse(client.get(f"/ideas/{idea.id}/stage").text)
    assert page.one("h1").text() == "Move to another stage"
    assert _offered(page) == ["", "under_review", "declined", "on_hold"]
    assert page.find(id="hypothesis") is None  # no pilot possible from proposed
    assert page.find(id="outcome") is None
    help_text = page.one(id="rationale-help").text()
    assert "20 characters" in help_text

    _prepare(app, idea, Stage.ON_HOLD, held_from=Stage.ASSESSED)
    page = parse(client.get(f"/ideas/{idea.id}/stage").text)
    assert _offered(page) == ["", "assessed"]


def test_the_idea_page_panel_embeds_the_form_for_staff(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    panel = page.one("section", class_="staff-panel")
    form = panel.one("form", action=f"/ideas/{idea.id}/stage")
    assert form.one("select", id="move-to_stage").option_values() == [
        "",
        "under_review",
        "declined",
        "on_hold",
    ]
    assert form.one("textarea", id="move-rationale").get("name") == "rationale"
    assert [label.get("for") for label in form.find_all("label")] == [
        "move-to_stage",
        "move-rationale",
    ]
    # The ids are unique on the page.
    ids = [element.get("id") for element in page.iter() if element.get("id")]
    assert len(ids) == len(set(ids))


def test_no_form_when_no_move_is_possible(app, client, auth, make_idea):
    idea = make_idea()
    _prepare(app, idea, Stage.IMPLEMENTED)
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/ideas/{idea.id}/stage").text)
    assert page.find("form", class_="stage-form") is None
    assert "No stage move is possible from Implemented." in page.one("main").text()


# Moving ------------------------------------------------------------------------------------


def test_a_move_from_the_page_redirects_with_a_flash_and_shows_on_the_history(
    app, client, auth, make_idea, make_user
):
    author = make_user(display_name="Ada Author")
    idea = make_idea(author=author)
    staff = auth.as_role(Role.SECRETARIAT, display_name="Sam Secretariat")

    response = client.post(
        f"/ideas/{idea.id}/stage", data={"to_stage": "under_review", "rationale": RATIONALE}
    )

    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}"
    with app.app_context():
        change = db.session.scalars(
            select(StageChange).order_by(StageChange.id.desc()).limit(1)
        ).one()
        assert (change.from_stage, change.to_stage, change.actor_id, change.rationale) == (
            Stage.PROPOSED,
            Stage.UNDER_REVIEW,
            staff.id,
            RATIONALE,
        )
        assert db.session.scalar(select(AuditEntry.action)) == "idea.move_stage"
        assert db.session.scalars(select(Notification.user_id)).all() == [author.id]
    page = parse(client.get(response.location).text)
    assert page.one(class_="flash-success").text() == "The idea moved to Under review."
    assert page.one(class_="stage").text() == "Stage: Under review"

    # Every member can read the rationale on the timeline.
    client.post("/sign-out")
    auth.as_role(Role.MEMBER)
    history = parse(client.get(f"/ideas/{idea.id}").text).one("ol", class_="history")
    latest = history.find_all("li")[-1]
    assert "moved from Proposed to Under review by Sam Secretariat" in latest.text()
    assert latest.one("blockquote").text() == RATIONALE


def test_the_panel_form_posts_to_the_stage_page(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.ADMIN)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    form = page.one("form", action=f"/ideas/{idea.id}/stage")
    data = {"to_stage": "on_hold", "rationale": RATIONALE}
    assert {c.get("name") for c in form.find_all("select")} | {
        c.get("name") for c in form.find_all("textarea")
    } == set(data)
    response = client.post(form.get("action"), data=data)
    assert response.status_code == 302
    assert _state(app, idea.id)["stage"] is Stage.ON_HOLD


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"rationale": "Too short."}, "rationale", "at least 20 characters"),
        ({"rationale": ""}, "rationale", "at least 20 characters"),
        ({"to_stage": ""}, "to_stage", "Choose the stage"),
        ({"to_stage": "nonsense"}, "to_stage", "Choose the stage"),
        # Not offered, but posted anyway: the table refuses it with a clear message.
        ({"to_stage": "implemented"}, "to_stage", "cannot move from Proposed to Implemented"),
        ({"to_stage": "assessed"}, "to_stage", "cannot move from Proposed to Assessed"),
    ],
    ids=["short", "empty", "no-stage", "unknown-stage", "not-in-table", "skipping-a-stage"],
)
def test_refused_moves_answer_422_on_the_field_and_keep_the_input(
    app, client, auth, make_idea, data, field, message
):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    before = _state(app, idea.id)
    data = {"to_stage": "under_review", "rationale": RATIONALE, **data}

    response = client.post(f"/ideas/{idea.id}/stage", data=data)

    assert response.status_code == 422
    page = parse(response.text)
    assert message in field_error(page, field)
    assert message in page.one(class_="error-summary").text()
    assert page.one("textarea", id="rationale").value() == data["rationale"]
    if data["to_stage"] == "under_review":
        assert page.one("select", id="to_stage").value() == "under_review"
    assert _state(app, idea.id) == before


def test_assessed_without_an_assessment_is_422_with_a_form_message(app, client, auth, make_idea):
    idea = make_idea()
    _prepare(app, idea, Stage.UNDER_REVIEW)
    auth.as_role(Role.SECRETARIAT)
    before = _state(app, idea.id)
    response = client.post(
        f"/ideas/{idea.id}/stage", data={"to_stage": "assessed", "rationale": RATIONALE}
    )
    assert response.status_code == 422
    summary = parse(response.text).one(class_="error-summary").text()
    assert "Assess the idea at least once" in summary
    assert _state(app, idea.id) == before

    _prepare(app, idea, Stage.UNDER_REVIEW, assessed=True)
    response = client.post(
        f"/ideas/{idea.id}/stage", data={"to_stage": "assessed", "rationale": RATIONALE}
    )
    assert response.status_code == 302
    assert _state(app, idea.id)["stage"] is Stage.ASSESSED


def test_a_posted_merge_is_refused_here(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    before = _state(app, idea.id)
    response = client.post(
        f"/ideas/{idea.id}/stage", data={"to_stage": "merged", "rationale": RATIONALE}
    )
    assert response.status_code == 422
    assert (
        "Choose the idea this one duplicates."
        in parse(response.text).one(class_="error-summary").text()
    )
    assert _state(app, idea.id) == before


def test_leaving_on_hold_for_another_stage_is_refused(app, client, auth, make_idea):
    idea = make_idea()
    _prepare(app, idea, Stage.ON_HOLD, held_from=Stage.UNDER_REVIEW)
    auth.as_role(Role.SECRETARIAT)
    response = client.post(
        f"/ideas/{idea.id}/stage", data={"to_stage": "proposed", "rationale": RATIONALE}
    )
    assert response.status_code == 422
    assert "goes back to the stage it left (Under review)" in field_error(
        parse(response.text), "to_stage"
    )
    response = client.post(
        f"/ideas/{idea.id}/stage", data={"to_stage": "under_review", "rationale": RATIONALE}
    )
    assert response.status_code == 302
    assert _state(app, idea.id)["stage"] is Stage.UNDER_REVIEW


def test_a_post_without_csrf_token_is_refused(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    response = client.post(
        f"/ideas/{idea.id}/stage",
        data={"to_stage": "under_review", "rationale": RATIONALE},
        csrf=False,
    )
    assert response.status_code == 400
    assert _state(app, idea.id)["stage"] is Stage.PROPOSED


# Pilots ------------------------------------------------------------------------------------


PLAN = {
    "to_stage": "piloted",
    "rationale": RATIONALE,
    "hypothesis": "Flexible hours reduce sick leave.",
    "success_measure": "Sick days per person fall within six months.",
    "starts_on": "2025-09-01",
    "ends_on": "2026-02-28",
}


def test_moving_to_piloted_shows_and_records_the_pilot_plan(
    app, client, auth, make_idea, make_department
):
    department = make_department("Treasury Board")
    health = make_department("Health Canada")
    idea = make_idea()
    _prepare(app, idea, Stage.ASSESSED)
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/ideas/{idea.id}/stage").text)
    assert _offered(page) == ["", "piloted", "implemented", "declined", "on_hold"]
    legend = page.one("fieldset", class_="subform").one("legend").text()
    assert legend == "Pilot plan"
    assert "Needed only to move the idea to Piloted." in page.one("fieldset").text()
    labels = [o.text() for o in page.one("select", id="lead_department").find_all("option")]
    assert labels == ["Choose a department", "Health Canada", "Treasury Board"]
    assert _offered(page, "lead_department") == ["0", str(health.id), str(department.id)]
    assert page.one("input", id="starts_on").get("type") == "date"
    assert page.find(id="outcome") is None

    response = client.post(
        f"/ideas/{idea.id}/stage", data={**PLAN, "lead_department": str(department.id)}
    )
    assert response.status_code == 302
    with app.app_context():
        pilot = db.session.scalars(select(Pilot)).one()
        assert (pilot.hypothesis, pilot.success_measure) == (
            PLAN["hypothesis"],
            PLAN["success_measure"],
        )
        assert pilot.lead_department_id == department.id
        assert (pilot.starts_on, pilot.ends_on) == (date(2025, 9, 1), date(2026, 2, 28))
        assert db.session.get(Idea, idea.id).stage is Stage.PILOTED


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"hypothesis": ""}, "hypothesis", "hypothesis"),
        ({"success_measure": " "}, "success_measure", "success will be measured"),
        ({"lead_department": "0"}, "lead_department", "department leading the pilot"),
        ({"lead_department": "99999"}, "lead_department", "Choose one of the offered options."),
        ({"starts_on": ""}, "starts_on", "start date"),
        ({"starts_on": "1 September"}, "starts_on", "YYYY-MM-DD"),
        ({"ends_on": "2026-13-01"}, "ends_on", "YYYY-MM-DD"),
        ({"ends_on": "2025-08-31"}, "ends_on", "on or after the start"),
    ],
    ids=[
        "no-hypothesis",
        "no-measure",
        "no-department",
        "tampered-department",
        "no-start",
        "unreadable-start",
        "unreadable-end",
        "end-before-start",
    ],
)
def test_an_incomplete_pilot_plan_is_422_on_its_field(
    app, client, auth, make_idea, make_department, change, field, message
):
    department = make_department("Treasury Board")
    idea = make_idea()
    _prepare(app, idea, Stage.ASSESSED)
    auth.as_role(Role.SECRETARIAT)
    before = _state(app, idea.id)
    data = {**PLAN, "lead_department": str(department.id), **change}

    response = client.post(f"/ideas/{idea.id}/stage", data=data)

    assert response.status_code == 422
    page = parse(response.text)
    assert message in field_error(page, field)
    assert page.one("textarea", id="hypothesis").value() == data["hypothesis"]
    assert page.one("input", id="starts_on").value() == data["starts_on"]
    assert page.one("input", id="ends_on").value() == data["ends_on"]
    assert page.one("select", id="to_stage").value() == "piloted"
    assert _state(app, idea.id) == before


def test_leaving_piloted_shows_and_records_the_outcome(
    app, client, auth, make_idea, make_department
):
    department = make_department("Treasury Board")
    idea = make_idea()
    _prepare(app, idea, Stage.PILOTED, pilot_dept=department)
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/ideas/{idea.id}/stage").text)
    assert _offered(page) == ["", "implemented", "declined", "on_hold"]
    assert page.find(id="hypothesis") is None
    fieldset = page.one("fieldset", class_="subform")
    assert fieldset.one("legend").text() == "Pilot outcome"
    assert "Implemented, Declined" in fieldset.text()
    assert page.one("select", id="outcome").option_values() == [
        "",
        "succeeded",
        "failed",
        "inconclusive",
    ]

    response = client.post(
        f"/ideas/{idea.id}/stage",
        data={
            "to_stage": "implemented",
            "rationale": RATIONALE,
            "outcome": "succeeded",
            "findings": "Sick days fell by 12%.",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        pilot = db.session.scalars(select(Pilot)).one()
        assert (pilot.outcome, pilot.findings) == (PilotOutcome.SUCCEEDED, "Sick days fell by 12%.")
        assert db.session.get(Idea, idea.id).stage is Stage.IMPLEMENTED


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"outcome": ""}, "outcome", "outcome"),
        ({"outcome": "great"}, "outcome", "outcome"),
        ({"findings": ""}, "findings", "Summarise what the pilot found."),
    ],
    ids=["no-outcome", "unknown-outcome", "no-findings"],
)
def test_leaving_piloted_without_an_outcome_is_422(
    app, client, auth, make_idea, make_department, change, field, message
):
    department = make_department("Treasury Board")
    idea = make_idea()
    _prepare(app, idea, Stage.PILOTED, pilot_dept=department)
    auth.as_role(Role.SECRETARIAT)
    before = _state(app, idea.id)
    data = {
        "to_stage": "declined",
        "rationale": RATIONALE,
        "outcome": "failed",
        "findings": "No change in sick days.",
        **change,
    }
    response = client.post(f"/ideas/{idea.id}/stage", data=data)
    assert response.status_code == 422
    page = parse(response.text)
    assert message in field_error(page, field)
    assert page.one("textarea", id="findings").value() == data["findings"]
    assert _state(app, idea.id) == before
    with app.app_context():
        assert db.session.scalars(select(Pilot.outcome)).one() is None
