"""The demo's workflow: ideas walked through their stages by the real services.

Everything goes through the same services the pages use (move_stage, assess_idea,
merge_ideas...), so the demo's history, audit log, notifications and counters are what
the product itself would have written. Only the dates are moved back afterwards, so the
history reads like a six-month campaign.
"""

import random
from datetime import timedelta
from itertools import pairwise

from sqlalchemy import select

from ideas.accounts.models import Department, Role, User
from ideas.board.models import Comment, Idea
from ideas.board.services import post_comment
from ideas.extensions import db
from ideas.moderation.services import flag_content
from ideas.timeutil import utcnow
from ideas.workflow.assessments import Scorecard, assess_idea
from ideas.workflow.experts import assign_expert
from ideas.workflow.merges import merge_ideas
from ideas.workflow.models import CRITERIA, PilotOutcome, Recommendation
from ideas.workflow.pilots import PilotPlan, PilotResult
from ideas.workflow.progress import record_progress
from ideas.workflow.responses import post_official_response
from ideas.workflow.services import move_stage
from ideas.workflow.stages import MAIN_PATH, Stage
from ideas.workflow.triage import assign_reviewer

RATIONALES = {
    Stage.UNDER_REVIEW: "The secretariat is reviewing this idea with the owning branch.",
    Stage.ASSESSED: "Assessed against relevance, support, impact, results and feasibility.",
    Stage.PILOTED: "A three-month pilot is running with two volunteer teams.",
    Stage.IMPLEMENTED: "Rolled out to all teams after a successful pilot; thank you all.",
    Stage.DECLINED: "Declined: the cost outweighs the expected benefit at this time.",
    Stage.ON_HOLD: "On hold until the related system replacement is complete.",
}
RESPONSES = [
    "Thank you for this idea and for the support it received. The secretariat has asked "
    "the owning branch for an assessment, and we will report back here within a month.",
    "Merci de cette idée. Elle rejoint une priorité du plan ministériel; un projet pilote "
    "est envisagé pour le prochain trimestre.",
    "We agree with the problem described. Part of this is already under way in the "
    "**digital workplace** programme; we will link the two and keep you posted.",
]
MILESTONES = [
    "Project team formed with members from three branches",
    "Requirements gathered from 120 employees in four regions",
    "First version available to volunteer teams",
    "Rolled out to every branch of the department",
]


def _dated(change, when) -> None:
    """Move a history row, and the idea's time in stage, back to the simulated date."""
    change.created_at = when
    db.session.get(Idea, change.idea_id).stage_changed_at = when


def _assess(rng: random.Random, idea: Idea, assessors: list[User]) -> None:
    for assessor in assessors:
        scores = {name: rng.randint(2, 5) for name in CRITERIA}
        recommendation = rng.choice([Recommendation.PILOT, Recommendation.IMPLEMENT])
        assess_idea(idea, assessor, Scorecard(scores=scores, recommendation=recommendation))


def _walk(rng: random.Random, idea: Idea, staff: list[User], departments: list) -> None:
    """Move an idea some way along the main path, or out by a side exit."""
    roll = rng.random()
    steps = 0 if roll < 0.45 else 1 if roll < 0.65 else 2 if roll < 0.8 else 3 if roll < 0.9 else 4
    path = list(MAIN_PATH[: steps + 1])
    if 1 <= steps < len(MAIN_PATH) - 1 and rng.random() < 0.25:
        path.append(rng.choice([Stage.DECLINED, Stage.ON_HOLD]))
    when = idea.created_at
    now = utcnow()
    for previous, stage in pairwise(path):
        when = min(when + timedelta(days=rng.randint(3, 20)), now)
        actor = rng.choice(staff)
        options = {}
        if stage is Stage.ASSESSED:
            _assess(rng, idea, rng.sample(staff, 2))
        if stage is Stage.PILOTED:
            options["pilot"] = PilotPlan(
                hypothesis="Teams that try this for three months save time without "
                "lowering service quality.",
                success_measure="Hours saved per employee per month, and client "
                "satisfaction unchanged or better.",
                lead_department=rng.choice(departments),
                starts_on=when.date(),
                ends_on=(when + timedelta(days=90)).date(),
            )
        if previous is Stage.PILOTED:
            succeeded = stage is Stage.IMPLEMENTED
            options["outcome"] = PilotResult(
                outcome=PilotOutcome.SUCCEEDED if succeeded else PilotOutcome.INCONCLUSIVE,
                findings="Teams saved about two hours a week; clients noticed no difference."
                if succeeded
                else "Too few teams took part to tell; the results were mixed.",
            )
        _dated(move_stage(idea, stage, actor, RATIONALES[stage], **options), when)
    if idea.stage in (Stage.PILOTED, Stage.IMPLEMENTED):
        _record_progress(rng, idea, rng.choice(staff), when)


