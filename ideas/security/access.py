"""Deny by default: one table says which roles may call every endpoint with every method.

Every request passes through `enforce_access_table` (a `before_request` hook registered
in `create_app`). A request whose endpoint and method are not in `ACCESS_TABLE`, or whose
caller's role is not listed for that cell, is refused before the view runs: anonymous
visitors are sent to sign in (JSON callers get 401), signed-in members get 403. Unknown
addresses (404) and wrong methods (405) are left to Flask, unchanged.

The table is the coarse, role-level gate. Object-level rules ("only the author edits
this idea while it is proposed", "only an assigned expert assesses it") stay in the
views' `can_*` predicates; a cell says so with `.then("...")`, which documents the
check and tells the tests in `tests/security/` to exercise it.

How to add an endpoint (do it in the same change that adds the route):

1. Add a line under your blueprint's heading below, keyed by the endpoint name
   (`"feature.verb"`), with one entry per HTTP method the route accepts (HEAD and
   OPTIONS follow GET automatically; never list them)::

       "board.edit_idea_page": {
           "GET": SIGNED_IN.then("author, while proposed"),
           "POST": SIGNED_IN.then("author, while proposed"),
       },

2. Pick the narrowest audience that can ever succeed: `EVERYONE` (anonymous too),
   `SIGNED_IN` (every role), `STAFF` (secretariat and admin), `DASHBOARD` (executive,
   secretariat, admin), `RESPONDERS` (the same three), `ADMIN_ONLY`, or build one with
   `allow(ANONYMOUS, Role.MEMBER, ...)`. Keep the view's own `can_*` check: the table
   is a second lock, not a replacement.
3. If the view then checks the object (owner, author, group admin, assigned expert),
   add `.then("who")`, and make sure the view answers 403 (or 404 when the object must
   not be revealed) to the others.
4. Run `pytest tests/security/test_access_table.py`: it fails if an endpoint or method
   is missing from the table or the table names one that no longer exists, and
   `tests/security/test_access_cells.py` then checks the new cell for every role (a
   route whose URL takes an argument needs a value in `arguments()` of
   `tests/browser/site_pages.py`, or in `EXTRA_ARGUMENTS` of
   `tests/security/access_site.py`). A new `.then(...)` text needs a test in
   `tests/security/test_access_objects.py` (its last test lists the untested ones).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import Flask, abort, request
from flask_login import current_user

from ideas.accounts.models import Role

# The pseudo-role of a visitor who has not signed in.
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Allow:
    """Who may use one endpoint with one method, and which object check the view adds."""

    roles: frozenset[str]
    # None: the role is enough. Otherwise a short description of the view's own
    # object-level check (e.g. "author, while proposed"): the role is necessary only.
    then_check: str | None = None

    def then(self, check: str) -> Allow:
        """The same roles, followed by an object-level check in the view."""
        return replace(self, then_check=check)

    def permits(self, role: str) -> bool:
        """True if a caller with this role (or `ANONYMOUS`) gets past the table."""
        return role in self.roles


def allow(*roles: str) -> Allow:
    """An audience made of the given roles (`ANONYMOUS` and/or `Role` members)."""
    return Allow(frozenset(str(role) for role in roles))


SIGNED_IN = allow(Role.MEMBER, Role.SECRETARIAT, Role.EXECUTIVE, Role.ADMIN)
EVERYONE = allow(ANONYMOUS, *SIGNED_IN.roles)
ANONYMOUS_ONLY = allow(ANONYMOUS)
STAFF = allow(Role.SECRETARIAT, Role.ADMIN)
DASHBOARD = allow(Role.EXECUTIVE, Role.SECRETARIAT, Role.ADMIN)
RESPONDERS = allow(Role.SECRETARIAT, Role.EXECUTIVE, Role.ADMIN)
ADMIN_ONLY = allow(Role.ADMIN)

# Every role a caller can have, in the order the docs and tests list them.
ALL_ROLES: tuple[str, ...] = (ANONYMOUS, *(str(role) for role in Role))

# Object-level checks the views make after the table (named once, reused below).
AUTHOR_WHILE_PROPOSED = "the idea's author, while it is proposed"
VISIBLE_IDEA = "hidden ideas: staff see them, others a notice"
NOT_OWN_VISIBLE = "not the caller's own content, and not hidden"
OPEN_IDEA = "not a merged or hidden idea"
VOTABLE = "not the author's own idea, not merged or hidden"
OWN_NOTIFICATION = "the caller's own notification (others: 404)"
STAFF_OR_EXPERT = "staff, or an expert assigned to the idea"
OWN_ONLY = "acts on the caller's own account only"

ACCESS_TABLE: dict[str, dict[str, Allow]] = {
    # Static files: CSS, JS, images and fonts are public.
    "static": {"GET": EVERYONE},
    # main
    "main.home": {"GET": EVERYONE},  # visitors get the welcome page
    "main.set_language": {"POST": EVERYONE},  # visitors keep it in the session only
    # accounts
    "accounts.register": {"GET": EVERYONE, "POST": EVERYONE},  # signed in: sent home
    "accounts.sign_in": {"GET": EVERYONE, "POST": EVERYONE},  # signed in: sent home
    "accounts.sign_out": {"POST": EVERYONE},  # a visitor's sign-out changes nothing
    "accounts.edit_profile": {
        "GET": SIGNED_IN.then(OWN_ONLY),
        "POST": SIGNED_IN.then(OWN_ONLY),
    },
    "accounts.show_user": {"GET": SIGNED_IN},
    # accounts: registration links, password reset, re-authentication, password, email and
    # sessions. Emailed links work for whoever holds them (the token is the credential);
    # the email-change link also needs the account it was made for to be signed in.
    "accounts.registration_sent": {"GET": EVERYONE},
    "accounts.confirm_registration": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.request_password_reset": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.password_reset_sent": {"GET": EVERYONE},
    "accounts.reset_password": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.reauthenticate": {"GET": SIGNED_IN.then(OWN_ONLY), "POST": SIGNED_IN.then(OWN_ONLY)},
    "accounts.security": {"GET": SIGNED_IN.then(OWN_ONLY)},
    "accounts.change_password": {
        "GET": SIGNED_IN.then(OWN_ONLY),
        "POST": SIGNED_IN.then(OWN_ONLY),
    },
    "accounts.sign_out_everywhere": {"POST": SIGNED_IN.then(OWN_ONLY)},
    "accounts.change_email": {
        "GET": SIGNED_IN.then("the caller's own account, with a fresh sign-in"),
        "POST": SIGNED_IN.then("the caller's own account, with a fresh sign-in"),
    },
    "accounts.confirm_email_change": {
        "GET": SIGNED_IN.then("the account the emailed link was made for (others: 403)"),
        "POST": SIGNED_IN.then("the account the emailed link was made for (others: 403)"),
    },
    # dashboard: progress reports (live for the dashboard roles, published for all) and exports
    "dashboard.progress_report": {"GET": DASHBOARD},
    "dashboard.progress_report_markdown": {"GET": DASHBOARD},
    "dashboard.progress_report_csv": {"GET": DASHBOARD},
    "dashboard.publish_progress_report": {"POST": STAFF},
    "dashboard.list_reports": {"GET": SIGNED_IN},
    "dashboard.show_report": {"GET": SIGNED_IN},
    "dashboard.published_report_markdown": {"GET": SIGNED_IN},
    "dashboard.published_report_csv": {"GET": SIGNED_IN},
    "dashboard.export_ideas_csv": {"GET": DASHBOARD},
    "dashboard.export_ideas_json": {"GET": DASHBOARD},
    # dashboard: the executive overview
    "dashboard.overview": {"GET": DASHBOARD},
    # audit
    "audit.browse_log": {"GET": ADMIN_ONLY},
    # board
    "board.list_ideas": {"GET": SIGNED_IN},
    "board.new_idea": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "board.show_idea": {"GET": SIGNED_IN.then(VISIBLE_IDEA)},
    "board.edit_idea_page": {
        "GET": SIGNED_IN.then(AUTHOR_WHILE_PROPOSED),
        "POST": SIGNED_IN.then(AUTHOR_WHILE_PROPOSED),
    },
    "board.vote": {"POST": SIGNED_IN.then(VOTABLE)},
    "board.add_comment": {"POST": SIGNED_IN.then(OPEN_IDEA)},
    "board.follow": {"POST": SIGNED_IN},
    # groups
    "groups.list_groups": {"GET": SIGNED_IN},
    "groups.new_group": {
        "GET": SIGNED_IN,
        "POST": SIGNED_IN.then("department groups: administrators only"),
    },
    "groups.show_group": {"GET": SIGNED_IN},
    "groups.list_members": {"GET": SIGNED_IN},
    "groups.membership": {"POST": SIGNED_IN},
    # moderation
    "moderation.flag_idea": {
        "GET": SIGNED_IN.then(NOT_OWN_VISIBLE),
        "POST": SIGNED_IN.then(NOT_OWN_VISIBLE),
    },
    "moderation.flag_comment": {
        "GET": SIGNED_IN.then(NOT_OWN_VISIBLE),
        "POST": SIGNED_IN.then(NOT_OWN_VISIBLE),
    },
    "moderation.queue": {"GET": STAFF},
    "moderation.review_idea": {"GET": STAFF, "POST": STAFF},
    "moderation.review_comment": {"GET": STAFF, "POST": STAFF},
    "moderation.suspicious_votes": {"GET": STAFF},
    # notifications
    "notifications.list_notifications": {"GET": SIGNED_IN.then(OWN_ONLY)},
    "notifications.read_notification": {"POST": SIGNED_IN.then(OWN_NOTIFICATION)},
    "notifications.read_all_notifications": {"POST": SIGNED_IN.then(OWN_ONLY)},
    # privacy
    "privacy.policy": {"GET": EVERYONE},
    "privacy.export_data": {"POST": SIGNED_IN.then(OWN_ONLY)},
    "privacy.delete_my_account": {
        "GET": SIGNED_IN.then(OWN_ONLY),
        "POST": SIGNED_IN.then(OWN_ONLY),
    },
    "privacy.find_account_to_delete": {"GET": ADMIN_ONLY, "POST": ADMIN_ONLY},
    "privacy.admin_delete_account": {
        "GET": ADMIN_ONLY.then("not an already deleted account (404)"),
        "POST": ADMIN_ONLY.then("not an already deleted account (404)"),
    },
    # search
    "search.search": {"GET": SIGNED_IN},
    "search.similar_ideas": {"GET": SIGNED_IN},
    # workflow
    "workflow.triage": {"GET": STAFF},
    "workflow.bulk_triage": {"POST": STAFF},
    "workflow.move_stage": {"GET": STAFF, "POST": STAFF},
    "workflow.assess": {
        "GET": SIGNED_IN.then(STAFF_OR_EXPERT),
        "POST": SIGNED_IN.then(STAFF_OR_EXPERT),
    },
    "workflow.manage_experts": {"GET": STAFF, "POST": STAFF},
    "workflow.withdraw_expert": {"POST": STAFF},
    "workflow.merge_idea": {"GET": STAFF, "POST": STAFF},
    "workflow.respond": {"GET": RESPONDERS, "POST": RESPONDERS},
    "workflow.update_progress": {"GET": STAFF, "POST": STAFF},
    "workflow.import_progress": {"GET": STAFF, "POST": STAFF},
    "workflow.export_progress": {"GET": STAFF},
}


def caller_role() -> str:
    """The role the table checks for the current request (`ANONYMOUS` if not signed in)."""
    if current_user.is_authenticated and current_user.is_active:
        return str(current_user.role)
    return ANONYMOUS


def rule_for(endpoint: str, method: str) -> Allow | None:
    """The table's cell for an endpoint and method (HEAD counts as GET), or None."""
    method = "GET" if method == "HEAD" else method
    return ACCESS_TABLE.get(endpoint, {}).get(method)


def enforce_access_table():
    """Refuse a request the access table does not allow (registered as `before_request`)."""
    rule = request.url_rule
    if rule is None or request.routing_exception is not None:
        return None  # 404 and 405: Flask answers them unchanged.
    if request.method == "OPTIONS":
        return None  # answered by Flask itself, no view runs
    cell = rule_for(rule.endpoint, request.method)
    role = caller_role()
    if cell is not None and cell.permits(role):
        return None
    if role == ANONYMOUS and cell is not None and cell.roles:
        from ideas.extensions import login_manager

        return login_manager.unauthorized()
    abort(403)


def register(app: Flask) -> None:
    """Install the deny-by-default hook on the app."""
    app.before_request(enforce_access_table)
