"""Official responses: who may post, what is stored, responded_at, audit and notifications."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from ideas.accounts.models import Role
from ideas.accounts.services import set_role
from ideas.audit.models import AuditEntry
from ideas.board.idea_page import _PROVIDERS
from ideas.board.models import Idea
from ideas.board.services import IdeaFilters, follow_idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.timeutil import utcnow
from ideas.workflow.models import OfficialResponse
from ideas.workflow.responses import (
    RESPONSE_MAX,
    official_responses,
    post_official_response,
)
from ideas.workflow.stages import Stage
from ideas.workflow.triage import Bucket, bucket_counts
from ideas.workflow.views.responses import responses_panel

pytestmark = pytest.mark.usefixtures("ctx")

BODY = "We will **pilot** this in two regions.\n\n<script>alert(1)</script>"


def stored_responded_at(idea):
    return db.session.scalar(select(Idea.responded_at).where(Idea.id == idea.id))


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.EXECUTIVE, Role.ADMIN])
def test_staff_and_executives_post_responses(make_idea, make_user, role):
    idea, responder = make_idea(), make_user(role=role)
    response = post_official_response(idea, responder, BODY)
    db.session.commit()

    row = db.session.get(OfficialResponse, response.id)
    assert (row.idea_id, row.author_id, row.author_role) == (idea.id, responder.id, role)
    assert row.body == BODY
    assert "<strong>pilot</strong>" in row.body_html
    assert "<script" not in row.body_html


def test_members_cannot_respond(make_idea, make_user):
    idea = make_idea()
    with pytest.raises(PermissionDenied):
        post_official_response(idea, make_user(), BODY)
    assert official_responses(idea) == []
    assert stored_responded_at(idea) is None


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * (RESPONSE_MAX + 1)])
def test_empty_or_overlong_responses_are_refused(make_idea, make_user, body):
    idea = make_idea()
    with pytest.raises(DomainError) as caught:
        post_official_response(idea, make_user(role=Role.SECRETARIAT), body)
    assert caught.value.field == "body"
    assert official_responses(idea) == []


def test_the_longest_allowed_response_is_accepted(make_idea, make_user):
    response = post_official_response(
        make_idea(), make_user(role=Role.SECRETARIAT), "y" * RESPONSE_MAX
    )
    assert len(response.body) == RESPONSE_MAX


def test_merged_duplicates_take_no_response(make_idea, make_user):
    idea = make_idea()
    idea.stage = Stage.MERGED
    db.session.commit()
    with pytest.raises(DomainError):
        post_official_response(idea, make_user(role=Role.SECRETARIAT), BODY)


def test_the_first_response_sets_responded_at_once(make_idea, make_user):
    idea, staff = make_idea(), make_user(role=Role.SECRETARIAT)
    before = utcnow()
    first = post_official_response(idea, staff, "First answer.")
    db.session.commit()
    answered = stored_responded_at(idea)
    assert answered == first.created_at
    assert before <= answered <= utcnow()
    assert idea.responded_at == answered  # the ORM object was refreshed

    post_official_response(idea, make_user(role=Role.EXECUTIVE), "A later answer.")
    db.session.commit()
    assert stored_responded_at(idea) == answered


def test_a_response_clears_the_idea_from_the_awaiting_bucket(make_idea, make_user):
    idea = make_idea()
    idea.threshold_reached_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert bucket_counts(IdeaFilters())[Bucket.AWAITING] == 1

    post_official_response(idea, make_user(role=Role.EXECUTIVE), "Here is our answer.")
    db.session.commit()
    counts = bucket_counts(IdeaFilters())
    assert (counts[Bucket.AWAITING], counts[Bucket.OVERDUE]) == (0, 0)


def test_the_role_is_a_snapshot(make_idea, make_user):
    idea, responder = make_idea(), make_user(role=Role.EXECUTIVE)
    post_official_response(idea, responder, BODY)
    db.session.commit()
    set_role(responder, Role.MEMBER)
    db.session.commit()
    [response] = official_responses(idea)
    assert response.author_role is Role.EXECUTIVE
    assert response.author_role.label == "Executive"


def test_the_response_is_audited(make_idea, make_user):
    idea, staff = make_idea(), make_user(role=Role.SECRETARIAT)
    response = post_official_response(idea, staff, BODY)
    db.session.commit()
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "idea.official_response")
    )
    assert (entry.actor_id, entry.idea_id, entry.target_type, entry.target_id) == (
        staff.id,
        idea.id,
        "official_response",
        response.id,
    )


def test_author_and_followers_are_notified_but_not_the_responder(make_idea, make_user):
    author, follower, bystander = make_user(), make_user(), make_user()
    responder = make_user(role=Role.SECRETARIAT)
    idea = make_idea(author=author)
    follow_idea(follower, idea)
    follow_idea(responder, idea)
    db.session.commit()

    response = post_official_response(idea, responder, BODY)
    db.session.commit()
    rows = db.session.execute(
        select(Notification.user_id, Notification.idea_id, Notification.actor_id, Notification.data)
        .where(Notification.kind == "official_response")
        .order_by(Notification.user_id)
    ).all()
    assert [row.user_id for row in rows] == sorted([author.id, follower.id])
    assert bystander.id not in [row.user_id for row in rows]
    assert all(row.idea_id == idea.id and row.actor_id == responder.id for row in rows)
    assert all(row.data == {"response_id": response.id} for row in rows)


def test_the_idea_page_panel_lists_responses_oldest_first(make_idea, make_user):
    idea, staff = make_idea(), make_user(role=Role.SECRETARIAT)
    first = post_official_response(idea, staff, "First.")
    second = post_official_response(idea, staff, "Second.")
    # Same second on a coarse clock: the id keeps the order stable.
    second.created_at = first.created_at
    db.session.commit()
    assert responses_panel in _PROVIDERS  # registered for the idea page
    context = responses_panel(idea, staff)
    assert [r.id for r in context["official_responses"]] == [first.id, second.id]
    assert set(context) == {"official_responses"}
