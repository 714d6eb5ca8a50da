"""No mass assignment on the remaining forms: merge, experts, CSV import, password, email, deletion.

The same forged set as tests/security/test_mass_assignment.py (stage, author and user ids,
counters, role, hidden, dates, an id, all aimed at a bystander and another idea) rides along
with each honest request. Where the honest action leaves every idea and account as that
module expects, its `assert_nothing_forged` checks the database; merging and deleting change
what it checks on purpose, so those tests check the bystander, the ids and the ideas directly.
"""

import io
import re

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.workflow.models import ExpertAssignment
from ideas.workflow.stages import Stage
from tests.conftest import PASSWORD
from tests.security import test_mass_assignment as base
from tests.security.test_mass_assignment import (
    FORGED_ID,
    RATIONALE,
    _roles,
    _under_review,
    assert_nothing_forged,
    forged,
    user_columns,
)

scene = base.scene  # a bystander who does nothing, and an idea by someone else to act on
NEW_PASSWORD = "a brand new passphrase 42"


ACCOUNT = ("email", "display_name", "role", "active", "deleted_at", "session_token",
           "password_hash")  # fmt: skip


def _account(app, user_id: int) -> dict:
    """The account's columns a forged field could aim at."""
    with app.app_context():
        user = db.session.get(User, user_id)
        return {name: getattr(user, name) for name in ACCOUNT}


def _idea(app, idea_id: int) -> tuple:
    """An idea's stage, merge link, visibility, progress and counters."""
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        return (idea.stage, idea.merged_into_id, idea.hidden, idea.progress, idea.up_count,
                idea.down_count, idea.comment_count, idea.follower_count)  # fmt: skip


def _assert_no_forged_id_or_reference(app, victim) -> None:
    """No row took the forged id, and none points at the bystander."""
    with app.app_context():
        for table, column in user_columns():
            query = select(func.count()).select_from(table).where(column == victim.id)
            assert db.session.scalar(query) == 0, f"{table.name}.{column.name} names the bystander"
        for table in db.metadata.sorted_tables:
            if "id" in table.columns:
                query = select(func.count()).select_from(table).where(table.c.id == FORGED_ID)
                assert db.session.scalar(query) == 0, f"{table.name} took the forged id"


# --- Staff forms --------------------------------------------------------------------------


def test_merging_a_duplicate(app, client, auth, scene, make_idea):
    victim, other = scene
    auth.as_role(Role.SECRETARIAT)
    duplicate, target = make_idea(), make_idea()
    untouched = _idea(app, other.id)
    data = {"target": str(target.id), "rationale": RATIONALE, "merge": "1",
            "confirmed": str(target.id), **forged(victim.id, other.id)}  # fmt: skip
    response = client.post(f"/ideas/{duplicate.id}/merge", data=data)
    assert response.status_code == 302, response.text
    # Merged into the target named by the form, not the forged merged_into_id / idea_id;
    # (stage, merge link, hidden) and, for the target, its progress.
    assert _idea(app, duplicate.id)[:3] == (Stage.MERGED, target.id, False)
    assert _idea(app, target.id)[:4] == (Stage.PROPOSED, None, False, 0)
    assert _idea(app, other.id) == untouched
    _assert_no_forged_id_or_reference(app, victim)
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
        assert Role.ADMIN not in roles


def test_assigning_an_expert(app, client, auth, scene, make_user):
    victim, other = scene
    staff = auth.as_role(Role.SECRETARIAT)
    _under_review(app, other, staff)
    expert = make_user()
    data = {"email": expert.email, **forged(victim.id, other.id, except_fields={"email"})}
    response = client.post(f"/ideas/{other.id}/experts", data=data)
    assert response.status_code == 302, response.text
    with app.app_context():
        rows = db.session.execute(select(ExpertAssignment.user_id, ExpertAssignment.idea_id))
        assert rows.all() == [(expert.id, other.id)]
    assert_nothing_forged(app, victim, _roles(app), stages={other.id: Stage.UNDER_REVIEW})


