"""Assessment scorecards: five criteria scored 1-5 and a recommendation, one per assessor."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from ideas.accounts.models import User
from ideas.audit.services import record
from ideas.board.idea_page import idea_has, idea_probe
from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.timeutil import utcnow
from ideas.workflow.models import CRITERIA, Assessment, Recommendation
from ideas.workflow.permissions import can_assess
from ideas.workflow.stages import Stage

SCORE_MIN, SCORE_MAX = 1, 5
NOTE_MAX = 5_000

# The five criteria departments weighed when assessing Blueprint 2020 ideas.
CRITERION_LABELS = {
    "relevance": _l("Relevance to the vision and to public servants"),
    "support": _l("Stakeholder support"),
    "impact": _l("Impact"),
    "results": _l("Expected results"),
    "feasibility": _l("Feasibility"),
}

RECOMMENDATION_LABELS = {
    Recommendation.PILOT: _l("Pilot it"),
    Recommendation.IMPLEMENT: _l("Implement it directly"),
    Recommendation.DECLINE: _l("Decline it"),
    Recommendation.HOLD: _l("Put it on hold"),
}


@dataclass(frozen=True)
class Scorecard:
    """What an assessor submits: a score and an optional note per criterion, a recommendation."""

    scores: Mapping[str, int | None]
    recommendation: Recommendation | None
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AssessmentSummary:
    """What every member sees: how many scorecards, the average of each criterion, the advice."""

    count: int
    averages: dict[str, float]
    recommendations: dict[Recommendation, int]


def _checked_score(name: str, score) -> int:
    if (
        isinstance(score, bool)
        or not isinstance(score, int)
        or not (SCORE_MIN <= score <= SCORE_MAX)
    ):
        raise DomainError(
            _l("Choose a score from %(low)d to %(high)d.", low=SCORE_MIN, high=SCORE_MAX),
            field=name,
        )
    return score


def _checked_note(name: str, note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise DomainError(
            _l("A note can have at most %(count)d characters.", count=NOTE_MAX),
            field=f"{name}_note",
        )
    return text


def my_assessment(idea: Idea, user: User | None) -> Assessment | None:
    """The scorecard this user filled in for the idea, if any."""
    if user is None or not user.is_authenticated or not idea_has(idea, "assessments"):
        return None
    return db.session.scalar(
        select(Assessment).where(Assessment.idea_id == idea.id, Assessment.assessor_id == user.id)
    )


def is_assessable(idea: Idea) -> bool:
    """A merged duplicate is closed: its target is the idea to assess."""
    return idea.stage is not Stage.MERGED


def assess_idea(idea: Idea, actor: User, card: Scorecard) -> Assessment:
    """Record the actor's scorecard for the idea, or update it if they already filled one in."""
    if not can_assess(actor, idea):
        raise PermissionDenied(_l("Only secretariat staff and the idea's experts assess it."))
    if not is_assessable(idea):
        raise DomainError(_l("This idea was merged into another one: assess that one instead."))
    scores = {name: _checked_score(name, card.scores.get(name)) for name in CRITERIA}
    notes = {name: _checked_note(name, card.notes.get(name)) for name in CRITERIA}
    if card.recommendation not in tuple(Recommendation):
        raise DomainError(_l("Choose a recommendation."), field="recommendation")
    recommendation = Recommendation(card.recommendation)

    now = utcnow()
    assessment = my_assessment(idea, actor)
    created = assessment is None
    if created:
        assessment = Assessment(idea_id=idea.id, assessor_id=actor.id, created_at=now)
        db.session.add(assessment)
    for name in CRITERIA:
        setattr(assessment, name, scores[name])
        setattr(assessment, f"{name}_note", notes[name])
    assessment.recommendation = recommendation
    assessment.updated_at = now
    db.session.flush()
    record(
        actor,
        "idea.assess",
        idea_id=idea.id,
        target_type="assessment",
        target_id=assessment.id,
        updated=not created,
        recommendation=recommendation,
        **scores,
    )
    return assessment


def _average(total, count: int) -> float:
    """The mean rounded half up to one decimal (2.25 shows as 2.3, as people round)."""
    mean = Decimal(int(total)) / Decimal(count)
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


idea_probe(
    "assessments",
    lambda idea_id: select(Assessment.id).where(Assessment.idea_id == idea_id).exists(),
)


def assessment_summary(idea: Idea) -> AssessmentSummary:
    """The number of scorecards, the average per criterion and the count of each recommendation."""
    if not idea_has(idea, "assessments"):
        return AssessmentSummary(count=0, averages={}, recommendations={})
    # Sums rather than AVG: exact integers on every backend, rounded the same way here.
    row = db.session.execute(
        select(
            func.count(Assessment.id),
            *(func.coalesce(func.sum(getattr(Assessment, name)), 0) for name in CRITERIA),
            *(
                func.coalesce(func.sum(case((Assessment.recommendation == choice, 1), else_=0)), 0)
                for choice in Recommendation
            ),
        ).where(Assessment.idea_id == idea.id)
    ).one()
    count = int(row[0])
    sums = row[1 : 1 + len(CRITERIA)]
    advice = row[1 + len(CRITERIA) :]
    return AssessmentSummary(
        count=count,
        averages={name: _average(total, count) for name, total in zip(CRITERIA, sums, strict=True)}
        if count
        else {},
        recommendations={
            choice: int(n) for choice, n in zip(Recommendation, advice, strict=True) if n
        },
    )


def assessments_of(idea: Idea) -> list[Assessment]:
    """Every scorecard of the idea, most recently updated first (for assessors to compare)."""
    return list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.idea_id == idea.id)
            .order_by(Assessment.updated_at.desc(), Assessment.id.desc())
        )
    )
