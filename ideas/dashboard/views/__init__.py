"""The dashboard blueprint: executive dashboard, progress reports and exports."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

# Each module adds its routes to `bp`; imported here so registering the blueprint is enough.
from ideas.dashboard.views import exports, overview, reports  # noqa: E402, F401
