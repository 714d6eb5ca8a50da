"""Privacy services: the member's data archive and account deletion by anonymisation."""

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from ideas.accounts.models import Role, User
from ideas.accounts.services import authenticate
from ideas.audit.models import AuditEntry
from ideas.board.models import Comment, Follow, Idea, Theme, Vote
from ideas.board.services import cast_vote, follow_idea, post_comment, post_idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.groups.models import Group, Membership
from ideas.groups.services import join_group
from ideas.moderation.services import flag_content
from ideas.notifications.models import Notification
from ideas.privacy import services as privacy
from ideas.privacy.services import delete_account, export_member_data
from ideas.web import transaction
from ideas.workflow.experts import assign_expert
from ideas.workflow.models import ExpertAssignment
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.conftest import PASSWORD, theme_id

pytestmark = pytest.mark.usefixtures("ctx")

RATIONALE = "Reviewed at the weekly triage meeting with the policy team."


@dataclass
class Scene:
    """A member with a bit of everything, among other people who did things too."""

    member: User
    other: User
    staff: User
    admin: User
    own_idea: Idea
    other_idea: Idea
    group: Group
    comment: Comment


def build_scene(make_user, make_department, make_group) -> Scene:
    """The member posts, comments, votes, follows, joins, reports and gets notified."""
    department = make_department("Public Safety Canada")
    member = make_user(
        email="jane.member@example.gc.ca", display_name="Jane Member", department=department
    )
    other = make_user(email="omar.other@example.gc.ca", display_name="Omar Other")
    staff = make_user(Role.SECRETARIAT, email="sam.staff@example.gc.ca", display_name="Sam Staff")
    admin = make_user(Role.ADMIN, email="ada.admin@example.gc.ca", display_name="Ada Admin")
    group = make_group(creator=other, name="Open data circle")
    theme = db.session.get(Theme, theme_id())
    own_idea = post_idea(member, "Share meeting rooms across floors", "Rooms sit empty.", theme)
    other_idea = post_idea(other, "Publish open datasets weekly", "By **Omar**.", theme)
    db.session.flush()
    comment = post_comment(member, other_idea, "Weekly is a good rhythm.")
    post_comment(other, own_idea, "I like it, Jane.")
    cast_vote(member, other_idea, 1)
    cast_vote(other, own_idea, 1)
    cast_vote(staff, own_idea, -1)
    follow_idea(member, other_idea)
    join_group(member, group)
    flag_content(member, other_idea, reason="Mentions a colleague by name.")
    # Notifications to the member, caused by other people.
    move_stage(own_idea, Stage.UNDER_REVIEW, staff, RATIONALE)
    assign_expert(other_idea, member, staff)
    db.session.commit()
    return Scene(member, other, staff, admin, own_idea, other_idea, group, comment)


@pytest.fixture
def scene(make_user, make_department, make_group) -> Scene:
    """The scene, committed."""
    return build_scene(make_user, make_department, make_group)


def test_archive_holds_the_members_own_data(scene):
    archive = export_member_data(scene.member)

    assert archive["format"] == "ideas-member-data"
    profile = archive["profile"]
    assert profile["email"] == "jane.member@example.gc.ca"
    assert profile["display_name"] == "Jane Member"
    assert profile["department"] == "Public Safety Canada"
    assert [idea["title"] for idea in archive["ideas"]] == ["Share meeting rooms across floors"]
    assert archive["ideas"][0]["votes_for"] == 1 and archive["ideas"][0]["votes_against"] == 1
    assert [c["body"] for c in archive["comments"]] == ["Weekly is a good rhythm."]
    assert archive["votes"] == [
        {
            "idea_id": scene.other_idea.id,
            "idea_title": "Publish open datasets weekly",
            "vote": "for",
            "created_at": archive["votes"][0]["created_at"],
            "updated_at": archive["votes"][0]["updated_at"],
        }
    ]
    # Posting follows your own idea; the other one was followed by hand.
    assert {f["idea_id"] for f in archive["follows"]} == {scene.own_idea.id, scene.other_idea.id}
    assert [m["group"] for m in archive["group_memberships"]] == ["Open data circle"]
    kinds = sorted(n["kind"] for n in archive["notifications"])
    assert kinds == ["expert_assigned", "stage_moved"]
    moved = next(n for n in archive["notifications"] if n["kind"] == "stage_moved")
    assert moved["details"] == {"from_stage": "proposed", "to_stage": "under_review"}
    assert [r["reason"] for r in archive["reports"]] == ["Mentions a colleague by name."]


def test_archive_holds_nobody_elses_personal_data(scene):
    text = json.dumps(export_member_data(scene.member), ensure_ascii=False)

    for person in (scene.other, scene.staff, scene.admin):
        assert person.email not in text
        assert person.display_name not in text
    # Other people's words stay out too: their comment on the member's idea, their idea text.
    assert "I like it, Jane." not in text
    assert "By **Omar**." not in text
    # No other person's account number under any key.
    for key in ("actor_id", "user_id", "author_id", "assigned_by_id"):
        assert f'"{key}"' not in text


def test_archive_of_another_member_does_not_include_this_member(scene):
    text = json.dumps(export_member_data(scene.other), ensure_ascii=False)

    assert "jane.member@example.gc.ca" not in text
    assert "Jane Member" not in text
    assert "Weekly is a good rhythm." not in text


def counters(idea_id: int) -> dict:
    row = db.session.execute(
        select(Idea.up_count, Idea.down_count, Idea.wilson, Idea.hot, Idea.controversy).where(
            Idea.id == idea_id
        )
    ).one()
    return row._asdict()