def _record_progress(rng: random.Random, idea: Idea, actor: User, since) -> None:
    count = 4 if idea.stage is Stage.IMPLEMENTED else rng.randint(1, 3)
    today = utcnow().date()
    for step, text in enumerate(MILESTONES[:count], start=1):
        happened = min(since.date() + timedelta(days=15 * step), today)
        progress = 100 if step == 4 else 25 * step
        record_progress(idea, actor, progress, text, happened)


def _merge_duplicates(rng: random.Random, staff: list[User]) -> None:
    """Merge a few of the demo's near-identical ideas ("... (2)") into their originals."""
    mergeable = (Stage.PROPOSED, Stage.UNDER_REVIEW, Stage.ON_HOLD, Stage.DECLINED)
    for duplicate in db.session.scalars(
        select(Idea).where(Idea.title.like("% (2)"), Idea.stage.in_(mergeable)).limit(3)
    ):
        original_title = duplicate.title.removesuffix(" (2)")
        target = db.session.scalar(
            select(Idea).where(Idea.title == original_title, Idea.stage != Stage.MERGED)
        )
        if target is not None and target.id != duplicate.id:
            merge_ideas(
                duplicate,
                target,
                rng.choice(staff),
                "Same proposal as the earlier idea; merged so the support counts together.",
            )


def _respond(rng: random.Random, responders: list[User]) -> None:
    """Answer about half of the ideas owed a response; leave the rest for the triage queue."""
    owed = db.session.scalars(
        select(Idea)
        .where(Idea.threshold_reached_at.is_not(None), Idea.stage != Stage.MERGED)
        .order_by(Idea.up_count.desc())
    ).all()
    for index, idea in enumerate(owed):
        # The threshold was crossed a while after posting, not during the seeding.
        idea.threshold_reached_at = idea.created_at + timedelta(days=rng.randint(2, 20))
        if index % 2 == 0:
            post_official_response(idea, rng.choice(responders), rng.choice(RESPONSES))


def _experts_and_reviewers(rng: random.Random, users: list[User], staff: list[User]) -> None:
    members = [u for u in users if u.role is Role.MEMBER]
    in_review = db.session.scalars(select(Idea).where(Idea.stage == Stage.UNDER_REVIEW)).all()
    for idea in in_review[:6]:
        expert = rng.choice([m for m in members if m.id != idea.author_id])
        assign_expert(idea, expert, rng.choice(staff))
        post_comment(
            expert,
            idea,
            "From the field: our region tried a version of this in 2024. It worked "
            "where managers set aside time for it.",
        )
    proposed = db.session.scalars(select(Idea).where(Idea.stage == Stage.PROPOSED)).all()
    assign_reviewer(proposed[:8], staff[0], staff[-1])


def _reports(rng: random.Random, users: list[User]) -> None:
    """A few reports for the moderation queue, one of which hides a comment on its own."""
    comments = db.session.scalars(
        select(Comment).where(Comment.hidden.is_(False)).order_by(Comment.id).limit(40)
    ).all()
    for comment, reporters in ((comments[5], 1), (comments[17], 2), (comments[29], 3)):
        candidates = [u for u in users if u.id != comment.author_id]
        for reporter in rng.sample(candidates, reporters):
            flag_content(
                reporter,
                db.session.get(Idea, comment.idea_id),
                comment,
                reason="This is off topic and repeats other comments.",
            )


def run_workflow(rng: random.Random, users: list[User], departments: list[Department]) -> None:
    """Walk the demo ideas through triage, assessment, pilots, merges, responses and reports."""
    staff = [u for u in users if u.role in (Role.SECRETARIAT, Role.ADMIN)]
    responders = staff + [u for u in users if u.role is Role.EXECUTIVE]
    for idea in db.session.scalars(select(Idea).order_by(Idea.id)).all():
        _walk(rng, idea, staff, departments)
    db.session.flush()
    _merge_duplicates(rng, staff)
    _respond(rng, responders)
    _experts_and_reviewers(rng, users, staff)
    _reports(rng, users)
    db.session.flush()
