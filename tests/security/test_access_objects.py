"""The object-level checks behind the access table's `.then(...)` cells, owner by owner.

The table lets a role reach a view; the view's `can_*` predicate then decides about the
object: another member's idea, notification, own content to flag, an idea one is not an
expert on. Each test below shows the owner (or the right person) getting through and
another signed-in member being refused, and the data left as it was. The last test fails
if the table names an object check that no test here covers.
"""

import pytest
from sqlalchemy import select

from ideas.accounts.models import Role, User
from ideas.board.models import Comment, Idea
from ideas.board.services import post_comment
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.moderation.services import hide_content
from ideas.notifications.models import Notification
from ideas.notifications.services import notify
from ideas.security import access
from ideas.workflow.experts import assign_expert
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.conftest import theme_id

RATIONALE = "Checked by the secretariat at the weekly meeting."


def idea_form(app, **overrides) -> dict:
    """A valid idea form."""
    with app.app_context():
        theme = theme_id()
    return {"title": "Shared desks for teams", "body": "Fewer leases.", "theme": str(theme),
            "group": "0", **overrides}  # fmt: skip


def row(app, model, key):
    """A row read fresh from the database, detached."""
    with app.app_context():
        found = db.session.get(model, key)
        if found is not None:
            db.session.expunge(found)
        return found


def in_context(app, action):
    """Run a service call in its own transaction."""
    with app.app_context():
        result = action()
        db.session.commit()
        return result


def test_only_the_author_edits_their_idea(app, client, auth, make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author, title="The author's own title")
    auth.as_role(Role.MEMBER)
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 403
    response = client.post(f"/ideas/{idea.id}/edit", data=idea_form(app, title="Hijacked!"))
    assert response.status_code == 403
    assert row(app, Idea, idea.id).title == "The author's own title"

    auth.sign_out()
    auth.sign_in(author)
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 200
    response = client.post(f"/ideas/{idea.id}/edit", data=idea_form(app, title="A better title"))
    assert response.status_code == 302
    assert row(app, Idea, idea.id).title == "A better title"


def test_the_author_cannot_edit_once_review_started(app, client, auth, make_user, make_idea):
    author, staff = make_user(), make_user(role=Role.SECRETARIAT)
    idea = make_idea(author=author, title="Under review now")
    in_context(
        app,
        lambda: move_stage(
            db.session.get(Idea, idea.id), Stage.UNDER_REVIEW, db.session.get(User, staff.id),
            RATIONALE,
        ),
    )  # fmt: skip
    auth.sign_in(author)
    response = client.post(f"/ideas/{idea.id}/edit", data=idea_form(app, title="Too late"))
    assert response.status_code == 403
    assert row(app, Idea, idea.id).title == "Under review now"


def test_the_profile_page_changes_only_the_signed_in_member(app, client, auth, make_user):
    other = make_user(display_name="Someone Else")
    me = auth.as_role(Role.MEMBER)
    response = client.post(
        "/profile",
        data={"display_name": "My New Name", "department": "0", "locale": "en",
              "user_id": str(other.id), "id": str(other.id)},
    )  # fmt: skip
    assert response.status_code == 302
    assert row(app, User, me.id).display_name == "My New Name"
    assert row(app, User, other.id).display_name == "Someone Else"


def test_notifications_are_read_and_marked_by_their_owner_only(
    app, client, auth, make_user, make_idea
):
    owner = make_user()
    idea = make_idea(title="An idea with news")
    notification_id = in_context(
        app,
        lambda: (
            notify([owner.id], "official_response", idea=db.session.get(Idea, idea.id), actor=None),
            db.session.flush(),
            db.session.scalar(select(Notification.id).where(Notification.user_id == owner.id)),
        )[-1],
    )
    auth.as_role(Role.MEMBER)
    assert "An idea with news" not in client.get("/notifications").text
    assert client.post(f"/notifications/{notification_id}/read").status_code == 404
    assert client.post("/notifications/read-all").status_code == 302
    assert row(app, Notification, notification_id).read_at is None

    auth.sign_out()
    auth.sign_in(owner)
    assert "An idea with news" in client.get("/notifications").text
    assert client.post(f"/notifications/{notification_id}/read").status_code == 302
    assert row(app, Notification, notification_id).read_at is not None


