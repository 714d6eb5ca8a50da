"""The idea page's comment list: rendered once per discussion state, personalised per view.

Rendering 50 threads (two queries, about a hundred ORM rows, the template) cost more than
the rest of the idea page, and a busy idea is read far more often than it is commented
on. So each worker keeps rendered pages of comments in a size-bounded LRU, keyed on the
idea's `discussion_version` (one more at every change the list would show: see
`_note_changes` below and `set_comment_hidden`), the page's cursor, and what the
rendering depends on about the viewer: staff or not, whether they may reply, language
and time zone.

What differs between two viewers with the same key is left as marks in the stored HTML
and filled in per view (`_personalise`): the report link, which nobody gets on their own
comments, and the CSRF token of the reply forms. The marks carry a random word chosen
when the process starts, so no stored comment can forge one.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cachetools import LRUCache
from flask import current_app, render_template, url_for
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ideas.accounts.models import User
from ideas.board.models import Comment, Idea
from ideas.board.permissions import can_comment
from ideas.board.services import comment_page
from ideas.moderation.permissions import can_moderate, reportable
from ideas.workflow.permissions import is_staff

EXTENSION_KEY = "ideas.comment_pages"
_URL_ID = 987654321  # a stand-in id, replaced by each comment's own in the template

# Marks are plain text that autoescaping leaves as it is (no &, <, >, quotes), so the
# template prints them like any value and nothing needs marking safe but the result.
_WORD = secrets.token_hex(8)
_OWN_START = f"\x00{_WORD}o%d\x00"
_OWN_END = f"\x00{_WORD}e\x00"
_CSRF = f"\x00{_WORD}c\x00"
_MARKS = re.compile(f"\x00{_WORD}o(\\d+)\x00(.*?)\x00{_WORD}e\x00|\x00{_WORD}c\x00", re.DOTALL)


def _url_around_id(endpoint: str, **values) -> tuple[str, str]:
    """A URL split around its id: one url_for per page instead of one per comment."""
    before, _sep, after = url_for(endpoint, **values).partition(str(_URL_ID))
    return before, after


def _datetime_formatter() -> Callable[[datetime], str]:
    """format_datetime(value, "medium"), with the locale, time zone and patterns looked up once.

    Flask-Babel resolves the locale and zone, and Babel the patterns, on every call; on a
    page of a hundred comments those lookups cost more than the formatting itself. The
    result is the same string: Babel's own recipe (date and time patterns in the
    locale's date-time glue), applied to the value converted to the viewer's zone.
    """
    locale, zone = get_locale(), get_timezone()
    date_pattern, time_pattern = locale.date_formats["medium"], locale.time_formats["medium"]
    glue = locale.datetime_formats["medium"].replace("'", "")

    def when(value: datetime) -> str:
        local = value.replace(tzinfo=UTC).astimezone(zone)
        return glue.replace("{0}", time_pattern.apply(local, locale)).replace(
            "{1}", date_pattern.apply(local, locale)
        )

    return when


@dataclass(frozen=True)
class CommentTools:
    """What the comment list needs about the viewer, worked out once per page.

    Only `staff`, `moderate` and `reply` shape the stored HTML (they are in the cache
    key); the viewer's own comments and CSRF token are marks, filled in per view.
    """

    viewer: User
    staff: bool
    reply: bool
    moderate: bool
    user_url: tuple[str, str]
    flag_url: tuple[str, str]
    review_url: tuple[str, str]
    when: Callable[[datetime], str]
    csrf: str = _CSRF
    # The part of can_flag that depends on the comment only; the author part is a mark.
    # (No annotation: a class attribute, not a field.)
    reportable = staticmethod(reportable)

    @staticmethod
    def own_start(author_id: int | None) -> str:
        """Opens what the comment's author must not see (a report link): mark or nothing."""
        return _OWN_START % author_id if author_id is not None else ""

    @staticmethod
    def own_end(author_id: int | None) -> str:
        """Closes what own_start opened."""
        return _OWN_END if author_id is not None else ""


def comment_tools(idea: Idea) -> CommentTools:
    """The viewer's rights and the URL stems for the comment list, once per page."""
    viewer = current_user._get_current_object()
    return CommentTools(
        viewer=viewer,
        staff=is_staff(viewer),
        reply=can_comment(viewer, idea),
        moderate=can_moderate(viewer),
        user_url=_url_around_id("accounts.show_user", user_id=_URL_ID),
        flag_url=_url_around_id("moderation.flag_comment", comment_id=_URL_ID),
        review_url=_url_around_id("moderation.review_comment", comment_id=_URL_ID),
        when=_datetime_formatter(),
    )


