"""WCAG 2.1 A/AA checks with axe-core on the merge and moderation pages, as staff and member."""

from types import SimpleNamespace

from ideas.accounts.models import Role, User
from ideas.board.models import Idea
from ideas.board.services import post_comment
from ideas.extensions import db
from ideas.moderation.services import flag_content, hide_content
from ideas.workflow.merges import merge_ideas
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def _prepare(app, make_user, make_idea):
    """A merged pair, a reported idea, a hidden comment with a reply; the people and ids."""
    member, staff = make_user(), make_user(role=Role.SECRETARIAT)
    target = make_idea(title="Secure bicycle parking")
    duplicate = make_idea(title="Bike racks at head office")
    reported = make_idea(title="Mandatory fun committee")
    with app.app_context():
        actor = db.session.get(User, staff.id)
        target_row = db.session.get(Idea, target.id)
        merge_ideas(db.session.get(Idea, duplicate.id), target_row,
                    actor, "Same proposal as the older idea, posted again.")  # fmt: skip
        flag_content(db.session.get(User, member.id), db.session.get(Idea, reported.id),
                     reason="Off-topic and insulting.")  # fmt: skip
        rude = post_comment(db.session.get(User, make_user().id), target_row, "Rude comment")
        reply = post_comment(db.session.get(User, make_user().id), target_row, "Fair reply", rude)
        hide_content(actor, target_row, rude, reason="Breaks the code of conduct.")
        db.session.commit()
        return SimpleNamespace(
            staff=staff,
            target=target.id,
            duplicate=duplicate.id,
            reported=reported.id,
            rude=rude.id,
            reply=reply.id,
        )


def test_moderation_and_merge_pages_have_no_violations(app, page, make_user, make_idea):
    x = _prepare(app, make_user, make_idea)
    found = {}
    sign_in(page, x.staff, PASSWORD)
    for path in (
        "/moderation",
        f"/moderation/ideas/{x.reported}",
        f"/moderation/comments/{x.rude}",
        f"/ideas/{x.target}",
        f"/ideas/{x.duplicate}",
        f"/ideas/{x.reported}/merge",
    ):
        page.goto(path)
        if problems := violations(page):
            found[path] = problems
    assert found == {}


def test_member_views_have_no_violations(app, page, make_user, make_idea):
    x = _prepare(app, make_user, make_idea)
    found = {}
    sign_in(page, make_user(), PASSWORD)
    for path in (
        f"/ideas/{x.target}",
        f"/ideas/{x.duplicate}",
        f"/ideas/{x.reported}/flag",
        f"/comments/{x.reply}/flag",
    ):
        page.goto(path)
        if problems := violations(page):
            found[path] = problems
    assert found == {}


def test_forms_with_errors_have_no_violations(app, page, make_user, make_idea):
    x = _prepare(app, make_user, make_idea)
    sign_in(page, x.staff, PASSWORD)
    found = {}
    for path, button in (
        (f"/ideas/{x.reported}/merge", "Check the target"),
        (f"/moderation/ideas/{x.reported}", "Hide"),
        (f"/ideas/{x.target}/flag", "Send the report"),
    ):
        page.goto(path)
        with page.expect_navigation():
            page.get_by_role("button", name=button, exact=False).first.click()
        assert page.locator(".error-summary").count() == 1, path
        if problems := violations(page):
            found[path] = problems
    assert found == {}
