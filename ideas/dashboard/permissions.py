"""Who may read dashboards, export data and publish progress reports."""

from ideas.accounts.models import Role

# Executives decide what to fund; the secretariat and administrators run the platform.
DASHBOARD_ROLES = (Role.EXECUTIVE, Role.SECRETARIAT, Role.ADMIN)


def can_view_dashboard(user) -> bool:
    """Executives, secretariat staff and administrators read the dashboard and drafts."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in DASHBOARD_ROLES


def can_export(user) -> bool:
    """Exports honour the dashboard's filters, so whoever reads the dashboard may export."""
    return can_view_dashboard(user)


def can_publish_report(user) -> bool:
    """Secretariat staff and administrators publish progress reports."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_staff


def can_read_published_report(user) -> bool:
    """A published report is for every signed-in member."""
    return bool(getattr(user, "is_authenticated", False))
