"""Privacy through the pages: the notice, "Download my data", deleting an account."""

import json
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from ideas.accounts.fresh import FRESH_AT_KEY
from ideas.accounts.models import Role, User
from ideas.audit.models import AuditEntry
from ideas.board.models import Follow, Idea, Vote
from ideas.board.services import cast_vote, follow_idea, post_comment
from ideas.extensions import db
from ideas.groups.models import Membership
from ideas.groups.services import join_group
from ideas.notifications.models import Notification
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.conftest import PASSWORD, CSRFClient
from tests.functional.html_dom import parse

RATIONALE = "Reviewed at the weekly triage meeting with the policy team."
REASON = "Request REQ-2026-114, received by email."


def make_fresh(client) -> None:
    """Mark the client's session as just having typed the password (a fresh sign-in)."""
    with client.session_transaction() as session:
        session["_fresh"] = True
        session[FRESH_AT_KEY] = int(time.time())


def make_stale(client) -> None:
    """Age the session's password check, as hours after signing in."""
    with client.session_transaction() as session:
        session[FRESH_AT_KEY] = int(time.time()) - 24 * 3600


def signed_in(client) -> bool:
    """A member-only page answers 200 when signed in and redirects to sign-in otherwise."""
    response = client.get("/notifications")
    if response.status_code == 302:
        assert urlsplit(response.location).path == "/sign-in"
        return False
    assert response.status_code == 200
    return True


def remember_cookie(response) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == "remember_token":
            return rest.split(";", 1)[0]
    raise AssertionError("no remember cookie")


@pytest.fixture
def world(app, make_user, make_group, make_idea):
    """Jane (a member) with an idea, a comment, a vote, a follow, a group and a notification."""
    jane = make_user(email="jane.member@example.gc.ca", display_name="Jane Member")
    omar = make_user(email="omar.other@example.gc.ca", display_name="Omar Other")
    staff = make_user(Role.SECRETARIAT, email="sam.staff@example.gc.ca", display_name="Sam Staff")
    group = make_group(creator=omar, name="Open data circle")
    own = make_idea(author=jane, title="Share meeting rooms across floors")
    other = make_idea(author=omar, title="Publish open datasets weekly")
    with app.app_context():
        j, o, s = (db.session.get(User, u.id) for u in (jane, omar, staff))
        own_row, other_row = db.session.get(Idea, own.id), db.session.get(Idea, other.id)
        post_comment(j, other_row, "Weekly is a good rhythm.")
        post_comment(o, own_row, "Nice one.")
        cast_vote(j, other_row, 1)
        cast_vote(o, own_row, 1)
        follow_idea(j, other_row)
        join_group(j, db.session.merge(group))
        move_stage(own_row, Stage.UNDER_REVIEW, s, RATIONALE)
        db.session.commit()
    return {"jane": jane, "omar": omar, "staff": staff, "own": own, "other": other}


def test_privacy_page_is_public_linked_from_the_footer_and_translated(client):
    home = parse(client.get("/").text)
    footer = home.one("footer")
    assert "/privacy" in [a.get("href") for a in footer.find_all("a")]

    page = client.get("/privacy")
    assert page.status_code == 200
    root = parse(page.text)
    assert len(root.find_all("h1")) == 1
    assert "Your email address is never shown to other members." in page.text

    client.post("/language", data={"locale": "fr", "next": "/privacy"})
    french = client.get("/privacy").text
    assert "Your email address is never shown to other members." not in french
    assert "courriel" in french


def test_profile_page_links_to_download_and_delete(client, auth):
    auth.as_role(Role.MEMBER)
    root = parse(client.get("/profile").text)
    actions = [form.get("action") for form in root.find_all("form")]
    assert "/account/export" in actions
    assert "/account/delete" in [a.get("href") for a in root.find_all("a")]


