"""The dashboard blueprint: executive dashboard, progress reports and exports."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)


@bp.before_request
def _plan_afresh() -> None:
    # Date ranges and scopes vary per request: a reused generic plan costs these pages more
    # than planning does (ideas/postgres.py). Harmless on SQLite, which plans every time.
    from ideas.extensions import db
    from ideas.postgres import plan_afresh

    plan_afresh(db.session)


# Each module adds its routes to `bp`; imported here so registering the blueprint is enough.
from ideas.dashboard.views import exports, overview, reports  # noqa: E402, F401
