"""Workflow models: stage history, assessments, experts, pilots, milestones, responses."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.accounts.models import Department, Role, User
from ideas.dbtypes import enum_column
from ideas.extensions import db
from ideas.timeutil import utcnow
from ideas.workflow.stages import Stage


class StageChange(db.Model):
    """Who moved an idea, when, from which stage to which, and why."""

    __tablename__ = "stage_change"
    __table_args__ = (Index("ix_stage_change_idea_id_created_at", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    # None for the creation row: the idea came into being in its first stage.
    from_stage: Mapped[Stage | None] = mapped_column(enum_column(Stage, "from_stage"))
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "to_stage"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    rationale: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class StageTally(db.Model):
    """How many ideas stand in each stage, hidden or not, kept exact by database triggers.

    The triage queue reads its count of new ideas here (one row) instead of counting the
    tens of thousands of proposed ideas of a large backlog on every view. Triggers on the
    idea table (migration 0013) keep it right through every write, bulk UPDATEs included;
    nothing in Python writes it.
    """

    __tablename__ = "stage_tally"

    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), primary_key=True)
    hidden: Mapped[bool] = mapped_column(primary_key=True)
    ideas: Mapped[int]


class Recommendation(enum.StrEnum):
    """What an assessor recommends doing with the idea."""

    PILOT = "pilot"
    IMPLEMENT = "implement"
    DECLINE = "decline"
    HOLD = "hold"


class PilotOutcome(enum.StrEnum):
    """How a pilot ended."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"


# The five criteria departments weighed when assessing Blueprint 2020 ideas.
CRITERIA = ("relevance", "support", "impact", "results", "feasibility")


def _score_check(name: str) -> CheckConstraint:
    return CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_is_1_to_5")


class Assessment(db.Model):
    """One assessor's scorecard for an idea: five criteria scored 1-5 and a recommendation."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("idea_id", "assessor_id", name="uq_assessment_idea_id_assessor_id"),
        *(_score_check(name) for name in CRITERIA),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    assessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    relevance: Mapped[int] = mapped_column(SmallInteger)
    relevance_note: Mapped[str] = mapped_column(Text, default="")
    support: Mapped[int] = mapped_column(SmallInteger)
    support_note: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[int] = mapped_column(SmallInteger)
    impact_note: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[int] = mapped_column(SmallInteger)
    results_note: Mapped[str] = mapped_column(Text, default="")
    feasibility: Mapped[int] = mapped_column(SmallInteger)
    feasibility_note: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[Recommendation] = mapped_column(
        enum_column(Recommendation, "recommendation")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessor: Mapped[User | None] = relationship(lazy="joined")


class ExpertAssignment(db.Model):
    """A member the secretariat asked to assess an idea (Blueprint 2020's "tiger teams")."""

    __tablename__ = "expert_assignment"

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])


class Pilot(db.Model):
    """An experiment run on an idea before rolling it out, and how it ended."""

    __tablename__ = "pilot"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    hypothesis: Mapped[str] = mapped_column(Text)
    success_measure: Mapped[str] = mapped_column(Text)
    lead_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    outcome: Mapped[PilotOutcome | None] = mapped_column(enum_column(PilotOutcome, "outcome"))
    findings: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    concluded_at: Mapped[datetime | None]

    lead_department: Mapped[Department | None] = relationship(lazy="joined")


class Milestone(db.Model):
    """A dated step in implementing an idea: what was done, and who recorded it."""

    __tablename__ = "milestone"
    __table_args__ = (Index("ix_milestone_idea_id_happened_on", "idea_id", "happened_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    happened_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User | None] = relationship(lazy="joined")


class OfficialResponse(db.Model):
    """The organisation's answer to an idea, pinned above the comments."""

    __tablename__ = "official_response"
    __table_args__ = (Index("ix_official_response_idea_id_created_at", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The responder's role when they answered, so a later role change does not rewrite it.
    author_role: Mapped[Role] = mapped_column(enum_column(Role, "author_role"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