def test_download_my_data_is_a_json_attachment_of_my_data_only(app, client, auth, world):
    auth.sign_in(world["jane"])
    response = client.post("/account/export")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".json" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    archive = json.loads(response.text)
    assert archive["profile"]["email"] == "jane.member@example.gc.ca"
    assert [i["title"] for i in archive["ideas"]] == ["Share meeting rooms across floors"]
    assert [c["body"] for c in archive["comments"]] == ["Weekly is a good rhythm."]
    assert [v["idea_id"] for v in archive["votes"]] == [world["other"].id]
    assert len(archive["follows"]) == 2
    assert [m["group"] for m in archive["group_memberships"]] == ["Open data circle"]
    assert [n["kind"] for n in archive["notifications"]] == ["stage_moved"]
    for name in ("omar.other@example.gc.ca", "sam.staff@example.gc.ca", "Omar Other", "Sam Staff"):
        assert name not in response.text
    assert "Nice one." not in response.text
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.export"))
        assert entry.actor_id == world["jane"].id


def test_download_needs_a_post_with_a_csrf_token_and_a_signed_in_member(client, auth, world):
    assert client.post("/account/export").status_code == 302  # to sign in
    auth.sign_in(world["jane"])
    assert client.get("/account/export").status_code == 405
    assert client.post("/account/export", csrf=False).status_code == 400


def test_deleting_needs_a_fresh_sign_in(client, auth, world):
    auth.sign_in(world["jane"])
    make_stale(client)
    response = client.get("/account/delete")
    assert response.status_code == 302
    assert "/account/delete" in response.location and response.location != "/account/delete"
    response = client.post("/account/delete", data={"confirm": "y"})
    assert response.status_code == 302
    assert signed_in(client)


def test_deleting_needs_an_explicit_confirmation(app, client, auth, world):
    auth.sign_in(world["jane"])
    make_fresh(client)
    page = client.get("/account/delete")
    assert page.status_code == 200
    assert parse(page.text).one("input", id="confirm").get("type") == "checkbox"

    response = client.post("/account/delete", data={})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, world["jane"].id).deleted_at is None


def test_deleting_my_account_anonymises_me_and_signs_me_out_everywhere(app, client, world):
    jane = world["jane"]
    # A second browser, signed in with "keep me signed in"; and its remember cookie alone.
    app.test_client_class = CSRFClient
    laptop = app.test_client()
    response = laptop.post(
        "/sign-in", data={"email": jane.email, "password": PASSWORD, "remember": "y"}
    )
    cookie = remember_cookie(response)
    client.post("/sign-in", data={"email": jane.email, "password": PASSWORD})
    make_fresh(client)
    with app.app_context():
        before = {
            "counts": db.session.execute(
                select(Idea.id, Idea.up_count, Idea.down_count, Idea.wilson, Idea.hot).order_by(
                    Idea.id
                )
            ).all(),
            "token": db.session.get(User, jane.id).session_token,
        }

    response = client.post("/account/delete", data={"confirm": "y"})
    assert response.status_code == 302

    assert not signed_in(client)
    assert not signed_in(laptop)
    stranger = app.test_client()
    stranger.set_cookie("remember_token", cookie)
    assert not signed_in(stranger)
    old = client.post("/sign-in", data={"email": jane.email, "password": PASSWORD})
    assert old.status_code == 422

    with app.app_context():
        user = db.session.get(User, jane.id)
        assert user.session_token != before["token"]
        assert "jane" not in user.email.lower() and "@" not in user.email
        assert user.display_name == "" and user.deleted_at is not None
        counts = db.session.execute(
            select(Idea.id, Idea.up_count, Idea.down_count, Idea.wilson, Idea.hot).order_by(Idea.id)
        ).all()
        assert counts == before["counts"]
        assert db.session.get(Vote, {"idea_id": world["other"].id, "user_id": jane.id})
        for model in (Follow, Membership, Notification):
            count = select(func.count()).select_from(model).where(model.user_id == jane.id)
            assert db.session.scalar(count) == 0
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
        assert entry.actor_id == jane.id and entry.target_id == jane.id


