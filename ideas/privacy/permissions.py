"""Who may download whose data and delete whose account."""

from ideas.accounts.models import User


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_export_data(actor: User | None, member: User) -> bool:
    """Only the member themself downloads their data (not even administrators)."""
    return _signed_in(actor) and actor.id == member.id and member.deleted_at is None


def can_delete_account(actor: User | None, member: User) -> bool:
    """A member deletes their own account; an administrator deletes one on request."""
    if not _signed_in(actor) or member.deleted_at is not None:
        return False
    return actor.id == member.id or actor.is_admin


def can_delete_others(actor: User | None) -> bool:
    """Administrators may delete other members' accounts (on their request)."""
    return _signed_in(actor) and actor.is_admin
