"""Theme, group and department names for cards and filter selects, kept by each worker.

Every list page names each card's theme and group and offers every theme, group and
department in its filter selects. Those rows change rarely (an administrator adds a
theme, a member creates a group), so each worker keeps them, already in each of our
languages, for IDEAS_REFERENCE_CACHE_SECONDS (60 s; 0 in tests: read on every request).
A commit that adds, changes or deletes a theme, group or department empties this
worker's copy at once; other workers see the change when their copy expires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ideas.accounts.models import Department
from ideas.board.models import Theme
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.i18n import LOCALE_TAGS

EXTENSION_KEY = "ideas.reference"
_REQUEST_ATTRIBUTE = "_ideas_reference"
_SESSION_FLAG = "ideas.reference_changed"
_REFERENCE_MODELS = (Theme, Group, Department)


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a filter select: an id and a name in the reader's language."""

    id: int
    name: str

    def __getitem__(self, key: str):
        """The shared filter macro reads its options as item["id"] and item["name"]."""
        return getattr(self, key)


@dataclass(frozen=True)
class ReferenceNames:
    """Themes (display order), groups and departments (by name) in one language."""

    themes: list[Choice]
    groups: list[Choice]
    departments: list[Choice]
    theme_names: dict[int, str]
    group_names: dict[int, str]


@dataclass(frozen=True)
class _Snapshot:
    expires: float
    by_locale: dict[str, ReferenceNames]
    # HTML made from these names only (the filter selects), by what it depends on.
    fragments: dict[tuple, str] = field(default_factory=dict)


def _load() -> dict[str, ReferenceNames]:
    """Read the three tables once and name their rows in each of our languages."""
    themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)).all()
    groups = db.session.execute(select(Group.id, Group.name).order_by(Group.name)).all()
    departments = db.session.scalars(select(Department)).all()
    group_choices = [Choice(row.id, row.name) for row in groups]
    by_locale = {}
    for code in LOCALE_TAGS:
        theme_choices = [Choice(t.id, t.name_in(code)) for t in themes]
        by_locale[code] = ReferenceNames(
            themes=theme_choices,
            groups=group_choices,
            departments=sorted(
                (Choice(d.id, d.name_in(code)) for d in departments),
                key=lambda choice: choice.name.casefold(),
            ),
            theme_names={c.id: c.name for c in theme_choices},
            group_names={c.id: c.name for c in group_choices},
        )
    return by_locale


def reference_names(code: str, refresh: bool = False) -> ReferenceNames:
    """The reference names in one of our locale codes: this worker's copy while it is fresh.

    `refresh` reads the tables again (a card names a group this worker has not seen yet).
    Within a request the rows are read once, even when the cache is off.
    """
    memo = request._get_current_object() if has_request_context() else None
    by_locale = None if refresh else getattr(memo, _REQUEST_ATTRIBUTE, None)
    if by_locale is None:
        seconds = current_app.config.get("IDEAS_REFERENCE_CACHE_SECONDS", 0)
        snapshot = current_app.extensions.get(EXTENSION_KEY)
        now = time.monotonic()
        if refresh or not seconds or snapshot is None or snapshot.expires <= now:
            snapshot = _Snapshot(now + seconds, _load())
            if seconds:
                current_app.extensions[EXTENSION_KEY] = snapshot
        by_locale = snapshot.by_locale
        if memo is not None:
            setattr(memo, _REQUEST_ATTRIBUTE, by_locale)
    return by_locale.get(code) or by_locale["en"]


def cached_fragment(key: tuple, render: Callable[[], str]) -> str:
    """HTML made only from the reference names and `key`, kept with this worker's copy.

    The key must hold everything else the HTML depends on (locale, selected values). With
    the cache off, or the copy expired, the HTML is made afresh.
    """
    snapshot = current_app.extensions.get(EXTENSION_KEY)
    seconds = current_app.config.get("IDEAS_REFERENCE_CACHE_SECONDS", 0)
    if not seconds or snapshot is None or snapshot.expires <= time.monotonic():
        return render()
    html = snapshot.fragments.get(key)
    if html is None:
        if len(snapshot.fragments) >= 512:
            snapshot.fragments.clear()  # a bound on filter combinations, not an LRU
        html = snapshot.fragments[key] = render()
    return html


def forget_reference_names() -> None:
    """Drop this worker's copy and the request's, so the next read goes to the database."""
    if has_app_context():
        current_app.extensions.pop(EXTENSION_KEY, None)
    _forget_in_request()


def _forget_in_request() -> None:
    if has_request_context():
        vars(request._get_current_object()).pop(_REQUEST_ATTRIBUTE, None)


@event.listens_for(Session, "after_flush")
def _note_reference_changes(session: Session, _flush_context) -> None:
    """Remember that this transaction wrote a theme, group or department."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(instance, _REFERENCE_MODELS) for instance in changed):
        session.info[_SESSION_FLAG] = True
        # The same session reads its own flushed rows: the request's copy is stale now.
        _forget_in_request()


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    """A committed change to the reference rows empties this worker's copy.

    The flag is not cleared on rollback: a savepoint's rollback would otherwise hide the
    transaction's earlier changes; at worst a rolled-back change empties the copy once.
    """
    if session.info.pop(_SESSION_FLAG, False):
        forget_reference_names()