def test_members_flag_others_content_never_their_own(app, client, auth, make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    comment_id = in_context(
        app,
        lambda: (
            post_comment(
                db.session.get(User, author.id), db.session.get(Idea, idea.id), "My own comment."
            ).id
        ),
    )
    auth.sign_in(author)
    assert client.get(f"/ideas/{idea.id}/flag").status_code == 403
    assert client.get(f"/comments/{comment_id}/flag").status_code == 403
    assert client.post(f"/ideas/{idea.id}/flag", data={"reason": "Spam."}).status_code == 403
    auth.sign_out()
    auth.as_role(Role.MEMBER)
    assert client.get(f"/ideas/{idea.id}/flag").status_code == 200
    assert client.get(f"/comments/{comment_id}/flag").status_code == 200


def test_authors_cannot_vote_on_their_own_idea(app, client, auth, make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    auth.sign_in(author)
    json = {"Accept": "application/json"}
    assert (
        client.post(f"/ideas/{idea.id}/vote", data={"value": "1"}, headers=json).status_code == 403
    )
    assert row(app, Idea, idea.id).up_count == 0
    auth.sign_out()
    auth.as_role(Role.MEMBER)
    assert (
        client.post(f"/ideas/{idea.id}/vote", data={"value": "1"}, headers=json).status_code == 200
    )
    assert row(app, Idea, idea.id).up_count == 1


def test_hidden_ideas_show_members_a_notice_and_take_no_comments(
    app, client, auth, make_user, make_idea
):
    staff = make_user(role=Role.SECRETARIAT)
    idea = make_idea(title="Hidden by a moderator", body="The secret body text.")
    in_context(
        app,
        lambda: hide_content(
            db.session.get(User, staff.id), db.session.get(Idea, idea.id), reason="Rude."
        ),
    )
    auth.as_role(Role.MEMBER)
    assert "The secret body text." not in client.get(f"/ideas/{idea.id}").text
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": "Hello there."})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Comment.id).where(Comment.idea_id == idea.id)) is None
    auth.sign_out()
    auth.sign_in(staff)
    assert "The secret body text." in client.get(f"/ideas/{idea.id}").text


def test_only_staff_and_assigned_experts_assess(app, client, auth, make_user, make_idea):
    staff, expert = make_user(role=Role.SECRETARIAT), make_user()
    idea = make_idea()

    def assign():
        idea_row, staff_row = db.session.get(Idea, idea.id), db.session.get(User, staff.id)
        move_stage(idea_row, Stage.UNDER_REVIEW, staff_row, RATIONALE)
        assign_expert(idea_row, db.session.get(User, expert.id), staff_row)

    in_context(app, assign)
    for role in (Role.MEMBER, Role.EXECUTIVE):
        auth.as_role(role)
        assert client.get(f"/ideas/{idea.id}/assess").status_code == 403, role
        auth.sign_out()
    for person in (expert, staff):
        auth.sign_in(person)
        assert client.get(f"/ideas/{idea.id}/assess").status_code == 200, person
        auth.sign_out()


@pytest.mark.parametrize(("role", "status"), [(Role.MEMBER, 403), (Role.ADMIN, 302)])
def test_department_groups_are_created_by_administrators_only(
    app, client, auth, make_department, role, status
):
    department = make_department()
    auth.as_role(role)
    response = client.post(
        "/groups/new",
        data={"name": "Revenue people", "description": "", "kind": "department",
              "department": str(department.id)},
    )  # fmt: skip
    assert response.status_code == status
    with app.app_context():
        made = db.session.scalar(select(Group.id).where(Group.name == "Revenue people"))
    assert (made is not None) is (status == 302)


def test_the_data_export_holds_only_the_callers_own_data(app, client, auth, make_user, make_idea):
    if "privacy.export_data" not in app.view_functions:
        pytest.skip("no data export on this branch")
    other = make_user(email="someone.else@example.gc.ca")
    make_idea(author=other, title="Somebody else's idea")
    me = auth.as_role(Role.MEMBER)
    make_idea(author=me, title="My very own idea")
    response = client.post("/account/export")
    assert response.status_code == 200
    assert "My very own idea" in response.text
    assert "Somebody else's idea" not in response.text
    assert "someone.else@example.gc.ca" not in response.text


def test_administrators_cannot_delete_an_already_deleted_account(app, client, auth, make_user):
    if "privacy.admin_delete_account" not in app.view_functions:
        pytest.skip("no account deletion on this branch")
    from ideas.privacy.services import delete_account

    admin, gone, present = make_user(role=Role.ADMIN), make_user(), make_user()
    in_context(
        app,
        lambda: delete_account(
            db.session.get(User, gone.id), db.session.get(User, admin.id), "Asked by email."
        ),
    )
    auth.sign_in(admin)  # a fresh sign-in, as the deletion pages ask for
    assert client.get(f"/admin/members/{gone.id}/delete").status_code == 404
    assert client.get(f"/admin/members/{present.id}/delete").status_code == 200


EMAIL_LINK_CHECK = "the account the emailed link was made for (others: 403)"
FRESH_OWN_ACCOUNT = "the caller's own account, with a fresh sign-in"


def test_an_email_change_link_works_only_for_its_own_account(app, client, auth, make_user):
    from ideas.accounts.credentials import EMAIL_CHANGE_SALT
    from ideas.accounts.tokens import account_fingerprint, make_token

    owner = make_user(email="owner@example.gc.ca")
    with app.test_request_context():
        token = make_token(
            EMAIL_CHANGE_SALT,
            {"u": owner.id, "e": "owner.new@example.gc.ca",
             "f": account_fingerprint(db.session.get(User, owner.id))},
        )  # fmt: skip
    auth.as_role(Role.MEMBER)
    assert client.get(f"/account/email/confirm/{token}").status_code == 403
    assert client.post(f"/account/email/confirm/{token}").status_code == 403
    assert row(app, User, owner.id).email == "owner@example.gc.ca"
    auth.sign_out()
    auth.sign_in(owner)
    assert client.get(f"/account/email/confirm/{token}").status_code == 200
    assert client.post(f"/account/email/confirm/{token}").status_code == 302
    assert row(app, User, owner.id).email == "owner.new@example.gc.ca"


def test_sensitive_account_pages_need_a_fresh_sign_in(app, client, auth):
    auth.as_role(Role.MEMBER)
    assert client.get("/account/email").status_code == 200  # the password was just typed
    with client.session_transaction() as session:
        session["_fresh"] = False  # as when restored from a remember-me cookie
    response = client.get("/account/email")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in/again")


# Each object check the table names, and the test above that exercises it.
TESTED_CHECKS = {
    access.AUTHOR_WHILE_PROPOSED: [test_only_the_author_edits_their_idea,
                                   test_the_author_cannot_edit_once_review_started],
    access.VISIBLE_IDEA: [test_hidden_ideas_show_members_a_notice_and_take_no_comments],
    access.NOT_OWN_VISIBLE: [test_members_flag_others_content_never_their_own],
    access.OPEN_IDEA: [test_hidden_ideas_show_members_a_notice_and_take_no_comments],
    access.VOTABLE: [test_authors_cannot_vote_on_their_own_idea],
    access.OWN_NOTIFICATION: [test_notifications_are_read_and_marked_by_their_owner_only],
    access.STAFF_OR_EXPERT: [test_only_staff_and_assigned_experts_assess],
    access.OWN_ONLY: [test_the_profile_page_changes_only_the_signed_in_member,
                      test_notifications_are_read_and_marked_by_their_owner_only,
                      test_the_data_export_holds_only_the_callers_own_data],
    "not an already deleted account (404)": [
        test_administrators_cannot_delete_an_already_deleted_account
    ],
    EMAIL_LINK_CHECK: [test_an_email_change_link_works_only_for_its_own_account],
    FRESH_OWN_ACCOUNT: [test_sensitive_account_pages_need_a_fresh_sign_in],
    "department groups: administrators only": [
        test_department_groups_are_created_by_administrators_only
    ],
}  # fmt: skip


def test_every_object_check_in_the_table_has_a_test():
    named = {
        cell.then_check
        for cells in access.ACCESS_TABLE.values()
        for cell in cells.values()
        if cell.then_check
    }
    untested = sorted(named - set(TESTED_CHECKS))
    assert not untested, f"object checks with no test in {__name__}: {untested}"