def test_content_of_a_deleted_member_shows_as_by_a_former_member(app, client, auth, world):
    jane = world["jane"]
    auth.sign_in(jane)
    make_fresh(client)
    client.post("/account/delete", data={"confirm": "y"})
    auth.sign_in(world["omar"])

    pages = [
        f"/ideas/{world['own'].id}",
        f"/ideas/{world['other'].id}",
        "/ideas",
        "/",
        "/search?q=meeting",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Jane Member" not in response.text, url
        assert "jane.member" not in response.text, url
        assert f"/members/{jane.id}" not in response.text, url
    own = client.get(f"/ideas/{world['own'].id}").text
    assert "Posted by a former member" in own
    other = client.get(f"/ideas/{world['other'].id}").text
    assert "A former member" in other  # the comment's author
    assert client.get(f"/members/{jane.id}").status_code == 404


def test_former_member_reads_in_the_readers_language(client, auth, world):
    auth.sign_in(world["jane"])
    make_fresh(client)
    client.post("/account/delete", data={"confirm": "y"})
    auth.sign_in(world["omar"])
    client.post("/language", data={"locale": "fr"})
    page = client.get(f"/ideas/{world['own'].id}").text
    assert "former member" not in page
    assert "ancien membre" in page


def test_an_administrator_deletes_an_account_on_request(app, client, auth, world):
    admin = auth.as_role(Role.ADMIN)
    jane = world["jane"]
    make_fresh(client)

    profile = client.get(f"/members/{jane.id}").text
    assert f"/admin/members/{jane.id}/delete" in profile
    found = client.post("/admin/accounts/delete", data={"email": "Jane.Member@example.gc.ca"})
    assert found.status_code == 302
    assert found.location.endswith(f"/admin/members/{jane.id}/delete")
    missing = client.post("/admin/accounts/delete", data={"email": "nobody@example.gc.ca"})
    assert missing.status_code == 422

    page = client.get(f"/admin/members/{jane.id}/delete")
    assert page.status_code == 200
    refused = client.post(f"/admin/members/{jane.id}/delete", data={"confirm": "y"})
    assert refused.status_code == 422  # no reason given
    done = client.post(f"/admin/members/{jane.id}/delete", data={"reason": REASON, "confirm": "y"})
    assert done.status_code == 302

    with app.app_context():
        user = db.session.get(User, jane.id)
        assert user.deleted_at is not None and "jane" not in user.email
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
        assert entry.actor_id == admin.id and entry.target_id == jane.id
        assert entry.details["reason"] == REASON
    log = client.get("/admin/audit").text
    assert "jane.member@example.gc.ca" not in log and "Jane Member" not in log
    assert client.get(f"/admin/members/{jane.id}/delete").status_code == 404


def test_administrator_deletion_needs_a_fresh_sign_in(client, auth, world):
    auth.as_role(Role.ADMIN)
    make_stale(client)
    response = client.get(f"/admin/members/{world['jane'].id}/delete")
    assert response.status_code == 302


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SECRETARIAT, Role.EXECUTIVE])
def test_only_administrators_delete_other_accounts(app, client, auth, world, role):
    auth.as_role(role)
    make_fresh(client)
    target = world["jane"].id
    assert client.get(f"/admin/members/{target}/delete").status_code == 403
    response = client.post(
        f"/admin/members/{target}/delete", data={"reason": REASON, "confirm": "y"}
    )
    assert response.status_code == 403
    assert client.get("/admin/accounts/delete").status_code == 403
    assert (
        client.post("/admin/accounts/delete", data={"email": "x@example.gc.ca"}).status_code == 403
    )
    assert f"/admin/members/{target}/delete" not in client.get(f"/members/{target}").text
    with app.app_context():
        assert db.session.get(User, target).deleted_at is None
