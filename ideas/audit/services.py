"""Writing to and reading the audit log."""

from datetime import datetime

from sqlalchemy import Select, select

from ideas.accounts.models import User
from ideas.audit.models import AuditEntry
from ideas.extensions import db


def record(
    actor: User | None,
    action: str,
    *,
    idea_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    **details,
) -> AuditEntry:
    """Append one entry in the current transaction, so it is kept exactly when the action is."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        idea_id=idea_id,
        target_type=target_type,
        target_id=target_id,
        details={key: _plain(value) for key, value in details.items()},
    )
    db.session.add(entry)
    return entry


def _plain(value):
    """JSON-friendly form of enums, dates and the like."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def audit_entries(
    action: str | None = None,
    actor_id: int | None = None,
    idea_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Entries matching the filters, newest first."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if idea_id is not None:
        query = query.where(AuditEntry.idea_id == idea_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
