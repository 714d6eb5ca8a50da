"""WCAG 2.1 A/AA checks with axe-core on the audit log, with and without filter errors."""

from ideas.accounts.models import Role, User
from ideas.audit.services import record
from ideas.extensions import db
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def test_audit_log_has_no_violations(app, page, make_user, make_idea):
    admin = make_user(role=Role.ADMIN)
    idea = make_idea(title="Paperless travel claims")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        record(actor, "idea.move_stage", idea_id=idea.id, from_stage="proposed",
               to_stage="under_review", rationale="Worth a closer look.")  # fmt: skip
        record(None, "user.set_role", target_type="user", target_id=admin.id, old="member",
               new="admin")  # fmt: skip
        db.session.commit()
    sign_in(page, admin, PASSWORD)

    page.goto("/admin/audit")
    assert page.locator("tr.audit-entry").count() == 2
    assert violations(page) == []

    page.goto("/admin/audit?date_from=yesterday&actor=nobody")
    assert page.locator(".error-summary").count() == 1
    assert violations(page) == []
