"""Extension point for the idea page: features add panels without editing the board's view.

A feature registers a function (idea, viewer) -> dict; the idea page merges every dict
into its template context. The workflow, moderation and other features use it for their
parts of the page (pilot, assessments, official responses, flag buttons...).

Most ideas have no pilot, expert, assessment, merged duplicate, milestone or official
response, yet each panel would ask. So a feature also registers a probe, an EXISTS clause
for its rows, and `panel_context` sends every probe in one statement first; a panel's
query function asks `idea_has` and skips its query when the answer is no.
"""

from collections.abc import Callable
from contextvars import ContextVar

from sqlalchemy import Exists, select

from ideas.accounts.models import User
from ideas.board.models import Idea
from ideas.extensions import db

PanelProvider = Callable[[Idea, User], dict]
Probe = Callable[[int], Exists]
_PROVIDERS: list[PanelProvider] = []
_PROBES: dict[str, Probe] = {}
# (idea id, {probe name: found}) while panel_context runs; None elsewhere.
_PROBED: ContextVar[tuple[int, dict[str, bool]] | None] = ContextVar("idea_probed", default=None)


def idea_panel(provider: PanelProvider) -> PanelProvider:
    """Register a provider of template context for the idea page (a decorator)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def idea_probe(name: str, probe: Probe) -> None:
    """Register an EXISTS clause (given an idea id) that the idea page checks before its panels."""
    _PROBES[name] = probe


def idea_has(idea: Idea, name: str) -> bool:
    """Whether the idea may have rows of the probed kind: False only when the page's probe said so.

    Outside the idea page's panels (another page, a write), the answer is True, so the
    caller queries as it would without probes: a stale answer can never hide a row.
    """
    probed = _PROBED.get()
    if probed is None or probed[0] != idea.id:
        return True
    return probed[1].get(name, True)


def probe_idea(idea: Idea) -> dict[str, bool]:
    """Every registered probe for this idea, answered by one statement."""
    if not _PROBES:
        return {}
    names = list(_PROBES)
    row = db.session.execute(select(*(_PROBES[name](idea.id).label(name) for name in names)))
    return {name: bool(found) for name, found in zip(names, row.one(), strict=True)}


def panel_context(idea: Idea, viewer: User) -> dict:
    """The merged context of every registered panel, for this idea and viewer."""
    token = _PROBED.set((idea.id, probe_idea(idea)))
    try:
        context: dict = {}
        for provider in _PROVIDERS:
            context.update(provider(idea, viewer))
        return context
    finally:
        _PROBED.reset(token)
