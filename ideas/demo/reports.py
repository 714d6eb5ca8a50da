"""The demo's published progress reports, frozen by the same service the secretariat uses."""

from datetime import date, timedelta

from sqlalchemy import select

from ideas.accounts.models import Role, User
from ideas.board.models import Theme
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.models import PublishedReport
from ideas.dashboard.reports import publish_report
from ideas.extensions import db


def publish_demo_reports(users: list[User], today: date) -> list[PublishedReport]:
    """Publish two reports a newcomer can open from "Reports": a quarter, and a theme's quarter.

    They go through `publish_report`, so they are real snapshots: the demo's later changes
    (or a visitor's votes) leave them as they were, as a published report should be.
    """
    publisher = next(u for u in users if u.role is Role.SECRETARIAT)
    # The campaign began about six months ago: its first quarter, then the next one up to
    # a month ago, the second narrowed to one theme so the frozen filters show on the page.
    first = DashboardFilters(start=today - timedelta(days=180), end=today - timedelta(days=91))
    theme = db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)).first()
    second = DashboardFilters(
        start=today - timedelta(days=90),
        end=today - timedelta(days=29),
        theme_id=theme.id if theme is not None else None,
    )
    return [
        publish_report(publisher, first, "Progress report: the campaign's first quarter"),
        publish_report(
            publisher,
            second,
            f"Progress report: {theme.name_en if theme is not None else 'every theme'}, "
            "second quarter",
        ),
    ]
