"""Role changes are audited: by the command line (no actor) and by an administrator."""

from sqlalchemy import select

from ideas.accounts.models import Role, User
from ideas.accounts.services import set_role
from ideas.audit.models import AuditEntry
from ideas.extensions import db
from tests.functional.html_dom import parse


def entries(app):
    """Every audit entry as plain tuples, oldest first."""
    with app.app_context():
        return [
            (e.actor_id, e.action, e.idea_id, e.target_type, e.target_id, e.details)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_cli_role_change_is_audited_without_an_actor(app, make_user):
    user = make_user(email="grace@example.gc.ca")

    result = app.test_cli_runner().invoke(args=["users", "set-role", user.email, "secretariat"])

    assert result.exit_code == 0, result.output
    assert entries(app) == [
        (None, "user.set_role", None, "user", user.id, {"old": "member", "new": "secretariat"})
    ]


def test_cli_setting_the_same_role_writes_nothing(app, make_user):
    user = make_user(email="grace@example.gc.ca", role=Role.ADMIN)
    result = app.test_cli_runner().invoke(args=["users", "set-role", user.email, "admin"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "grace@example.gc.ca is now admin."
    assert entries(app) == []


def test_failed_cli_role_change_writes_nothing(app, make_user):
    make_user(email="grace@example.gc.ca")
    result = app.test_cli_runner().invoke(args=["users", "set-role", "nobody@x.gc.ca", "admin"])
    assert result.exit_code == 1
    assert entries(app) == []


def test_role_change_by_an_admin_names_them(app, make_user):
    admin = make_user(role=Role.ADMIN)
    user = make_user(role=Role.SECRETARIAT)
    with app.app_context():
        set_role(db.session.get(User, user.id), Role.MEMBER, actor=db.session.get(User, admin.id))
        db.session.commit()
    assert entries(app) == [
        (admin.id, "user.set_role", None, "user", user.id, {"old": "secretariat", "new": "member"})
    ]


def test_cli_role_change_reads_well_in_the_log(app, client, auth, make_user):
    user = make_user(email="grace@example.gc.ca")
    app.test_cli_runner().invoke(args=["users", "set-role", user.email, "executive"])
    auth.as_role(Role.ADMIN)

    page = parse(client.get("/admin/audit?action=user.set_role").text)

    (row,) = page.find_all("tr", class_="audit-entry")
    who, action, idea, details = (cell.text() for cell in row.find_all("td")[1:])
    assert (who, action, idea) == ("System or command line", "Role changed", "—")
    assert details == f"On user #{user.id} Before member After executive"
