"""The workflow blueprint; its pages live in one module per area, imported below."""

from flask import Blueprint

bp = Blueprint("workflow", __name__)

# Each module adds its routes (and idea-page panels) to `bp` when imported.
from ideas.workflow.views import (  # noqa: E402
    assessments,
    merges,
    pilots,
    responses,
    stages,
    triage,
)

__all__ = ["assessments", "bp", "merges", "pilots", "responses", "stages", "triage"]