def test_importing_progress_from_a_csv_file(app, client, auth, scene):
    victim, other = scene
    auth.as_role(Role.SECRETARIAT)
    with app.app_context():
        db.session.get(Idea, other.id).stage = Stage.PILOTED
        db.session.commit()
    # Forged columns in the file too: the import reads its four columns and ignores the rest.
    content = (
        "idea_id,progress,milestone,date,stage,author_id,user_id,up_count,hidden,merged_into_id\n"
        f"{other.id},40,Printers installed,2025-07-01,implemented,{victim.id},{victim.id},"
        f"9999,y,{other.id}\n"
    ).encode()
    data = {"file": (io.BytesIO(content), "progress.csv"),
            **forged(victim.id, other.id, except_fields={"progress"})}  # fmt: skip
    response = client.post("/progress/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.text
    assert _idea(app, other.id)[3] == 40
    assert_nothing_forged(app, victim, _roles(app), stages={other.id: Stage.PILOTED})


# --- Account forms ------------------------------------------------------------------------


def test_changing_the_password(app, client, auth, scene):
    victim, other = scene
    me = auth.as_role(Role.MEMBER)
    before = _account(app, me.id)
    bystander = _account(app, victim.id)
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, **forged(victim.id, other.id)}  # fmt: skip
    response = client.post("/account/password", data=data)
    assert response.status_code == 302, response.text
    after = _account(app, me.id)
    changed = {name for name in ACCOUNT if after[name] != before[name]}
    assert changed == {"session_token", "password_hash"}  # the new password, other devices out
    assert _account(app, victim.id) == bystander
    assert_nothing_forged(app, victim, {})


def test_changing_the_email_address(app, client, auth, scene, mail_server):
    victim, other = scene
    me = auth.as_role(Role.MEMBER)
    bystander = _account(app, victim.id)
    data = {"email": "moved@example.gc.ca", **forged(victim.id, other.id, except_fields={"email"})}
    assert client.post("/account/email", data=data).status_code == 302
    text = mail_server.wait_for(1)[0].get_content()
    link = re.search(r"http://localhost(/account/email/confirm/\S+)", text).group(1)
    # The confirming button posts only a CSRF token; forged fields there are ignored too.
    assert client.post(link, data=forged(victim.id, other.id)).status_code == 302
    mine = _account(app, me.id)
    assert mine["email"] == "moved@example.gc.ca"
    assert (mine["role"], mine["active"]) == (Role.MEMBER, True)
    assert _account(app, victim.id) == bystander
    assert_nothing_forged(app, victim, {})


def test_deleting_my_own_account(app, client, auth, scene):
    victim, other = scene
    me = auth.as_role(Role.MEMBER)
    bystander, idea = _account(app, victim.id), _idea(app, other.id)
    data = {"confirm": "y", **forged(victim.id, other.id)}
    response = client.post("/account/delete", data=data)
    assert response.status_code == 302, response.text
    # My account is the one deleted, whatever user_id or id the request names.
    mine = _account(app, me.id)
    assert (mine["role"], mine["active"]) == (Role.MEMBER, False) and mine["deleted_at"]
    assert "forged" not in (mine["email"], mine["session_token"], mine["password_hash"])
    assert _account(app, victim.id) == bystander
    assert _idea(app, other.id) == idea
    _assert_no_forged_id_or_reference(app, victim)


@pytest.mark.parametrize("forged_role", ["admin", "member"])
def test_an_administrator_deleting_an_account(app, client, auth, scene, make_user, forged_role):
    victim, other = scene
    admin = auth.as_role(Role.ADMIN)
    leaving = make_user()
    bystander, idea = _account(app, victim.id), _idea(app, other.id)
    data = {"reason": "Request REF-2026-0042 received by email.", "confirm": "y",
            **forged(victim.id, other.id), "role": forged_role}  # fmt: skip
    response = client.post(f"/admin/members/{leaving.id}/delete", data=data)
    assert response.status_code == 302, response.text
    assert _account(app, leaving.id)["active"] is False  # the member named in the address
    mine = _account(app, admin.id)
    assert (mine["role"], mine["active"], mine["deleted_at"]) == (Role.ADMIN, True, None)
    assert _account(app, victim.id) == bystander
    assert _idea(app, other.id) == idea
    _assert_no_forged_id_or_reference(app, victim)
