"""Who may read the audit log."""

from ideas.accounts.models import User


def can_browse_audit(user: User | None) -> bool:
    """Only administrators browse the audit log (secretariat staff act; admins oversee)."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_admin)
