"""Assessment scorecards through the pages: the form, its validation, updates, the summary."""

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.workflow.experts import assign_expert
from ideas.workflow.models import CRITERIA, Assessment, Recommendation
from ideas.workflow.stages import Stage
from tests.functional.html_dom import field_error, parse

SCORECARD = {
    "relevance": "4",
    "relevance_note": "Fits the vision well.",
    "support": "3",
    "impact": "5",
    "results": "4",
    "feasibility": "2",
    "feasibility_note": "Needs a new IT system.",
    "recommendation": "pilot",
}


def _scorecards(app, idea_id):
    with app.app_context():
        return db.session.scalars(
            select(Assessment).where(Assessment.idea_id == idea_id).order_by(Assessment.id)
        ).all()


def _checked(page, name):
    return [radio.get("value") for radio in page.find_all("input", name=name, checked=True)]


def test_the_form_has_a_fieldset_with_a_legend_per_criterion(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    response = client.get(f"/ideas/{idea.id}/assess")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.one("h1").text() == "Assess an idea"
    legends = [fieldset.one("legend").text() for fieldset in page.find_all("fieldset")]
    assert legends == [
        "Relevance to the vision and to public servants",
        "Stakeholder support",
        "Impact",
        "Expected results",
        "Feasibility",
        "Recommendation",
    ]
    for name in CRITERIA:
        fieldset = page.one("fieldset", id=name)
        radios = fieldset.find_all("input", type="radio", name=name)
        assert [radio.get("value") for radio in radios] == ["1", "2", "3", "4", "5"]
        for radio in radios:  # every radio has its own label
            assert fieldset.one("label", **{"for": radio.get("id")}).text() == radio.get("value")
        assert "score-scale" in fieldset.get("aria-describedby").split()
        note = fieldset.one("textarea", name=f"{name}_note")
        assert fieldset.one("label", **{"for": note.get("id")}).text().endswith("note (optional)")
    recommendation = page.one("fieldset", id="recommendation")
    labels = [label.text() for label in recommendation.find_all("label")]
    assert labels == ["Pilot it", "Implement it directly", "Decline it", "Put it on hold"]
    assert _checked(page, "recommendation") == []


def test_a_scorecard_is_saved_and_audited(app, client, auth, make_idea):
    idea = make_idea()
    staff = auth.as_role(Role.SECRETARIAT)

    response = client.post(f"/ideas/{idea.id}/assess", data=SCORECARD)

    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}"
    [card] = _scorecards(app, idea.id)
    assert card.assessor_id == staff.id
    scores = tuple(getattr(card, name) for name in CRITERIA)
    assert scores == (4, 3, 5, 4, 2)
    assert (card.relevance_note, card.support_note) == ("Fits the vision well.", "")
    assert card.recommendation is Recommendation.PILOT
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.action, entry.actor_id, entry.idea_id) == ("idea.assess", staff.id, idea.id)
        assert (entry.target_type, entry.target_id) == ("assessment", card.id)
        assert entry.details["recommendation"] == "pilot"
        assert entry.details["impact"] == 5
        assert entry.details["updated"] is False
    page = parse(client.get(response.location).text)
    assert page.one(class_="flash-success").text() == "Your assessment is saved."
    assert page.one("a", href=f"/ideas/{idea.id}/assess").text() == "Update your assessment"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"impact": "6"}, "impact", "Choose a score from 1 to 5."),
        ({"impact": "0"}, "impact", "Choose a score from 1 to 5."),
        ({"impact": "-3"}, "impact", "Choose a score from 1 to 5."),
        ({"impact": "4.5"}, "impact", "Choose a score from 1 to 5."),
        ({"impact": "high"}, "impact", "Choose a score from 1 to 5."),
        ({"impact": None}, "impact", "Choose a score from 1 to 5."),
        ({"recommendation": None}, "recommendation", "Choose a recommendation."),
        ({"recommendation": "ignore"}, "recommendation", "Choose a recommendation."),
        ({"support_note": "x" * 5_001}, "support_note", "at most 5000 characters"),
    ],
    ids=[
        "score-6",
        "score-0",
        "negative",
        "fraction",
        "text",
        "missing-score",
        "missing-recommendation",
        "unknown-recommendation",
        "long-note",
    ],
)
def test_an_invalid_scorecard_is_422_with_the_input_kept(
    app, client, auth, make_idea, change, field, message
):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    data = {key: value for key, value in {**SCORECARD, **change}.items() if value is not None}

    response = client.post(f"/ideas/{idea.id}/assess", data=data)

    assert response.status_code == 422
    page = parse(response.text)
    if field in CRITERIA or field == "recommendation":
        fieldset = page.one("fieldset", id=field)
        error = page.one(id=f"{field}-error")
        assert message in error.text()
        assert f"{field}-error" in fieldset.get("aria-describedby").split()
        assert {r.get("aria-invalid") for r in fieldset.find_all("input")} == {"true"}
    else:
        assert message in field_error(page, field)
    assert message in page.one(class_="error-summary").text()
    # What was chosen and typed is still there.
    assert _checked(page, "relevance") == ["4"]
    assert page.one("textarea", id="feasibility_note").value() == "Needs a new IT system."
    if field != "recommendation":
        assert _checked(page, "recommendation") == ["pilot"]
    assert _scorecards(app, idea.id) == []


