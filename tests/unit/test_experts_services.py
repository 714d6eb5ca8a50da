"""Expert services: assigning and removing experts, who is told, what is audited (no HTTP)."""

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea, Theme
from ideas.board.services import post_idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.workflow.experts import (
    assign_expert,
    assign_expert_by_email,
    experts_of,
    remove_expert,
)
from ideas.workflow.models import ExpertAssignment
from ideas.workflow.permissions import can_assess, is_expert_for

pytestmark = pytest.mark.usefixtures("ctx")


def user(role=Role.MEMBER, email=None) -> User:
    n = db.session.scalar(select(func.count()).select_from(User)) + 1
    row = User(
        email=email or f"u{n}@example.gc.ca", display_name=f"User {n}", password_hash="x", role=role
    )
    db.session.add(row)
    db.session.flush()
    return row


def idea(author=None) -> Idea:
    theme = db.session.scalar(select(Theme).where(Theme.code == "innovation"))
    return post_idea(author or user(), "An idea needing experts", "Body.", theme)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ADMIN])
def test_staff_assign_an_expert_who_is_told_and_may_then_assess(role):
    target, expert, staff = idea(), user(), user(role)
    notifications_before = count(Notification)
    assert not can_assess(expert, target)

    assignment = assign_expert(target, expert, staff)

    assert (assignment.idea_id, assignment.user_id, assignment.assigned_by_id) == (
        target.id,
        expert.id,
        staff.id,
    )
    assert is_expert_for(expert, target) and can_assess(expert, target)
    assert [a.user_id for a in experts_of(target)] == [expert.id]
    notes = db.session.scalars(select(Notification)).all()
    assert count(Notification) == notifications_before + 1
    assert [(n.user_id, n.kind, n.idea_id, n.actor_id) for n in notes] == [
        (expert.id, "expert_assigned", target.id, staff.id)
    ]
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.idea_id, entry.target_type, entry.target_id) == (
        "idea.assign_expert",
        staff.id,
        target.id,
        "user",
        expert.id,
    )


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_others_cannot_assign_or_remove(role):
    target, expert, staff = idea(), user(), user(Role.SECRETARIAT)
    with pytest.raises(PermissionDenied):
        assign_expert(target, expert, user(role))
    with pytest.raises(PermissionDenied):
        assign_expert_by_email(target, expert.email, user(role))
    assign_expert(target, expert, staff)
    with pytest.raises(PermissionDenied):
        remove_expert(target, expert, user(role))
    assert count(ExpertAssignment) == 1


def test_by_email_ignores_case_and_spaces_and_names_unknown_addresses():
    target, staff = idea(), user(Role.SECRETARIAT)
    expert = user(email="grace@example.gc.ca")
    assert assign_expert_by_email(target, " Grace@Example.gc.ca ", staff).user_id == expert.id
    for unknown in ("nobody@example.gc.ca", "", None):
        with pytest.raises(DomainError) as caught:
            assign_expert_by_email(target, unknown, staff)
        assert caught.value.field == "email"


def test_no_second_assignment_no_author_no_deactivated_account():
    author = user()
    target, staff, expert, gone = idea(author), user(Role.SECRETARIAT), user(), user()
    gone.active = False
    assign_expert(target, expert, staff)
    for who in (expert, author, gone):
        with pytest.raises(DomainError) as caught:
            assign_expert(target, who, staff)
        assert caught.value.field == "email"
    assert count(ExpertAssignment) == 1


def test_removing_an_expert_is_audited_and_ends_their_right_to_assess():
    target, expert, staff = idea(), user(), user(Role.ADMIN)
    assign_expert(target, expert, staff)
    remove_expert(target, expert, staff)
    assert not can_assess(expert, target)
    assert experts_of(target) == []
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.target_id) == ("idea.remove_expert", expert.id)
    with pytest.raises(DomainError):
        remove_expert(target, expert, staff)


def test_experts_of_lists_only_this_idea_oldest_first():
    target, other, staff = idea(), idea(), user(Role.SECRETARIAT)
    first, second, elsewhere = user(), user(), user()
    assign_expert(target, first, staff)
    assign_expert(target, second, staff)
    assign_expert(other, elsewhere, staff)
    assert [a.user_id for a in experts_of(target)] == [first.id, second.id]
