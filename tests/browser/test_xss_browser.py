"""The XSS corpus in a real browser: pages showing every payload never open a dialog, break
no Content-Security-Policy rule, and hold no live handler, frame or script of a payload.

Every payload is the title and body of an idea, a comment, the name of a comment's author,
a flag reason, a stage-move rationale and an official response; a group carries some in
its name and description. Chromium then opens the pages a member and the secretariat read.
A dialog (`alert`, `confirm`, `prompt`) would mean a payload ran; a CSP report in the
console means the page (ours or a payload) tried something the policy forbids.
"""

from sqlalchemy import select

from ideas.accounts.models import Role, User
from ideas.accounts.services import register_user
from ideas.board.models import Idea, Theme
from ideas.board.services import post_comment, post_idea
from ideas.domain import DomainError
from ideas.extensions import db
from ideas.groups.services import create_group, join_group
from ideas.moderation.services import flag_content
from ideas.workflow.responses import post_official_response
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.security.xss import load_corpus

PAYLOADS = load_corpus()
PAD = " This sentence pads the text to every minimum length."
# Elements and attributes a payload would bring; none may exist in the rendered page.
LIVE_IN_DOM = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
      if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
      if (/^(javascript|vbscript|data):/.test(value) && attr.name !== 'content')
        found.push(el.tagName + ' ' + attr.name + '=' + value.slice(0, 40));
    }
  }
  for (const el of document.querySelectorAll(
      'iframe, frame, object, embed, base, style, img, video, audio, math, svg:not([role=img])'))
    found.push(el.tagName);
  for (const el of document.querySelectorAll('script'))
    if (!el.src || new URL(el.src).origin !== location.origin) found.push('script ' + el.src);
  return found;
}"""


def seed_payloads(app):
    """Put every payload into every kind of text the site shows; return the page addresses."""
    with app.app_context():
        themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
        register_user("reader@example.gc.ca", "Reader", PASSWORD, role=Role.MEMBER)
        flagger = register_user("flagger@example.gc.ca", "Flagger", PASSWORD, role=Role.MEMBER)
        staff = register_user("staff@example.gc.ca", "Staff", PASSWORD, role=Role.SECRETARIAT)
        executive = register_user("exec@example.gc.ca", "Exec", PASSWORD, role=Role.EXECUTIVE)
        group = create_group(flagger, "XSS " + PAYLOADS[0][:70], "\n".join(PAYLOADS[:20]))
        showcase = post_idea(flagger, "Every payload as a comment", "See below.", themes[0])
        ideas = []
        for n, payload in enumerate(PAYLOADS):
            line = " ".join(payload.split())
            author = _author(n, f"A{n} {line}"[:80])
            join_group(author, group)
            idea = post_idea(author, f"XSS {n} {line}"[:150], payload + PAD, themes[n % 5], group)
            post_comment(author, showcase, payload)
            flag_content(flagger, idea, reason=f"{line}{PAD}"[:500])
            move_stage(idea, Stage.UNDER_REVIEW, staff, payload + PAD)
            post_official_response(idea, executive, payload)
            ideas.append(idea.id)
        db.session.commit()
        users = {
            role: db.session.scalar(select(User).where(User.email == email))
            for role, email in (
                (Role.MEMBER, "reader@example.gc.ca"),
                (Role.SECRETARIAT, "staff@example.gc.ca"),
            )
        }
        for user in users.values():
            db.session.expunge(user)
        pages = [f"/ideas/{idea_id}" for idea_id in ideas]
        pages += [f"/ideas/{showcase.id}", f"/groups/{group.slug}", "/groups", "/"]
        pages += [f"/ideas?page={n}" for n in range(1, 4)] + ["/search?q=XSS"]
        return users, pages, db.session.scalar(select(Idea.author_id).where(Idea.id == ideas[0]))


def _author(n: int, name: str) -> User:
    """A member named with the payload, or plainly if the name rules refuse it (the
    refusal is itself safe: such a name can never be shown)."""
    email = f"author{n}@example.gc.ca"
    try:
        with db.session.begin_nested():
            return register_user(email, name, PASSWORD, role=Role.MEMBER)
    except DomainError:
        return register_user(email, f"Author {n}", PASSWORD, role=Role.MEMBER)


def watch(tab) -> list[str]:
    """Collect the tab's dialogs, script errors and CSP reports into a list."""
    problems: list[str] = []
    tab.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return problems


def visit(tab, pages) -> list[str]:
    """Open each page; list dialogs, CSP reports, script errors and live payload elements."""
    problems = watch(tab)
    for path in pages:
        response = tab.goto(path)
        assert response is not None and response.status < 500, path
        tab.wait_for_load_state("load")
        problems.extend(f"{path}: {found}" for found in tab.evaluate(LIVE_IN_DOM))
        # Focus and hover what is there, for handlers that wait for a person.
        tab.keyboard.press("Tab")
        tab.mouse.move(200, 300)
    return problems


def test_no_payload_runs_in_the_browser(app, browser, live_server):
    users, pages, author_id = seed_payloads(app)
    idea_pages = [path for path in pages if path.startswith("/ideas/")]
    shared = [path for path in pages if path not in idea_pages] + [f"/members/{author_id}"]
    staff_only = ["/moderation", "/triage", "/admin/audit"]
    # Staff pages show every text (rationales, flags, responses): staff read every idea;
    # a member reads the lists and a sample of ideas, for what only members see.
    for role, paths in (
        (Role.SECRETARIAT, [*idea_pages, *shared, *staff_only]),
        (Role.MEMBER, [*idea_pages[::6], *shared]),
    ):
        context = browser.new_context(base_url=live_server)
        try:
            tab = context.new_page()
            sign_in(tab, users[role], PASSWORD)
            assert visit(tab, paths) == [], role
        finally:
            context.close()


def test_the_checks_see_a_payload_that_runs(browser):
    # Without our escaping and policy (a blank page), the same watchers catch the payload.
    context = browser.new_context()
    try:
        tab = context.new_page()
        problems = watch(tab)
        # set_content waits for "load", which the alert holds back until it is dismissed.
        tab.set_content('<p>x</p><img src="x" onerror="alert(1)">')
        assert any(problem.startswith("dialog") for problem in problems)
        assert tab.evaluate(LIVE_IN_DOM) == ["IMG onerror", "IMG"]
    finally:
        context.close()
