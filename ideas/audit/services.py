"""Writing to and reading the audit log."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, event, select

from ideas.accounts.models import User
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea
from ideas.extensions import db


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit entry through the ORM."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper, _connection, entry: AuditEntry) -> None:
    """The log is append-only: a flush that would alter or delete an entry fails."""
    raise AppendOnlyError(f"Audit entry {entry.id} cannot be changed or deleted.")


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
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
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


def known_actions() -> list[str]:
    """The actions present in the log, for the filter's choices."""
    query = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    return list(db.session.scalars(query))


def day_bounds(
    first: date | None, last: date | None, zone_name: str = "UTC"
) -> tuple[datetime | None, datetime | None]:
    """The stored (naive UTC) instants from the start of `first` to the end of `last`.

    The days are those of the named time zone, the one pages show times in. Dates at the
    very ends of the calendar leave that side open rather than overflow.
    """
    zone = ZoneInfo(zone_name)

    def start_of(day: date) -> datetime | None:
        try:
            local = datetime.combine(day, time.min, tzinfo=zone)
            return local.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            return None

    since = start_of(first) if first is not None else None
    until = None
    if last is not None and last < date.max:
        until = start_of(last + timedelta(days=1))
    return since, until


def ideas_of(entries: Iterable[AuditEntry]) -> dict[int, Idea]:
    """The ideas the entries concern, loaded in one query (deleted ones are simply absent)."""
    ids = {entry.idea_id for entry in entries if entry.idea_id is not None}
    if not ids:
        return {}
    return {idea.id: idea for idea in db.session.scalars(select(Idea).where(Idea.id.in_(ids)))}
