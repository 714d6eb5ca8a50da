"""Assessment services: who may score, what a scorecard must hold, and the summary (no HTTP)."""

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea, Theme
from ideas.board.services import post_idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.workflow.assessments import (
    Scorecard,
    assess_idea,
    assessment_summary,
    assessments_of,
    my_assessment,
)
from ideas.workflow.experts import assign_expert
from ideas.workflow.models import CRITERIA, Assessment, Recommendation
from ideas.workflow.stages import Stage

pytestmark = pytest.mark.usefixtures("ctx")

SCORES = {"relevance": 4, "support": 3, "impact": 5, "results": 4, "feasibility": 2}


def user(role=Role.MEMBER) -> User:
    n = db.session.scalar(select(func.count()).select_from(User)) + 1
    row = User(email=f"u{n}@example.gc.ca", display_name=f"User {n}", password_hash="x", role=role)
    db.session.add(row)
    db.session.flush()
    return row


def idea() -> Idea:
    theme = db.session.scalar(select(Theme).where(Theme.code == "innovation"))
    return post_idea(user(), "An idea worth assessing", "Body.", theme)


def card(recommendation=Recommendation.PILOT, notes=None, **scores) -> Scorecard:
    return Scorecard({**SCORES, **scores}, recommendation, notes or {})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_only_staff_and_assigned_experts_assess(role):
    target = idea()
    with pytest.raises(PermissionDenied):
        assess_idea(target, user(role), card())
    assert (count(Assessment), count(AuditEntry)) == (0, 0)


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ADMIN])
def test_staff_assess_any_idea(role):
    target, assessor = idea(), user(role)
    assessment = assess_idea(target, assessor, card(notes={"impact": "  Big.  "}))
    assert my_assessment(target, assessor) is assessment
    assert tuple(getattr(assessment, name) for name in CRITERIA) == (4, 3, 5, 4, 2)
    assert (assessment.impact_note, assessment.relevance_note) == ("Big.", "")


def test_an_expert_assesses_only_the_idea_they_were_assigned():
    target, other, expert = idea(), idea(), user()
    assign_expert(target, expert, user(Role.SECRETARIAT))
    assess_idea(target, expert, card())
    with pytest.raises(PermissionDenied):
        assess_idea(other, expert, card())


@pytest.mark.parametrize("name", CRITERIA)
@pytest.mark.parametrize("bad", [0, 6, -1, None, True, "3", 2.5])
def test_each_score_is_a_whole_number_from_1_to_5(name, bad):
    target = idea()
    with pytest.raises(DomainError) as caught:
        assess_idea(target, user(Role.SECRETARIAT), card(**{name: bad}))
    assert caught.value.field == name
    assert count(Assessment) == 0


@pytest.mark.parametrize("bad", [None, "", "ignore"])
def test_a_recommendation_is_required(bad):
    with pytest.raises(DomainError) as caught:
        assess_idea(idea(), user(Role.SECRETARIAT), card(recommendation=bad))
    assert caught.value.field == "recommendation"
    assert count(Assessment) == 0


def test_a_note_has_a_length_limit():
    with pytest.raises(DomainError) as caught:
        assess_idea(idea(), user(Role.SECRETARIAT), card(notes={"support": "x" * 5_001}))
    assert caught.value.field == "support_note"


def test_one_scorecard_per_assessor_and_idea_updated_in_place():
    target, assessor = idea(), user(Role.SECRETARIAT)
    first = assess_idea(target, assessor, card())
    second = assess_idea(target, assessor, card(Recommendation.HOLD, impact=1))
    assert second.id == first.id
    assert count(Assessment) == 1
    assert (second.impact, second.recommendation) == (1, Recommendation.HOLD)
    actions = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(a.action, a.details["updated"], a.details["impact"]) for a in actions] == [
        ("idea.assess", False, 5),
        ("idea.assess", True, 1),
    ]


def test_a_merged_idea_is_not_assessed():
    target = idea()
    target.stage = Stage.MERGED
    with pytest.raises(DomainError):
        assess_idea(target, user(Role.SECRETARIAT), card())


def test_the_summary_without_assessments():
    summary = assessment_summary(idea())
    assert (summary.count, summary.averages, summary.recommendations) == (0, {}, {})


def test_the_summary_averages_each_criterion_rounding_half_up():
    target, elsewhere = idea(), idea()
    staff = [user(Role.SECRETARIAT) for _ in range(4)]
    # relevance 1+2+3+3 = 9 / 4 = 2.25 -> 2.3 (half up, not to even)
    # support 1+1+1+2 = 5 / 4 = 1.25 -> 1.3; impact 3+3+2+3 = 11 / 4 = 2.75 -> 2.8
    # results 5 everywhere; feasibility 1+2+2+2 = 7 / 4 = 1.75 -> 1.8
    rows = [
        (1, 1, 3, 5, 1, Recommendation.PILOT),
        (2, 1, 3, 5, 2, Recommendation.PILOT),
        (3, 1, 2, 5, 2, Recommendation.DECLINE),
        (3, 2, 3, 5, 2, Recommendation.PILOT),
    ]
    for assessor, (*scores, advice) in zip(staff, rows, strict=True):
        assess_idea(target, assessor, card(advice, **dict(zip(CRITERIA, scores, strict=True))))
    assess_idea(elsewhere, staff[0], card(Recommendation.HOLD, relevance=5))

    summary = assessment_summary(target)

    assert summary.count == 4
    assert summary.averages == {
        "relevance": 2.3,
        "support": 1.3,
        "impact": 2.8,
        "results": 5.0,
        "feasibility": 1.8,
    }
    assert summary.recommendations == {Recommendation.PILOT: 3, Recommendation.DECLINE: 1}
    assert [a.assessor_id for a in assessments_of(elsewhere)] == [staff[0].id]


def test_thirds_round_to_one_decimal():
    target = idea()
    for relevance in (1, 1, 2):
        assess_idea(
            target, user(Role.SECRETARIAT), card(relevance=relevance, support=relevance + 1)
        )
    averages = assessment_summary(target).averages
    assert (averages["relevance"], averages["support"]) == (1.3, 2.3)