def test_deleting_anonymises_and_keeps_content_and_votes(scene):
    member_id, old_token = scene.member.id, scene.member.session_token
    before = {i: counters(i) for i in (scene.own_idea.id, scene.other_idea.id)}
    followers = scene.other_idea.follower_count
    group_members = scene.group.member_count

    with transaction():
        delete_account(scene.member, actor=scene.member)
    db.session.expire_all()

    user = db.session.get(User, member_id)
    assert "@" not in user.email and "jane" not in user.email
    assert user.display_name == ""
    assert user.department_id is None and user.locale == "en" and user.role is Role.MEMBER
    assert user.deleted_at is not None and user.active is False
    assert user.session_token != old_token
    assert not check_password_hash(user.password_hash, PASSWORD)
    assert authenticate("jane.member@example.gc.ca", PASSWORD) is None
    assert user.public_name == "a former member"
    # Content stays with its author row; votes keep counting.
    assert db.session.get(Idea, scene.own_idea.id).author_id == member_id
    assert db.session.get(Comment, scene.comment.id).author_id == member_id
    assert db.session.get(Vote, {"idea_id": scene.other_idea.id, "user_id": member_id}).value == 1
    assert {i: counters(i) for i in before} == before
    # Ties to people and groups are gone, and the counters they fed follow.
    for model in (Follow, Membership, Notification, ExpertAssignment):
        assert db.session.scalar(select(func.count()).where(model.user_id == member_id)) == 0
    assert db.session.get(Idea, scene.other_idea.id).follower_count == followers - 1
    assert db.session.get(Group, scene.group.id).member_count == group_members - 1


def test_deletion_is_audited_without_personal_data(scene):
    member_id = scene.member.id
    with transaction():
        delete_account(scene.member, actor=scene.member)

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert entry.actor_id == member_id
    assert (entry.target_type, entry.target_id) == ("user", member_id)
    assert entry.details["by_administrator"] is False
    assert entry.details["follows"] == 2 and entry.details["groups"] == 1
    text = json.dumps(entry.details)
    assert "jane" not in text.lower() and "@" not in text


def test_an_administrator_deletes_on_request_with_a_reason(scene):
    member_id = scene.member.id
    with pytest.raises(DomainError) as error:
        delete_account(scene.member, actor=scene.admin, reason="short")
    assert error.value.field == "reason"
    db.session.rollback()

    with transaction():
        delete_account(scene.member, actor=scene.admin, reason="Request REQ-2026-114 by email.")

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert entry.actor_id == scene.admin.id and entry.target_id == member_id
    assert entry.details["by_administrator"] is True
    assert entry.details["reason"] == "Request REQ-2026-114 by email."
    assert db.session.get(User, member_id).deleted_at is not None


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SECRETARIAT, Role.EXECUTIVE])
def test_only_administrators_delete_other_accounts(scene, make_user, role):
    someone = make_user(role)
    with pytest.raises(PermissionDenied):
        delete_account(scene.member, actor=someone, reason="Because I would like to.")
    db.session.rollback()
    assert db.session.get(User, scene.member.id).deleted_at is None


def test_a_deleted_account_cannot_be_deleted_again(scene):
    with transaction():
        delete_account(scene.member, actor=scene.member)
    with pytest.raises(PermissionDenied):
        delete_account(scene.member, actor=scene.admin, reason="A second request, by mistake.")


def test_the_last_administrator_cannot_delete_their_account(scene, make_user):
    with pytest.raises(DomainError):
        delete_account(scene.admin, actor=scene.admin)
    db.session.rollback()
    second = make_user(Role.ADMIN)
    with transaction():
        delete_account(db.session.get(User, scene.admin.id), actor=second, reason="Left the team.")
    assert db.session.get(User, scene.admin.id).deleted_at is not None


def test_the_email_becomes_free_for_a_new_account(scene, make_user):
    with transaction():
        delete_account(scene.member, actor=scene.member)
    again = make_user(email="jane.member@example.gc.ca")
    assert again.id != scene.member.id


def test_a_failure_half_way_leaves_nothing_done(scene, monkeypatch):
    member_id = scene.member.id

    def fail(*_args, **_kwargs):
        raise RuntimeError("disk full while writing the audit entry")

    # The audit entry is the last step: by then follows, memberships and notifications are
    # deleted and the row anonymised in the session. All of it must roll back.
    monkeypatch.setattr(privacy, "record", fail)
    with pytest.raises(RuntimeError), transaction():
        delete_account(scene.member, actor=scene.member)
    db.session.expire_all()

    user = db.session.get(User, member_id)
    assert user.email == "jane.member@example.gc.ca" and user.deleted_at is None
    assert user.display_name == "Jane Member"
    assert db.session.scalar(select(func.count()).where(Follow.user_id == member_id)) == 2
    assert db.session.scalar(select(func.count()).where(Membership.user_id == member_id)) == 1
    assert db.session.scalar(select(func.count()).where(Notification.user_id == member_id)) == 2
    assert db.session.get(Idea, scene.other_idea.id).follower_count == 2


def test_a_group_whose_only_admin_leaves_gets_a_new_admin(scene, make_group, make_user):
    group = make_group(creator=scene.member, name="Car-pooling")
    follower = make_user()
    join_group(follower, group)
    db.session.commit()

    with transaction():
        delete_account(scene.member, actor=scene.member)

    membership = db.session.get(Membership, {"group_id": group.id, "user_id": follower.id})
    assert membership.is_group_admin
    assert db.session.get(Group, group.id).member_count == 1
