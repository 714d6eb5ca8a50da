"""WCAG 2.1 A/AA checks with axe-core on the notification centre and the header count."""

from ideas.accounts.models import Role, User
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.notifications.services import notify
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def test_notification_centre_has_no_violations(app, page, make_user, make_idea):
    member = make_user(role=Role.MEMBER)
    staff = make_user(role=Role.SECRETARIAT, display_name="Sam Staff")
    idea = make_idea(title="Share meeting rooms")
    target = make_idea(title="Book rooms online")
    with app.app_context():
        row, actor = db.session.get(Idea, idea.id), db.session.get(User, staff.id)
        notify([member.id], "stage_moved", idea=row, actor=actor,
               from_stage="proposed", to_stage="under_review")  # fmt: skip
        notify([member.id], "merged", idea=row, actor=actor, target_id=target.id)
        notify([member.id], "moderated", idea=row, actor=actor, outcome="hidden")
        db.session.commit()
    sign_in(page, member, PASSWORD)

    page.goto("/notifications")
    assert page.get_by_role("link", name="Notifications (3 unread)").count() == 1
    assert violations(page) == []

    # Keyboard only: mark the first one read; the count and the page follow.
    page.get_by_role("button", name="Mark as read").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("link", name="Notifications (2 unread)").count() == 1
    assert violations(page) == []
