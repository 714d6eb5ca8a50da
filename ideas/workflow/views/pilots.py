"""Workflow pages: pilots."""

from ideas.workflow.views import bp  # noqa: F401 - routes are added to it here
