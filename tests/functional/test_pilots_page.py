"""The idea page's pilot and progress sections, as members and staff see them."""

from datetime import date
from itertools import pairwise

import pytest

from ideas.accounts.models import Department, Role, User
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.workflow.models import PilotOutcome
from ideas.workflow.pilots import PilotPlan, PilotResult
from ideas.workflow.progress import record_progress
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.functional.html_dom import parse

RATIONALE = "The assessment recommends a pilot in two offices first."


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.SECRETARIAT, display_name="Sam Secretariat")


@pytest.fixture
def piloted(app, make_idea, make_department, staff):
    """An idea piloted from 1 June to 30 November 2025, led by a department."""
    department = make_department("Shared Services Canada")
    idea = make_idea(title="Shared desks for every team")
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        row.stage = Stage.ASSESSED
        plan = PilotPlan(
            hypothesis="Shared desks cut lease costs\nwithout hurting teamwork.",
            success_measure="Lease costs fall 10% in six months.",
            lead_department=db.session.get(Department, department.id),
            starts_on=date(2025, 6, 1),
            ends_on=date(2025, 11, 30),
        )
        move_stage(row, Stage.PILOTED, db.session.get(User, staff.id), RATIONALE, pilot=plan)
        db.session.commit()
    return idea.id


def _conclude(app, idea_id, staff, outcome, to=Stage.IMPLEMENTED):
    with app.app_context():
        result = PilotResult(outcome=outcome, findings="Costs fell 12% & staff <liked> it.")
        row = db.session.get(Idea, idea_id)
        move_stage(row, to, db.session.get(User, staff.id), RATIONALE, outcome=result)
        db.session.commit()


def _record(app, idea_id, staff, progress, text=None, on=None):
    with app.app_context():
        actor = db.session.get(User, staff.id)
        record_progress(db.session.get(Idea, idea_id), actor, progress, text, on)
        db.session.commit()


def _facts(section) -> dict[str, str]:
    terms = [dt.text() for dt in section.find_all("dt")]
    return dict(zip(terms, [dd.text() for dd in section.find_all("dd")], strict=True))


def test_members_see_the_running_pilot(app, client, auth, piloted):
    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{piloted}").text)
    section = page.one("section", id="pilot")
    assert section.one("h2").text() == "Pilot"
    facts = _facts(section)
    assert facts == {
        "Hypothesis": "Shared desks cut lease costs without hurting teamwork.",
        "Success measure": "Lease costs fall 10% in six months.",
        "Lead department": "Shared Services Canada",
        "Start": "June 1, 2025",
        "Planned end": "November 30, 2025",
    }
    assert section.one("time", datetime="2025-06-01")
    # Past its planned end (the dates are fixed in 2025) and no outcome yet.
    assert "outcome not recorded yet" in section.find("p").text()
    assert section.find(class_="outcome") is None


@pytest.mark.parametrize(
    ("outcome", "to", "label"),
    [
        (PilotOutcome.SUCCEEDED, Stage.IMPLEMENTED, "Succeeded"),
        (PilotOutcome.FAILED, Stage.DECLINED, "Failed"),
        (PilotOutcome.INCONCLUSIVE, Stage.DECLINED, "Inconclusive"),
    ],
)
def test_members_see_the_outcome_in_words_and_the_findings_escaped(
    app, client, auth, piloted, staff, outcome, to, label
):
    _conclude(app, piloted, staff, outcome, to)
    auth.as_role(Role.MEMBER)
    response = client.get(f"/ideas/{piloted}")
    section = parse(response.text).one("section", id="pilot")
    facts = _facts(section)
    assert facts["Outcome"] == label
    assert section.one("span", class_=f"outcome-{outcome.value}").text() == label
    assert facts["Findings"] == "Costs fell 12% & staff <liked> it."
    assert "Costs fell 12% &amp; staff &lt;liked&gt; it." in response.text
    assert "Concluded" in section.find("p").text()


def test_pilot_dates_follow_the_reader_language(app, client, auth, piloted):
    auth.as_role(Role.MEMBER)
    client.post("/language", data={"locale": "fr", "next": f"/ideas/{piloted}"})
    section = parse(client.get(f"/ideas/{piloted}").text).one("section", id="pilot")
    dates = [time.text() for time in section.find_all("time")]
    assert dates == ["1 juin 2025", "30 novembre 2025"]


def test_members_see_the_progress_bar_and_milestones_newest_first(
    app, client, auth, piloted, staff
):
    _record(app, piloted, staff, 20, "Desks installed in Moncton", date(2025, 6, 15))
    _record(app, piloted, staff, 45, "Second office joined", date(2025, 8, 1))
    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{piloted}").text)
    section = page.one("section", id="progress")
    assert section.one("h2").text() == "Implementation progress"
    bar = section.one("progress")
    assert (bar.get("max"), bar.get("value")) == ("100", "45")
    label = section.one("label", **{"for": bar.get("id")})
    assert label.text() == "Done so far"
    assert section.one(class_="progress-value").text() == "45%"
    items = section.one("ul", class_="milestones").find_all("li")
    assert [item.one("time").get("datetime") for item in items] == ["2025-08-01", "2025-06-15"]
    assert items[0].text() == ("August 1, 2025: Second office joined (recorded by Sam Secretariat)")
    # Members may not update it.
    assert section.find("a", href=f"/ideas/{piloted}/progress") is None


def test_staff_see_a_link_to_update_progress(client, auth, piloted):
    auth.as_role(Role.SECRETARIAT)
    section = parse(client.get(f"/ideas/{piloted}").text).one("section", id="progress")
    assert section.one("a", href=f"/ideas/{piloted}/progress").text() == "Update progress"
    assert "No milestones recorded yet." in section.text()


def test_a_declined_pilot_keeps_its_record_but_no_update_link(app, client, auth, piloted, staff):
    _record(app, piloted, staff, 30, "Tried in one office", date(2025, 7, 1))
    _conclude(app, piloted, staff, PilotOutcome.FAILED, Stage.DECLINED)
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/ideas/{piloted}").text)
    section = page.one("section", id="progress")
    assert "Tried in one office" in section.text()
    assert section.find("a", href=f"/ideas/{piloted}/progress") is None


def test_an_idea_without_pilot_or_progress_shows_neither_section(client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.find("section", id="pilot") is None
    assert page.find("section", id="progress") is None
    assert page.find("progress") is None


def test_headings_stay_in_order(client, auth, piloted):
    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{piloted}").text)
    levels = [int(h.tag[1]) for h in page.iter() if h.tag in {"h1", "h2", "h3", "h4"}]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(levels))
