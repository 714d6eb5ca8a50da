"""The idea cards of the ranked list, group pages and home page, formatted in one pass.

A card shows an idea's title, stage, theme, language, group, author, date and counts,
with the reader's own vote. Formatted in the template, a page of 20 cards made about
180 calls into Flask-Babel (each looking up the request's locale and catalogue again),
20 CLDR date and 20 CLDR language-name lookups and 100 localised-name lookups: most of
the page's CPU time. Here the catalogue and locale are looked up once per list, dates
and language names once per worker (they depend only on the value and the locale), and
theme and group names come from the worker's copy of the reference rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from flask import url_for
from flask_babel import format_datetime, get_locale, get_timezone, get_translations
from sqlalchemy import Select, select

from ideas.accounts.models import User
from ideas.board.models import Idea
from ideas.board.reference import reference_names
from ideas.i18n import current_locale_code, language_name, language_tag
from ideas.workflow.stages import Stage


class ListedIdea(NamedTuple):
    """What a card shows of an idea (and the sort columns), read without the ORM."""

    id: int
    title: str
    language: str
    stage: Stage
    theme_id: int
    group_id: int | None
    created_at: datetime
    up_count: int
    down_count: int
    comment_count: int
    wilson: float
    hot: float
    controversy: float
    # The author's display name; None when the account is gone or anonymised.
    author_name: str | None

    @classmethod
    def of(cls, idea: Idea) -> ListedIdea:
        """The card data of an idea loaded with the ORM (profiles, the home page)."""
        author = idea.author
        return cls(
            idea.id, idea.title, idea.language, idea.stage, idea.theme_id, idea.group_id,
            idea.created_at, idea.up_count, idea.down_count, idea.comment_count,
            idea.wilson, idea.hot, idea.controversy,
            author.public_name if author is not None else None,
        )  # fmt: skip


def listed_ideas_query() -> Select:
    """SELECT of the ListedIdea columns, the author joined; add WHERE, ORDER BY and LIMIT.

    Plain rows, not ORM objects: loading twenty ideas with their author, theme, group and
    department as objects cost 2 ms, the rows 0.4 ms. The author's name follows
    User.public_name: an anonymised account (deleted_at set) is named like a missing one.
    """
    return select(
        Idea.id, Idea.title, Idea.language, Idea.stage, Idea.theme_id, Idea.group_id,
        Idea.created_at, Idea.up_count, Idea.down_count, Idea.comment_count,
        Idea.wilson, Idea.hot, Idea.controversy, User.display_name, User.deleted_at,
    ).outerjoin(User, User.id == Idea.author_id)  # fmt: skip


def listed_ideas(rows: Iterable) -> list[ListedIdea]:
    """ListedIdea tuples from the rows of listed_ideas_query()."""
    return [ListedIdea(*row[:13], row[13] if row[14] is None else None) for row in rows]


@dataclass(frozen=True, slots=True)
class IdeaCard:
    """One card, every text already in the reader's language (Jinja escapes each)."""

    id: int
    url: str
    title: str
    language_tag: str
    stage: str
    stage_label: str
    theme: str
    language: str
    group: str | None
    byline: str
    created_iso: str
    created: str
    up: str
    down: str
    comments: str
    my_vote: str | None


@lru_cache(maxsize=8192)
def _medium_datetime(_locale: str, _timezone: str, value: datetime) -> str:
    # Flask-Babel formats in the request's locale and zone, which the cache key carries.
    return format_datetime(value, "medium")


@lru_cache(maxsize=64)
def _language_name(_locale: str, code: str) -> str:
    # CLDR's name of a language in the reader's locale (the key) never changes.
    return language_name(code)


def idea_cards(ideas: Iterable[ListedIdea | Idea], votes: Mapping[int, int]) -> list[IdeaCard]:
    """The cards of a list of ideas (ListedIdea rows or Idea objects), with the reader's votes."""
    ideas = [idea if isinstance(idea, ListedIdea) else ListedIdea.of(idea) for idea in ideas]
    if not ideas:
        return []
    translations = get_translations()
    gettext, ngettext = translations.ugettext, translations.ungettext
    code, locale, zone = current_locale_code(), str(get_locale()), str(get_timezone())
    names = reference_names(code)
    if any(
        idea.theme_id not in names.theme_names
        or (idea.group_id is not None and idea.group_id not in names.group_names)
        for idea in ideas
    ):
        names = reference_names(code, refresh=True)  # added since this worker's copy
    language_label = gettext("Language: %(language)s")
    byline = gettext("by %(name)s")
    former_member = gettext("a former member")
    my_vote_labels = {1: gettext("You voted for this"), -1: gettext("You voted against this")}
    stage_labels: dict[Stage, str] = {}
    cards = []
    for idea in ideas:
        stage = idea.stage
        if stage not in stage_labels:
            stage_labels[stage] = stage.label
        up, down, comments = idea.up_count, idea.down_count, idea.comment_count
        name = idea.author_name
        cards.append(
            IdeaCard(
                id=idea.id,
                url=url_for("board.show_idea", idea_id=idea.id),
                title=idea.title,
                language_tag=language_tag(idea.language),
                stage=stage.value,
                stage_label=stage_labels[stage],
                theme=names.theme_names.get(idea.theme_id, ""),
                language=language_label % {"language": _language_name(locale, idea.language)},
                group=names.group_names.get(idea.group_id) if idea.group_id else None,
                byline=byline % {"name": former_member if name is None else name},
                created_iso=idea.created_at.isoformat(),
                created=_medium_datetime(locale, zone, idea.created_at),
                up=ngettext("%(num)s vote for", "%(num)s votes for", up) % {"num": up},
                down=ngettext("%(num)s vote against", "%(num)s votes against", down)
                % {"num": down},
                comments=ngettext("%(num)s comment", "%(num)s comments", comments)
                % {"num": comments},
                my_vote=my_vote_labels.get(votes.get(idea.id)),
            )
        )
    return cards
