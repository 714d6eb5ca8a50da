"""Extension point for the idea page: features add panels without editing the board's view.

A feature registers a function (idea, viewer) -> dict; the idea page merges every dict
into its template context. The workflow, moderation and other features use it for their
parts of the page (pilot, assessments, official responses, flag buttons...).
"""

from collections.abc import Callable

from ideas.accounts.models import User
from ideas.board.models import Idea

PanelProvider = Callable[[Idea, User], dict]
_PROVIDERS: list[PanelProvider] = []


def idea_panel(provider: PanelProvider) -> PanelProvider:
    """Register a provider of template context for the idea page (a decorator)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def panel_context(idea: Idea, viewer: User) -> dict:
    """The merged context of every registered panel, for this idea and viewer."""
    context: dict = {}
    for provider in _PROVIDERS:
        context.update(provider(idea, viewer))
    return context
