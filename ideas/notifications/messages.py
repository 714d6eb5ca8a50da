"""The text of each kind of notification, rendered in the reader's language when shown.

Notifications store a `kind` and the values the message needs (`data`), never display
text, so one notification reads correctly in English, French or Chinese and follows
later corrections of the wording. The data each kind expects:

- stage_moved: from_stage, to_stage (Stage values)
- merged: target_id (the idea the duplicate was merged into)
- moderated: outcome ("hidden", "dismissed" or "unhidden"), automatic (true when enough
  reports hid it before any moderator decided); who reported it is never shown
- progress_updated: progress (the new percentage, 0 to 100)
- official_response, expert_assigned, reviewer_assigned: nothing
"""

from collections.abc import Callable, Mapping

from flask import url_for
from flask_babel import format_percent
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ideas.board.models import Idea
from ideas.notifications.models import Notification
from ideas.workflow.stages import Stage

GENERIC = _l("Something happened on an idea.")

TEMPLATES = {
    "stage_moved": _l("Moved from %(from_stage)s to %(to_stage)s."),
    "official_response": _l("An official response was posted."),
    "merged": _l("Merged into %(target)s as a duplicate; its votes and followers moved there."),
    "moderated": _l("Your content here was reported to the moderators: %(outcome)s."),
    "expert_assigned": _l("You were asked to assess this idea as an expert."),
    "reviewer_assigned": _l("You were assigned to review this idea."),
    "progress_updated": _l("Implementation progress is now %(progress)s."),
}

MODERATION_OUTCOMES = {
    "hidden": _l("a moderator hid it from members"),
    "auto_hidden": _l("it is hidden from members until a moderator reviews it"),
    "dismissed": _l("the reports were dismissed and nothing was hidden"),
    "unhidden": _l("it is visible to members again"),
}

# Kinds whose actor is not named to the reader (moderation decisions stay impersonal).
ANONYMOUS_KINDS = frozenset({"moderated"})


def _stage_moved(data: Mapping, ideas: Mapping[int, Idea]) -> dict:
    return {
        "from_stage": Stage(data["from_stage"]).label,
        "to_stage": Stage(data["to_stage"]).label,
    }


def _merged(data: Mapping, ideas: Mapping[int, Idea]) -> dict:
    target_id = int(data["target_id"])
    target = ideas.get(target_id)
    text = target.title if target is not None else str(_l("idea #%(id)s", id=target_id))
    href = url_for("board.show_idea", idea_id=target_id)
    return {"target": Markup('<a href="{}">{}</a>').format(href, text)}


def _moderated(data: Mapping, ideas: Mapping[int, Idea]) -> dict:
    outcome = data["outcome"]
    if outcome == "hidden" and data.get("automatic"):
        outcome = "auto_hidden"
    return {"outcome": MODERATION_OUTCOMES[outcome]}


def _progress_updated(data: Mapping, ideas: Mapping[int, Idea]) -> dict:
    progress = int(data["progress"])
    if not 0 <= progress <= 100:
        raise ValueError(progress)
    return {"progress": format_percent(progress / 100)}


PARAMETERS: dict[str, Callable[[Mapping, Mapping[int, Idea]], dict]] = {
    "stage_moved": _stage_moved,
    "merged": _merged,
    "moderated": _moderated,
    "progress_updated": _progress_updated,
}


def referenced_idea_ids(notification: Notification) -> set[int]:
    """Ideas a notification's message names besides its own (the merge target)."""
    data = notification.data or {}
    if notification.kind == "merged" and str(data.get("target_id", "")).isdigit():
        return {int(data["target_id"])}
    return set()


def render_message(notification: Notification, ideas: Mapping[int, Idea] | None = None) -> Markup:
    """The notification's text in the active language, as safe HTML.

    `ideas` maps ids to the ideas the message may name; an unknown kind or data the
    template cannot use give the generic message rather than an error page.
    """
    template = TEMPLATES.get(notification.kind)
    if template is None:
        return escape(str(GENERIC))
    build = PARAMETERS.get(notification.kind)
    if build is None:
        return escape(str(template))
    try:
        params = build(notification.data or {}, ideas or {})
    except (KeyError, ValueError, TypeError):
        return escape(str(GENERIC))
    # The translated template is escaped as text; Markup's % escapes each value unless it
    # is already Markup (the link to a merge target).
    return escape(str(template)) % {
        key: value if isinstance(value, Markup) else str(value) for key, value in params.items()
    }


def shows_actor(notification: Notification) -> bool:
    """Whether the reader is told who caused the notification."""
    return notification.kind not in ANONYMOUS_KINDS and notification.actor is not None
