"""A site with something on every page, and the list of every page, built from the URL map.

`seed_site` fills the database through the real services (one transaction) so that each
page has content in each state worth checking; `page_urls` turns every GET route of the
app into addresses built from those rows. A new page is covered without editing this
file, unless its address takes an argument named here nowhere: then `page_urls` fails and
says so (add the argument to `arguments()`, or the route to `SKIPPED_ENDPOINTS` with why).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import axe_playwright_python
from flask import Flask, url_for

from config import Config
from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.accounts.services import register_user
from ideas.accounts.tokens import (
    EMAIL_CHANGE_SALT,
    REGISTER_SALT,
    RESET_SALT,
    account_fingerprint,
    make_token,
)
from ideas.board.models import Theme
from ideas.board.services import cast_vote, follow_idea, post_comment, post_idea
from ideas.dashboard.reports import publish_report, report_filters
from ideas.extensions import db
from ideas.groups.models import GroupKind
from ideas.groups.services import create_group, join_group
from ideas.i18n import LOCALE_TAGS
from ideas.moderation.services import flag_content, hide_content
from ideas.timeutil import utcnow
from ideas.workflow.assessments import Scorecard, assess_idea
from ideas.workflow.experts import assign_expert
from ideas.workflow.merges import merge_ideas
from ideas.workflow.models import PilotOutcome, Recommendation
from ideas.workflow.pilots import PilotPlan, PilotResult
from ideas.workflow.progress import record_progress
from ideas.workflow.responses import post_official_response
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.conftest import PASSWORD

ROLES = (Role.MEMBER, Role.SECRETARIAT, Role.EXECUTIVE, Role.ADMIN)
# Every offered language, and what <html lang> says in each: a fourth one is checked too.
LANGUAGES = Config.LANGUAGES
HTML_LANG = LOCALE_TAGS

# Routes that are not pages a person reads, so axe has nothing to check.
SKIPPED_ENDPOINTS = {
    "static": "stylesheets, scripts and images, not pages",
    "workflow.export_progress": "a CSV download, not an HTML page",
    "search.similar_ideas": "JSON for the idea form's similar-ideas hint, not a page",
    "dashboard.progress_report_markdown": "a Markdown download, not an HTML page",
    "dashboard.progress_report_csv": "a CSV download, not an HTML page",
    "dashboard.published_report_markdown": "a Markdown download, not an HTML page",
    "dashboard.published_report_csv": "a CSV download, not an HTML page",
    "dashboard.export_ideas_csv": "a CSV download, not an HTML page",
    "dashboard.export_ideas_json": "a JSON download, not an HTML page",
}
# Flask answers HEAD and OPTIONS for every GET route; only GET shows a page.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()

RATIONALE = "Discussed at the weekly triage meeting with the policy team."


@dataclass
class Site:
    """The ids and addresses of what `seed_site` made."""

    users: dict[Role, User] = field(default_factory=dict)
    author_id: int = 0
    ideas: dict[str, int] = field(default_factory=dict)
    own_ideas: dict[Role, int] = field(default_factory=dict)
    comments: dict[str, int] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    report_id: int = 0
    # Emailed-link tokens, by endpoint (see `account_link_tokens`).
    tokens: dict[str, str] = field(default_factory=dict)


def _user(email: str, name: str, role: Role, locale: str, department=None) -> User:
    return register_user(email, name, PASSWORD, department=department, role=role, locale=locale)


def seed_site(app: Flask, locale: str) -> Site:
    """Every page with content: ideas in each state, comments, flags, groups, notifications.

    The four signed-in roles read `locale`; the other authors write in French and Chinese,
    so pages carry text in a language other than the interface's, marked up as such.
    """
    site = Site()
    with app.app_context():
        department = Department(
            name_en="Shared Services Canada",
            name_fr="Services partagés Canada",
            name_zh="加拿大共享服務部",
            level=GovernmentLevel.FEDERAL,
        )
        db.session.add(department)
        db.session.flush()
        users = {
            role: _user(f"{role.value}@example.gc.ca", f"{role.value.title()} Person", role,
                        locale, department)
            for role in ROLES
        }  # fmt: skip
        author = _user("auteure@example.gc.ca", "Aude Tremblay", Role.MEMBER, "fr", department)
        expert = _user("expert@example.gc.ca", "林怡君", Role.MEMBER, "zh_Hant_TW")
        member, staff, executive, admin = (users[role] for role in ROLES)
        themes = db.session.query(Theme).order_by(Theme.position).all()

        group = create_group(author, "Données ouvertes", "Open **data** for everyone.")
        join_group(member, group)
        dept_group = create_group(
            admin, "Shared Services people", "", GroupKind.DEPARTMENT, department
        )

        def idea(title, body="Texte de l'idée, avec **Markdown**.", by=author, **kwargs):
            return post_idea(by, title, body, themes[len(site.ideas) % len(themes)], **kwargs)

        rich = idea("Partager les bureaux entre équipes", group=group)
        site.ideas["rich"] = rich.id
        for user in users.values():
            follow_idea(user, rich)
        cast_vote(member, rich, 1)
        cast_vote(staff, rich, -1)
        first = post_comment(member, rich, "A *good* idea, and cheap.")
        post_comment(author, rich, "Merci !", first)
        reported = post_comment(expert, rich, "這個想法不錯，但需要預算。")
        site.comments["visible"] = first.id
        site.comments["reported"] = reported.id
        flag_content(member, rich, reported, reason="Off topic for this idea.")
        rude = post_comment(expert, rich, "Rude words.")
        hide_content(staff, rich, rude, reason="Breaks the code of conduct.")
        move_stage(rich, Stage.UNDER_REVIEW, staff, RATIONALE)
        assign_expert(rich, expert, staff)
        assess_idea(rich, expert, Scorecard(
            {"relevance": 4, "support": 3, "impact": 5, "results": 4, "feasibility": 2},
            Recommendation.PILOT,
        ))  # fmt: skip
        post_official_response(rich, executive, "We **agree**; the secretariat will report.")
        # Owed a response for weeks: the triage queue's overdue bucket has a row.
        rich.threshold_reached_at = utcnow() - timedelta(days=45)

        duplicate = idea("Bureaux partagés", by=expert, language="fr")
        merge_ideas(duplicate, rich, staff, RATIONALE)
        site.ideas["merged"] = duplicate.id

        done = idea("Shared printers on every floor", language="en")
        done.stage = Stage.ASSESSED
        follow_idea(member, done)
        plan = PilotPlan("Shared printers cut costs.", "Costs fall 10% in six months.",
                         department, date(2025, 6, 1), date(2025, 11, 30))  # fmt: skip
        move_stage(done, Stage.PILOTED, staff, RATIONALE, pilot=plan)
        record_progress(done, staff, 30, "Printers installed in Moncton", date(2025, 6, 15))
        result = PilotResult(PilotOutcome.SUCCEEDED, "Costs fell 12%.")
        move_stage(done, Stage.IMPLEMENTED, staff, RATIONALE, outcome=result)
        record_progress(done, staff, 70, "Rolled out to five offices", date(2025, 12, 1))
        site.ideas["implemented"] = done.id

        piloted = idea("線上預約會議室", by=expert)
        piloted.stage = Stage.ASSESSED
        move_stage(piloted, Stage.PILOTED, staff, RATIONALE, pilot=plan)
        site.ideas["piloted"] = piloted.id

        flagged = idea("Mandatory fun committee", language="en")
        flag_content(member, flagged, reason="Off-topic and insulting.")
        site.ideas["flagged"] = flagged.id

        hidden = idea("Une idée masquée")
        hide_content(staff, hidden, reason="Breaks the code of conduct.")
        site.ideas["hidden"] = hidden.id

        for role, user in users.items():
            site.own_ideas[role] = idea(f"My own idea as {role.value}", by=user).id
        # A published progress report of the last four weeks: everything above is in it.
        period = report_filters({}, utcnow().date())
        site.report_id = publish_report(staff, period, "Progress report, last four weeks").id
        db.session.commit()
        site.tokens = account_link_tokens(member, author, department)

        site.users = {role: _detached(user) for role, user in users.items()}
        site.author_id = author.id
        site.groups = {"topic": group.slug, "department": dept_group.slug}
    return site


def account_link_tokens(member: User, author: User, department: Department) -> dict[str, str]:
    """Valid tokens for the pages opened from emailed links (needs an app context).

    The reset link is the author's, who never signs in or out here (signing out would
    spend it); the email-change link is the member's own, and only the member may open it.
    The registration and email-change links name addresses already in use, so that tests
    posting to every route (access, fuzzing) cannot change the shared site through them:
    their pages show the same form, and their buttons then change nothing.
    """
    registration = {"e": author.email, "n": "New Person", "d": department.id, "l": "fr",
                    "h": author.password_hash}  # fmt: skip
    return {
        "accounts.reset_password": make_token(
            RESET_SALT, {"u": author.id, "f": account_fingerprint(author)}
        ),
        "accounts.confirm_registration": make_token(REGISTER_SALT, registration),
        "accounts.confirm_email_change": make_token(
            EMAIL_CHANGE_SALT,
            {"u": member.id, "e": member.email, "f": account_fingerprint(member)},
        ),
    }


def _detached(user: User) -> User:
    db.session.refresh(user)
    db.session.expunge(user)
    return user


def arguments(site: Site) -> dict[str, object]:
    """The value of each URL argument for any route that `endpoint_arguments` leaves out."""
    return {
        "idea_id": site.ideas["rich"],
        "comment_id": site.comments["reported"],
        "slug": site.groups["topic"],
        "user_id": site.author_id,
        "report_id": site.report_id,
        "token": site.tokens.get("accounts.reset_password", ""),
    }


# Pages whose look depends on the idea's state get every state; the rest take the default.
def endpoint_arguments(site: Site, role: Role | None) -> dict[str, list[dict]]:
    """Endpoint-specific argument sets (beyond the defaults of `arguments`)."""
    ideas = site.ideas
    own = [site.own_ideas[role]] if role in site.own_ideas else []
    return {
        "board.show_idea": [{"idea_id": i} for i in (*ideas.values(), *own)],
        "board.edit_idea_page": [{"idea_id": i} for i in own],
        "workflow.update_progress": [{"idea_id": ideas["implemented"]}],
        "workflow.move_stage": [{"idea_id": ideas[k]} for k in ("rich", "piloted")],
        "workflow.merge_idea": [{"idea_id": ideas["flagged"]}],
        "moderation.review_idea": [{"idea_id": ideas["flagged"]}],
        "moderation.flag_idea": [{"idea_id": ideas["flagged"]}],
        "moderation.flag_comment": [{"comment_id": site.comments["visible"]}],
        "groups.show_group": [{"slug": slug} for slug in site.groups.values()],
        "groups.list_members": [{"slug": site.groups["topic"]}],
        **{endpoint: [{"token": token}] for endpoint, token in site.tokens.items()},
    }


def page_urls(app: Flask, site: Site, role: Role | None) -> list[str]:
    """Every page of the app (each GET route not skipped), with arguments from the site."""
    defaults = arguments(site)
    specific = endpoint_arguments(site, role)
    urls = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
                continue
            unknown = set(rule.arguments) - set(defaults)
            if unknown:
                raise AssertionError(
                    f"{rule.rule} takes {sorted(unknown)}: give it a value in arguments() of "
                    f"{__name__}, or skip {rule.endpoint} in SKIPPED_ENDPOINTS with a reason"
                )
            if rule.endpoint in specific:
                sets = specific[rule.endpoint]
            else:
                sets = [{name: defaults[name] for name in rule.arguments}]
            urls.extend(url_for(rule.endpoint, **values) for values in sets)
    return list(dict.fromkeys(urls))


def axe_violations(tab) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page, one readable line each.

    The context's init script has loaded axe already (see `axe_context`), which saves
    sending its half megabyte again on every page.
    """
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = tab.evaluate("options => axe.run(document, options)", options)
    return [
        f"{rule['id']}: {rule['help']} ({len(rule['nodes'])}x, e.g. "
        f"{rule['nodes'][0]['target']} {rule['nodes'][0].get('failureSummary', '')!r})"
        for rule in result["violations"]
    ]


def axe_context(browser, base_url: str, **options):
    """A browser context whose every page loads axe-core before its own scripts."""
    context = browser.new_context(base_url=base_url, **options)
    context.add_init_script(script=AXE_SOURCE)
    return context


def sign_in_with_keyboard(tab, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form, typing and pressing Enter as a keyboard user does."""
    tab.goto("/sign-in")
    tab.locator("#email").focus()
    tab.keyboard.type(email)
    tab.keyboard.press("Tab")
    tab.keyboard.type(password)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert not tab.url.endswith("/sign-in"), "sign-in failed"
