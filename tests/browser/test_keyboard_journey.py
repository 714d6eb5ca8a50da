"""Everything with the keyboard alone: sign in, vote, post an idea, comment, join a group,
move a stage. Each control is reached by pressing Tab from where the page puts the focus,
never by clicking or focusing it from the script, and each shows where the focus is.
"""

from sqlalchemy import select

from ideas.accounts.models import Role
from ideas.board.models import Comment, Idea
from ideas.extensions import db
from ideas.groups.models import Membership
from ideas.workflow.stages import Stage
from tests.conftest import PASSWORD

MAX_TABS = 80


def tab_to(tab, selector: str, *, text: str | None = None) -> None:
    """Press Tab until the focused element matches `selector` (and contains `text`).

    Fails if it takes more than MAX_TABS presses: the control is out of the tab order.
    Also checks that the focused control shows a focus indicator (WCAG 2.4.7).
    """
    check = """([selector, text]) => {
        const el = document.activeElement;
        return !!el && el.matches(selector) && (text === null || el.textContent.includes(text));
    }"""
    for _ in range(MAX_TABS):
        tab.keyboard.press("Tab")
        if tab.evaluate(check, [selector, text]):
            break
    else:
        raise AssertionError(f"{selector} {text or ''} never got the focus after {MAX_TABS} tabs")
    style = tab.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"""
    )
    assert (style[0] != "none" and style[1] != "0px") or style[2] != "none", (selector, style)


def choose_with_arrows(tab, value: str) -> None:
    """On a focused <select>, press the down arrow until `value` is chosen (no mouse)."""
    for _ in range(30):
        if tab.evaluate("() => document.activeElement.value") == value:
            return
        tab.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value} not reached with the arrow keys")


def sign_in_by_keyboard(tab, email: str) -> None:
    """From the top of the sign-in page: Tab to the email field, type, Tab, type, Enter."""
    tab.goto("/sign-in")
    tab_to(tab, "#email")
    tab.keyboard.type(email)
    tab_to(tab, "#password")
    tab.keyboard.type(PASSWORD)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.url.endswith("/"), tab.url


def _row(app, model, **where):
    with app.app_context():
        return db.session.scalars(select(model).filter_by(**where)).first()


def test_a_member_does_everything_with_the_keyboard(app, page, make_user, make_idea, make_group):
    member = make_user(display_name="Kim Keyboard")
    idea = make_idea(title="Bookable coworking desks")
    group = make_group(name="Accessibility champions")
    sign_in_by_keyboard(page, member.email)

    # The first Tab reaches the skip link, which takes the focus past the header.
    page.goto(f"/ideas/{idea.id}")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["x"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # Vote: the count changes in place, in a live region a screen reader announces.
    page.evaluate("window.__noReload = true")
    tally = page.locator("[data-tally]")
    assert tally.get_attribute("aria-live") == "polite"
    before = tally.inner_text()
    tab_to(page, "button.vote-up")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "before => document.querySelector('[data-tally]').innerText !== before", arg=before
    )
    assert tally.inner_text().startswith("1 for"), tally.inner_text()
    assert page.evaluate("window.__noReload") is True
    assert page.locator("button.vote-up").get_attribute("aria-pressed") == "true"

    # Post an idea, from the header's link to the published page.
    tab_to(page, "a[href='/ideas/new']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "#title")
    page.keyboard.type("Captions on every town hall video")
    tab_to(page, "#body")
    page.keyboard.type("Live captions help *everyone* follow.")
    tab_to(page, "#theme")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.value") != "0"
    tab_to(page, "#language")
    assert page.evaluate("() => document.activeElement.value") == "en"
    tab_to(page, "#submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    posted = _row(app, Idea, title="Captions on every town hall video")
    assert posted is not None and page.url.endswith(f"/ideas/{posted.id}")

    # Comment on it.
    tab_to(page, "#body")
    page.keyboard.type("Transcripts too, please.")
    tab_to(page, "button[type=submit]", text="Post comment")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _row(app, Comment, idea_id=posted.id).body == "Transcripts too, please."
    assert page.locator(".comment .markdown").inner_text() == "Transcripts too, please."

    # Join a group.
    page.goto(f"/groups/{group.slug}")
    tab_to(page, "button[type=submit]", text="Join group")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _row(app, Membership, group_id=group.id, user_id=member.id) is not None
    assert page.get_by_role("button", name="Leave group").count() == 1


def test_the_secretariat_moves_a_stage_with_the_keyboard(app, page, make_user, make_idea):
    staff = make_user(role=Role.SECRETARIAT)
    idea = make_idea(title="Paperless travel claims")
    sign_in_by_keyboard(page, staff.email)
    page.goto(f"/ideas/{idea.id}")
    tab_to(page, "#move-to_stage")
    choose_with_arrows(page, "under_review")
    tab_to(page, "#move-rationale")
    page.keyboard.type("Reviewed at the weekly triage meeting, worth a closer look.")
    tab_to(page, ".stage-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _row(app, Idea, id=idea.id).stage is Stage.UNDER_REVIEW
    assert page.locator(".stage").first.inner_text() == "Stage: Under review"