def test_submitting_again_updates_the_one_scorecard(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.ADMIN)
    client.post(f"/ideas/{idea.id}/assess", data=SCORECARD)
    [first] = _scorecards(app, idea.id)

    page = parse(client.get(f"/ideas/{idea.id}/assess").text)
    # The form shows the saved scorecard.
    assert _checked(page, "impact") == ["5"]
    assert _checked(page, "recommendation") == ["pilot"]
    assert page.one("textarea", id="relevance_note").value() == "Fits the vision well."
    form = page.one("form", class_="assess-form")
    assert form.one("button", type="submit").text() == "Update my assessment"

    changed = {**SCORECARD, "impact": "2", "relevance_note": "", "recommendation": "decline"}
    assert client.post(f"/ideas/{idea.id}/assess", data=changed).status_code == 302

    [card] = _scorecards(app, idea.id)
    assert card.id == first.id
    assert (card.impact, card.relevance_note, card.recommendation) == (
        2,
        "",
        Recommendation.DECLINE,
    )
    assert card.created_at == first.created_at
    assert card.updated_at >= first.updated_at
    with app.app_context():
        updates = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "idea.assess").order_by(AuditEntry.id)
        ).all()
        assert [entry.details["updated"] for entry in updates] == [False, True]


def test_every_member_sees_the_averages_and_recommendations(
    app, client, auth, make_idea, make_user
):
    idea = make_idea()
    staff = make_user(role=Role.SECRETARIAT)
    expert = make_user()
    with app.app_context():
        assign_expert(
            db.session.get(Idea, idea.id),
            db.session.get(User, expert.id),
            db.session.get(User, staff.id),
        )
        db.session.commit()
    for assessor, card in (
        (staff, SCORECARD),
        (expert, {**SCORECARD, "relevance": "3", "support": "4", "impact": "5"}),
    ):
        auth.sign_in(assessor)
        assert client.post(f"/ideas/{idea.id}/assess", data=card).status_code == 302
        client.post("/sign-out")
    auth.sign_in(expert)
    assert (
        client.post(
            f"/ideas/{idea.id}/assess",
            data={**SCORECARD, "relevance": "2", "support": "4", "recommendation": "hold"},
        ).status_code
        == 302
    )  # replaces the expert's first scorecard
    client.post("/sign-out")

    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    section = page.one("section", class_="assessment-summary")
    assert section.one("h2").text() == "Assessment"
    assert "2 assessments so far." in section.text()
    rows = {
        row.one("th").text(): row.one("td").text() for row in section.one("tbody").find_all("tr")
    }
    assert rows == {
        "Relevance to the vision and to public servants": "3.0 out of 5",  # 4 and 2
        "Stakeholder support": "3.5 out of 5",  # 3 and 4
        "Impact": "5.0 out of 5",
        "Expected results": "4.0 out of 5",
        "Feasibility": "2.0 out of 5",
    }
    assert [li.text() for li in section.one("ul", class_="recommendations").find_all("li")] == [
        "Pilot it: 1",
        "Put it on hold: 1",
    ]
    # A member sees the summary, not the assessors' actions.
    assert page.find("section", class_="staff-panel") is None


def test_no_summary_before_the_first_assessment(client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.find("section", class_="assessment-summary") is None
    assert page.one("a", href=f"/ideas/{idea.id}/assess").text() == "Assess this idea"


def test_assessors_see_every_scorecard_with_notes(app, client, auth, make_idea, make_user):
    idea = make_idea()
    other = auth.as_role(Role.SECRETARIAT, display_name="Sam Secretariat")
    client.post(f"/ideas/{idea.id}/assess", data=SCORECARD)
    client.post("/sign-out")
    assert other
    auth.as_role(Role.ADMIN)
    page = parse(client.get(f"/ideas/{idea.id}/assess").text)
    card = page.one("article", class_="scorecard")
    assert card.one("h3").text() == "Sam Secretariat"
    assert "Recommendation: Pilot it" in card.text()
    assert "4 out of 5: Fits the vision well." in card.text()


def test_a_merged_idea_cannot_be_assessed(app, client, auth, make_idea):
    idea = make_idea()
    with app.app_context():
        db.session.get(Idea, idea.id).stage = Stage.MERGED
        db.session.commit()
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/ideas/{idea.id}/assess").text)
    assert page.find("form", class_="assess-form") is None
    assert "merged into another one" in page.one(class_="notice").text()
    response = client.post(f"/ideas/{idea.id}/assess", data=SCORECARD)
    assert response.status_code == 422
    assert _scorecards(app, idea.id) == []
    shown = parse(client.get(f"/ideas/{idea.id}").text)
    assert shown.find("a", href=f"/ideas/{idea.id}/assess") is None


def test_an_assessment_lets_the_idea_move_to_assessed(app, client, auth, make_idea):
    idea = make_idea()
    with app.app_context():
        db.session.get(Idea, idea.id).stage = Stage.UNDER_REVIEW
        db.session.commit()
    auth.as_role(Role.SECRETARIAT)
    move = {"to_stage": "assessed", "rationale": "Scored by the secretariat and an expert."}
    assert client.post(f"/ideas/{idea.id}/stage", data=move).status_code == 422
    assert client.post(f"/ideas/{idea.id}/assess", data=SCORECARD).status_code == 302
    assert client.post(f"/ideas/{idea.id}/stage", data=move).status_code == 302
    with app.app_context():
        assert db.session.get(Idea, idea.id).stage is Stage.ASSESSED
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == 1
