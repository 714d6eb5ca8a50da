"""How audit entries read on the log page: action names and details in the active language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Known actions; an action not listed here is shown as recorded (never hidden).
ACTION_LABELS = {
    "idea.move_stage": _l("Stage moved"),
    "idea.merge": _l("Ideas merged"),
    "idea.assess": _l("Assessment recorded"),
    "idea.official_response": _l("Official response posted"),
    "idea.assign_reviewer": _l("Reviewer assigned"),
    "idea.assign_expert": _l("Expert assigned"),
    "idea.remove_expert": _l("Expert removed"),
    "idea.progress": _l("Progress updated"),
    "moderation.auto_hide": _l("Hidden automatically after reports"),
    "moderation.hide": _l("Hidden by a moderator"),
    "moderation.dismiss": _l("Reports dismissed"),
    "moderation.unhide": _l("Shown again by a moderator"),
    "user.set_role": _l("Role changed"),
    "report.publish": _l("Progress report published"),
    "account.delete": _l("Account deleted"),
    "account.export": _l("Personal data downloaded"),
}

# Detail keys with a readable name; others are shown by their key.
DETAIL_LABELS = {
    "from_stage": _l("From stage"),
    "to_stage": _l("To stage"),
    "rationale": _l("Rationale"),
    "old": _l("Before"),
    "new": _l("After"),
    "reason": _l("Reason"),
    "outcome": _l("Outcome"),
    "duplicate_id": _l("Duplicate idea"),
    "merged_into_id": _l("Merged into idea"),
    "votes_moved": _l("Votes moved"),
    "votes_dropped": _l("Votes dropped (already on the target)"),
    "followers_added": _l("Followers added"),
    "previous_reviewer_id": _l("Previous reviewer"),
    "flags_upheld": _l("Reports upheld"),
    "flags_dismissed": _l("Reports dismissed"),
    "shown_again": _l("Shown again"),
    "updated": _l("Updated an earlier one"),
    "previous": _l("Before"),
    "progress": _l("Progress (%)"),
    "milestone": _l("Milestone"),
    "happened_on": _l("Date"),
    "source": _l("Source"),
    "line": _l("Line"),
    "pilot": _l("Pilot started"),
    "pilot_outcome": _l("Pilot outcome"),
    "pilot_findings": _l("Pilot findings"),
    "period_start": _l("Period start"),
    "period_end": _l("Period end"),
    "title": _l("Title"),
    "by_administrator": _l("Deleted by an administrator"),
    "follows": _l("Follows removed"),
    "groups": _l("Group memberships removed"),
    "notifications": _l("Notifications removed"),
}


def action_label(action: str) -> str:
    """The action's name in the active language, or the action as recorded if unknown."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def action_choices(actions: list[str]) -> list[tuple[str, str]]:
    """Options for the action filter: "any", then each action present in the log."""
    return [("", _("Any action")), *((action, action_label(action)) for action in actions)]


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(item)}" for key, item in value.items())
    return str(value)


def detail_items(details: dict | None) -> list[tuple[str, str]]:
    """The entry's details as (name, value) text pairs, in recorded order (escaped by Jinja)."""
    if not isinstance(details, dict):
        return [] if details is None else [(_("Details"), _text(details))]
    return [(str(DETAIL_LABELS.get(key, key)), _text(value)) for key, value in details.items()]