def _pages() -> LRUCache | None:
    """The worker's rendered comment pages, or None when COMMENT_PAGES_CACHE_BYTES is 0."""
    pages = current_app.extensions.get(EXTENSION_KEY)
    if pages is None:
        size = current_app.config.get("COMMENT_PAGES_CACHE_BYTES", 0)
        if not size:
            return None
        pages = current_app.extensions[EXTENSION_KEY] = LRUCache(maxsize=size, getsizeof=len)
    return pages


def forget_comment_pages() -> None:
    """Drop this worker's rendered comment pages (tests, after the database is wiped)."""
    current_app.extensions.pop(EXTENSION_KEY, None)


def comment_list(
    idea: Idea,
    tools: CommentTools,
    expert_ids: set[int],
    *,
    after: int | None = None,
    before: int | None = None,
    comment: int | None = None,
    per_page: int | None = None,
) -> Markup:
    """The HTML of one page of the idea's comments for this viewer, rendered or from the cache."""
    key = (
        idea.id,
        # SQLite may give a new idea the id of a deleted newest one, at version 0 again.
        idea.created_at,
        idea.discussion_version,
        after,
        before,
        comment,
        per_page,
        tools.staff,
        tools.moderate,
        tools.reply,
        str(get_locale()),
        str(get_timezone()),
    )
    pages = _pages()
    html = pages.get(key) if pages is not None else None
    if html is None:
        page = comment_page(
            tools.viewer, idea, after=after, before=before, comment=comment, per_page=per_page
        )
        html = render_template(
            "board/_comments.html", idea=idea, comments=page, tools=tools, experts=expert_ids
        )
        if pages is not None and len(html) <= pages.maxsize:
            pages[key] = html
    return _personalise(html, tools)


def _personalise(html: str, tools: CommentTools) -> Markup:
    """Fill the marks for this viewer: no report link on their own comments, their CSRF token."""
    viewer_id = tools.viewer.id
    token = str(escape(generate_csrf())) if tools.reply else ""

    def fill(match: re.Match) -> str:
        if match.group(1) is None:
            return token
        return "" if int(match.group(1)) == viewer_id else match.group(2)

    # The stored HTML came from our autoescaping template; only our marks are replaced, by
    # nothing, by HTML of that same template, or by the escaped token.
    return Markup(_MARKS.sub(fill, html))  # noqa: S704 - tests/security/test_no_unsafe_markup.py


# What the comment list shows besides the comments' own rows: authors' names and whether
# their accounts still exist, and rows of other features (an idea's experts get a badge).
_AUTHOR_FIELDS = ("display_name", "deleted_at")
_SHOWN_ROWS: list[type] = [Comment]


def shown_in_comment_lists(model: type) -> type:
    """Register a model with an idea_id whose rows change how that idea's comments render."""
    if model not in _SHOWN_ROWS:
        _SHOWN_ROWS.append(model)
    return model


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    """Add one to discussion_version of every idea whose comment list this flush changed.

    Here rather than in each service, so that a writer added later cannot forget it:
    comments posted, edited or deleted, expert assignments made or removed, and authors
    renamed or anonymised (every idea they commented on). Core UPDATEs bypass the unit
    of work and must count themselves (set_comment_hidden does).
    """
    ideas: set[int] = set()
    authors: set[int] = set()
    shown = tuple(_SHOWN_ROWS)
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, shown):
            if row.idea_id is not None:
                ideas.add(row.idea_id)
        elif isinstance(row, User) and row.id is not None:
            state = inspect(row)
            if any(state.attrs[name].history.has_changes() for name in _AUTHOR_FIELDS):
                authors.add(row.id)
    if not ideas and not authors:
        return
    where = Idea.id.in_(ideas)
    if authors:
        commented = select(Comment.idea_id).where(Comment.author_id.in_(authors))
        where = where | Idea.id.in_(commented) if ideas else Idea.id.in_(commented)
    session.execute(
        update(Idea).where(where).values(discussion_version=Idea.discussion_version + 1),
        execution_options={"synchronize_session": False},
    )
    # Loaded ideas must not keep the old number (any idea, when an author changed).
    if authors:
        loaded = [row for row in session.identity_map.values() if isinstance(row, Idea)]
    else:
        keys = (identity_key(Idea, idea_id) for idea_id in ideas)
        loaded = [row for row in map(session.identity_map.get, keys) if row is not None]
    for row in loaded:
        session.expire(row, ["discussion_version"])
