"""Board rules: posting and editing ideas, voting, commenting, following, ranking queries."""

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Select,
    and_,
    bindparam,
    delete,
    false,
    func,
    inspect,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, load_only

from ideas.accounts.models import User
from ideas.board.cards import ListedIdea, listed_ideas, listed_ideas_query
from ideas.board.models import Comment, Follow, Idea, Theme, Vote
from ideas.board.permissions import can_comment, can_edit_idea, can_vote
from ideas.board.ranking import controversy_score, hot_score, wilson_lower_bound
from ideas.board.reference import Choice, reference_names
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.groups.services import is_member
from ideas.i18n import current_locale_code
from ideas.markup import render_markdown
from ideas.timeutil import utcnow
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage

TITLE_MIN, TITLE_MAX = 5, 150
BODY_MAX = 20_000
COMMENT_MAX = 10_000

# Each sort reads one stored, indexed column; id breaks ties so pages never overlap.
SORT_COLUMNS = {
    "top": Idea.wilson,
    "hot": Idea.hot,
    "new": Idea.created_at,
    "discussed": Idea.comment_count,
    "controversial": Idea.controversy,
}
SORT_LABELS = {
    "top": _l("Top"),
    "hot": _l("Hot"),
    "new": _l("New"),
    "discussed": _l("Most discussed"),
    "controversial": _l("Controversial"),
}
DEFAULT_SORT = "top"


@dataclass(frozen=True)
class IdeaFilters:
    """The filters of the ranked list; None means "any"."""

    theme_id: int | None = None
    group_id: int | None = None
    department_id: int | None = None
    stage: Stage | None = None


@dataclass(frozen=True)
class VoteTally:
    """An idea's counts after a vote, and the voter's own vote (0 for none)."""

    up: int
    down: int
    my_vote: int

    @property
    def score(self) -> int:
        """Net votes."""
        return self.up - self.down


def _check_title_body(title: str, body: str) -> tuple[str, str]:
    title = " ".join(title.split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise DomainError(
            _l("The title needs %(low)d to %(high)d characters.", low=TITLE_MIN, high=TITLE_MAX),
            field="title",
        )
    if not body.strip():
        raise DomainError(_l("Describe your idea."), field="body")
    if len(body) > BODY_MAX:
        raise DomainError(
            _l("The description can have at most %(count)d characters.", count=BODY_MAX),
            field="body",
        )
    return title, body


def _check_group(actor: User, group: Group | None) -> None:
    if group is not None and not is_member(actor, group):
        raise DomainError(_l("Join the group before posting an idea into it."), field="group")


def _check_language(language: str) -> str:
    if language not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Choose one of the offered languages."), field="language")
    return language


def post_idea(
    actor: User,
    title: str,
    body: str,
    theme: Theme,
    group: Group | None = None,
    language: str | None = None,
) -> Idea:
    """Create a proposed idea, record its first history row, and make the author follow it.

    The idea is written in `language`, by default the author's own.
    """
    title, body = _check_title_body(title, body)
    _check_group(actor, group)
    language = _check_language(language or actor.locale)
    now = utcnow()
    idea = Idea(
        title=title,
        body=body,
        body_html=str(render_markdown(body)),
        language=language,
        author=actor,
        theme=theme,
        group=group,
        department_id=actor.department_id,
        stage=Stage.PROPOSED,
        created_at=now,
        updated_at=now,
        hot=hot_score(0, 0, now),
        follower_count=1,
    )
    db.session.add(idea)
    db.session.flush()
    db.session.add(
        StageChange(idea_id=idea.id, from_stage=None, to_stage=Stage.PROPOSED, actor=actor)
    )
    db.session.add(Follow(idea_id=idea.id, user_id=actor.id))
    db.session.flush()
    return idea


def edit_idea(
    actor: User,
    idea: Idea,
    title: str,
    body: str,
    theme: Theme,
    group: Group | None,
    language: str | None = None,
) -> Idea:
    """Let the author change a proposed idea's text, theme, group and language (None keeps it)."""
    if not can_edit_idea(actor, idea):
        raise PermissionDenied(_l("Only the author can edit an idea, and only while proposed."))
    title, body = _check_title_body(title, body)
    if group is not None and group.id != idea.group_id:
        _check_group(actor, group)
    if language is not None:
        idea.language = _check_language(language)
    idea.title = title
    idea.body = body
    idea.body_html = str(render_markdown(body))
    idea.theme = theme
    idea.group = group
    idea.updated_at = utcnow()
    db.session.flush()
    return idea


# The vote path's statements are built once, at import, and the writes are Core statements
# on the tables: building a statement with its options, and the ORM's bulk INSERT/UPDATE
# layer, took more CPU than SQLite took to run them (measured: the vote INSERT 495 µs
# through the ORM, 245 µs as a prebuilt Core statement). The session still executes them,
# so its transaction and its statement listeners (the dashboard roll-up's) still apply.
# Parameter names differ from the column names, which SQLAlchemy keeps for its own binds.
_VOTE_COLUMNS = (
    Idea.id,
    Idea.author_id,
    Idea.stage,
    Idea.hidden,
    Idea.up_count,
    Idea.down_count,
    Idea.created_at,
    Idea.threshold_reached_at,
)
_IDEA_TO_VOTE_ON = (
    select(Idea)
    .where(Idea.id == bindparam("idea"))
    .options(lazyload("*"), load_only(*_VOTE_COLUMNS))
)
_LOCKED_VOTE = (
    select(Vote)
    .where(Vote.idea_id == bindparam("idea"), Vote.user_id == bindparam("user"))
    .with_for_update()
)
_IDEA_ROW = Idea.__table__.c
_RANKING_COLUMNS = ("wilson", "hot", "controversy")
_RANKING_BINDS = {name: bindparam(f"new_{name}") for name in _RANKING_COLUMNS}
# The counts as this vote read them are still the row's: store the new counts and scores.
_SWAP_COUNTS = (
    update(Idea.__table__)
    .where(
        _IDEA_ROW.id == bindparam("idea"),
        _IDEA_ROW.up_count == bindparam("read_up"),
        _IDEA_ROW.down_count == bindparam("read_down"),
    )
    .values(up_count=bindparam("up"), down_count=bindparam("down"), **_RANKING_BINDS)
)
# Another vote came in between: add to the counters in SQL, under the row lock.
_ADD_COUNTS = (
    update(Idea.__table__)
    .where(_IDEA_ROW.id == bindparam("idea"))
    .values(
        up_count=_IDEA_ROW.up_count + bindparam("d_up"),
        down_count=_IDEA_ROW.down_count + bindparam("d_down"),
    )
    .returning(_IDEA_ROW.up_count, _IDEA_ROW.down_count)
)
_STORE_RANKING = (
    update(Idea.__table__).where(_IDEA_ROW.id == bindparam("idea")).values(**_RANKING_BINDS)
)
_MARK_THRESHOLD = (
    update(Idea.__table__)
    .where(_IDEA_ROW.id == bindparam("idea"), _IDEA_ROW.threshold_reached_at.is_(None))
    .values(threshold_reached_at=bindparam("now"))
)


@cache
def _new_vote_insert(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING RETURNING of a vote, in the dialect's own syntax."""
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    votes = Vote.__table__
    return (
        make_insert(votes)
        .values(
            idea_id=bindparam("idea"),
            user_id=bindparam("user"),
            value=bindparam("value"),
            created_at=bindparam("now"),
            updated_at=bindparam("now"),
        )
        .on_conflict_do_nothing(index_elements=[votes.c.idea_id, votes.c.user_id])
        .returning(votes.c.idea_id)
    )


def _apply_vote_delta(idea: Idea, d_up: int, d_down: int) -> tuple[int, int]:
    """Change the counters by the deltas and store the ranking columns of the new counts.

    Usually one UPDATE: the scores are computed from the counts the idea was read with,
    and the UPDATE applies only if the row still holds those counts. If another vote came
    in between, the counters are added to in SQL (which takes the row lock, held to
    commit, so no vote can slip in before the scores are written) and scored after.
    """
    up, down = idea.up_count + d_up, idea.down_count + d_down
    swapped = False
    # Counts read before a vote that is now being withdrawn went in can fall below zero;
    # they are not the row's, so there is nothing to try (and no score to compute).
    if up >= 0 and down >= 0:
        result = db.session.execute(
            _SWAP_COUNTS,
            {
                "idea": idea.id,
                "read_up": idea.up_count,
                "read_down": idea.down_count,
                "up": up,
                "down": down,
                **_ranking_binds(up, down, idea.created_at),
            },
        )
        swapped = result.rowcount == 1
    if not swapped:
        up, down = db.session.execute(
            _ADD_COUNTS, {"idea": idea.id, "d_up": d_up, "d_down": d_down}
        ).one()
        db.session.execute(
            _STORE_RANKING, {"idea": idea.id, **_ranking_binds(up, down, idea.created_at)}
        )
    if d_up > 0:
        _mark_threshold(idea, up, idea.created_at)
    db.session.expire(
        idea, ["up_count", "down_count", "wilson", "hot", "controversy", "threshold_reached_at"]
    )
    return up, down


def _ranking_values(up: int, down: int, created_at: datetime) -> dict[str, float]:
    """The stored ranking columns of an idea with these counts."""
    return {
        "wilson": wilson_lower_bound(up, down),
        "hot": hot_score(up, down, created_at),
        "controversy": controversy_score(up, down),
    }


def _ranking_binds(up: int, down: int, created_at: datetime) -> dict[str, float]:
    """_ranking_values under the parameter names of the prebuilt vote statements."""
    return {f"new_{name}": value for name, value in _ranking_values(up, down, created_at).items()}


def _mark_threshold(idea: Idea, up: int, created_at: datetime) -> None:
    """Note when an idea first gathers enough support, soon enough, to be owed a response."""
    config = current_app.config
    if up < config["RESPONSE_THRESHOLD_VOTES"]:
        return
    # Loaded and already set: nothing to write (the UPDATE's own check covers a race).
    if "threshold_reached_at" not in inspect(idea).unloaded and idea.threshold_reached_at:
        return
    now = utcnow()
    if now <= created_at + timedelta(days=config["RESPONSE_THRESHOLD_DAYS"]):
        db.session.execute(_MARK_THRESHOLD, {"idea": idea.id, "now": now})


def idea_to_vote_on(idea_id: int) -> Idea | None:
    """The idea with only what cast_vote reads (no joins, no description), or None."""
    return db.session.scalar(_IDEA_TO_VOTE_ON, {"idea": idea_id})


def _locked_vote(actor: User, idea: Idea) -> Vote | None:
    return db.session.scalar(_LOCKED_VOTE, {"idea": idea.id, "user": actor.id})


def _insert_new_vote(actor: User, idea: Idea, value: int) -> bool:
    """INSERT the member's vote unless they already have one; True if it was new.

    One statement (INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike) where
    a SELECT, a SAVEPOINT, the INSERT and its RELEASE took four round trips. A concurrent
    request of the same member waits on the primary key and then finds their vote.
    """
    inserted = db.session.execute(
        _new_vote_insert(db.engine.dialect.name),
        {"idea": idea.id, "user": actor.id, "value": value, "now": utcnow()},
    ).first()
    return inserted is not None


def cast_vote(actor: User, idea: Idea, value: int | None) -> VoteTally:
    """Vote +1 or -1, or retract with 0; one vote per member per idea, never on your own.

    Any other value (None: the form sent no number) is a DomainError.
    """
    if value not in (-1, 0, 1):
        raise DomainError(_l("A vote is up, down or withdrawn."))
    if not can_vote(actor, idea):
        if idea.author_id == actor.id:
            raise PermissionDenied(_l("You cannot vote on your own idea."))
        raise PermissionDenied(_l("This idea does not take votes."))
    old = 0
    if value == 0 or not _insert_new_vote(actor, idea, value):
        vote = _locked_vote(actor, idea)  # held to commit: the old value stays the old value
        if vote is not None:
            old = vote.value
            if value == 0:
                db.session.delete(vote)
            elif value != old:
                vote.value = value
                vote.updated_at = utcnow()
    d_up = (value == 1) - (old == 1)
    d_down = (value == -1) - (old == -1)
    if d_up or d_down:
        up, down = _apply_vote_delta(idea, d_up, d_down)
        # The new vote row went in through SQL the session does not track: tell search.
        from ideas.search.sync import votes_changed  # late: search imports the board

        votes_changed(db.session, idea.id)
    else:
        up, down = idea.up_count, idea.down_count
    db.session.flush()
    return VoteTally(up=up, down=down, my_vote=value)


def my_vote(user: User | None, idea: Idea) -> int:
    """The user's vote on the idea (+1, -1) or 0."""
    if user is None or not user.is_authenticated:
        return 0
    vote = db.session.get(Vote, {"idea_id": idea.id, "user_id": user.id})
    return vote.value if vote else 0


def my_votes(user: User | None, ideas: Sequence[Idea | ListedIdea]) -> dict[int, int]:
    """The user's votes on a page of ideas, in one query."""
    if user is None or not user.is_authenticated or not ideas:
        return {}
    rows = db.session.execute(
        select(Vote.idea_id, Vote.value).where(
            Vote.user_id == user.id, Vote.idea_id.in_([idea.id for idea in ideas])
        )
    )
    return {idea_id: value for idea_id, value in rows}


def post_comment(actor: User, idea: Idea, body: str, parent: Comment | None = None) -> Comment:
    """Add a comment, or a reply to a top-level comment, and count it on the idea."""
    if not can_comment(actor, idea):
        raise PermissionDenied(_l("This idea does not take comments."))
    if not body.strip():
        raise DomainError(_l("Write a comment first."), field="body")
    if len(body) > COMMENT_MAX:
        raise DomainError(
            _l("A comment can have at most %(count)d characters.", count=COMMENT_MAX),
            field="body",
        )
    if parent is not None:
        if parent.idea_id != idea.id:
            raise DomainError(_l("You can only reply to a comment on this idea."))
        # One level of replies: answering a reply answers its top-level comment.
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)
    now = utcnow()
    comment = Comment(
        idea_id=idea.id,
        author=actor,
        parent=parent,
        body=body,
        body_html=str(render_markdown(body)),
        created_at=now,
        updated_at=now,
    )
    db.session.add(comment)
    db.session.execute(
        update(Idea).where(Idea.id == idea.id).values(comment_count=Idea.comment_count + 1),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(idea, ["comment_count"])
    db.session.flush()
    return comment


def follow_idea(actor: User, idea: Idea) -> bool:
    """Follow an idea; returns False if the actor already followed it."""
    try:
        with db.session.begin_nested():
            db.session.add(Follow(idea_id=idea.id, user_id=actor.id))
    except IntegrityError:
        return False
    db.session.execute(
        update(Idea).where(Idea.id == idea.id).values(follower_count=Idea.follower_count + 1),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(idea, ["follower_count"])
    return True


def unfollow_idea(actor: User, idea: Idea) -> bool:
    """Stop following an idea; returns False if the actor did not follow it."""
    result = db.session.execute(
        delete(Follow).where(Follow.idea_id == idea.id, Follow.user_id == actor.id)
    )
    if result.rowcount == 0:
        return False
    db.session.execute(
        update(Idea).where(Idea.id == idea.id).values(follower_count=Idea.follower_count - 1),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(idea, ["follower_count"])
    return True


def is_following(user: User | None, idea: Idea) -> bool:
    """True if the user follows the idea."""
    if user is None or not user.is_authenticated:
        return False
    return db.session.get(Follow, {"idea_id": idea.id, "user_id": user.id}) is not None


def filter_clauses(filters: IdeaFilters) -> list:
    """SQL conditions for a list of ideas: the filters, and never hidden ideas.

    Merged duplicates are left out unless the merged stage is asked for.
    """
    # Content hidden by moderation leaves every list.
    clauses = [Idea.hidden.is_(False)]
    if filters.theme_id is not None:
        clauses.append(Idea.theme_id == filters.theme_id)
    if filters.group_id is not None:
        clauses.append(Idea.group_id == filters.group_id)
    if filters.department_id is not None:
        clauses.append(Idea.department_id == filters.department_id)
    if filters.stage is not None:
        clauses.append(Idea.stage == filters.stage)
    else:
        clauses.append(Idea.stage != Stage.MERGED)
    return clauses


def ranked_ideas(sort: str, filters: IdeaFilters) -> Select:
    """The ranked list's query: one indexed sort column, then id, with the filters applied."""
    column = SORT_COLUMNS.get(sort, SORT_COLUMNS[DEFAULT_SORT])
    query = select(Idea).where(*filter_clauses(filters))
    return query.order_by(column.desc(), Idea.id.desc())


# Direct jumps to ?page=N without a cursor use OFFSET; past this page they would scan
# thousands of rows, so the list only gets there by its next and previous links.
MAX_OFFSET_PAGE = 50
# The list counts its matches up to this many, then says "more than"; an exact COUNT(*)
# over 100,000 ideas on every page view would cost more than the page itself.
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class IdeaPage:
    """One page of the ranked list, reached by keyset (cursor) pagination."""

    # Rows for the cards (ideas.board.cards), not ORM objects: a third of the cost.
    items: list[ListedIdea]
    number: int
    has_prev: bool
    has_next: bool
    prev_cursor: str | None
    next_cursor: str | None
    # Matches counted up to COUNT_LIMIT; total_capped says there are more.
    total: int
    total_capped: bool
    per_page: int

    @property
    def pages(self) -> int | None:
        """How many pages there are, when the count was exact; None past COUNT_LIMIT."""
        return None if self.total_capped else max(1, -(-self.total // self.per_page))


def _cursor_value(sort: str, value) -> str:
    return value.isoformat() if isinstance(value, datetime) else repr(value)


def encode_cursor(sort: str, idea: Idea | ListedIdea) -> str:
    """The position of an idea in a sort: its sort value and id, for ?after= and ?before=."""
    column = SORT_COLUMNS[sort]
    return f"{_cursor_value(sort, getattr(idea, column.key))}_{idea.id}"


def decode_cursor(sort: str, cursor: str | None) -> tuple | None:
    """The (value, id) of a cursor for this sort, or None if it is missing or malformed."""
    if not cursor:
        return None
    raw_value, _, raw_id = cursor.rpartition("_")
    python_type = SORT_COLUMNS[sort].type.python_type
    try:
        idea_id = int(raw_id)
        if python_type is datetime:
            value = datetime.fromisoformat(raw_value)
        elif python_type is float:
            value = float(raw_value)
        else:
            value = int(raw_value)
    except (ValueError, OverflowError):
        return None
    if python_type is float and not math.isfinite(value):
        return None
    return value, idea_id


# Recent counts per filter, in this worker: {(filters, limit): (expires, result)}.
_counts: dict[tuple[IdeaFilters, int], tuple[float, tuple[int, bool]]] = {}


def count_ideas(filters: IdeaFilters, limit: int | None = None) -> tuple[int, bool]:
    """How many ideas match, counting at most `limit + 1` rows; and whether it hit the cap.

    A narrow filter reads thousands of rows to find its first thousand matches (100 ms at
    100,000 ideas), so each worker keeps a count for IDEAS_COUNT_CACHE_SECONDS.
    """
    limit = COUNT_LIMIT if limit is None else limit
    seconds = current_app.config.get("IDEAS_COUNT_CACHE_SECONDS", 0)
    key, now = (filters, limit), time.monotonic()
    cached = _counts.get(key)
    if seconds and cached is not None and cached[0] > now:
        return cached[1]
    matches = select(Idea.id).where(*filter_clauses(filters)).limit(limit + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(matches)) or 0
    result = (min(count, limit), count > limit)
    if seconds:
        if len(_counts) > 1000:
            _counts.clear()
        _counts[key] = (now + seconds, result)
    return result


def _seek(column, value, idea_id: int, before: bool):
    """Rows after (or before) a (value, id) position in the (column DESC, id DESC) order."""
    if db.session.get_bind().dialect.name == "postgresql":
        key, position = tuple_(column, Idea.id), tuple_(value, idea_id)
        return key > position if before else key < position
    # SQLite ranges a row value's first column only and checks the rest after reading the
    # table row, so thousands of ties (ideas with three comments) cost a row read each;
    # spelt out, the id test runs on the index entry: 1.4 ms instead of 10 ms at 100,000.
    if before:
        return and_(column >= value, or_(column > value, Idea.id > idea_id))
    return and_(column <= value, or_(column < value, Idea.id < idea_id))


def ranked_page(
    sort: str,
    filters: IdeaFilters,
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    number: int = 1,
) -> IdeaPage:
    """A page of the ranked list after (or before) a cursor, in the same order as ranked_ideas.

    The page is found by seeking in the sort's (column, id) index, so the 500th page costs
    what the first does; ?page=N without a cursor is allowed for the first pages only.
    """
    sort = sort if sort in SORT_COLUMNS else DEFAULT_SORT
    column = SORT_COLUMNS[sort]
    query = listed_ideas_query().where(*filter_clauses(filters))
    number = max(1, number)
    position_after, position_before = decode_cursor(sort, after), decode_cursor(sort, before)
    if position_before is not None:
        rows = listed_ideas(
            db.session.execute(
                query.where(_seek(column, *position_before, before=True))
                .order_by(column.asc(), Idea.id.asc())
                .limit(per_page + 1)
            )
        )
        has_prev, has_next = len(rows) > per_page, True
        items = list(reversed(rows[:per_page]))
        if not has_prev:
            number = 1
    else:
        query = query.order_by(column.desc(), Idea.id.desc())
        if position_after is not None:
            query = query.where(_seek(column, *position_after, before=False))
            has_prev = True
        else:
            if number > MAX_OFFSET_PAGE:
                number = MAX_OFFSET_PAGE + 1
                query = query.where(false())
            query = query.offset((number - 1) * per_page)
            has_prev = number > 1
        rows = listed_ideas(db.session.execute(query.limit(per_page + 1)))
        has_next = len(rows) > per_page
        items = rows[:per_page]
    total, capped = count_ideas(filters)
    return IdeaPage(
        items=items,
        number=number,
        has_prev=has_prev and bool(items),
        has_next=has_next and bool(items),
        prev_cursor=encode_cursor(sort, items[0]) if items else None,
        next_cursor=encode_cursor(sort, items[-1]) if items else None,
        total=total,
        total_capped=capped,
        per_page=per_page,
    )


# The home page's two lists read card rows (ListedIdea), as the ranked list does: loading
# Idea objects joined six tables, which PostgreSQL took 3-5 ms to plan on every view.


def hot_this_week(limit: int = 5) -> list[ListedIdea]:
    """Ideas posted in the last seven days, hottest first."""
    since = utcnow() - timedelta(days=7)
    query = (
        listed_ideas_query()
        .where(Idea.created_at >= since, Idea.stage != Stage.MERGED, Idea.hidden.is_(False))
        .order_by(Idea.hot.desc(), Idea.id.desc())
        .limit(limit)
    )
    return listed_ideas(db.session.execute(query))


def newest_ideas(limit: int = 5) -> list[ListedIdea]:
    """The most recently posted ideas."""
    query = (
        listed_ideas_query()
        .where(Idea.stage != Stage.MERGED, Idea.hidden.is_(False))
        .order_by(Idea.created_at.desc(), Idea.id.desc())
        .limit(limit)
    )
    return listed_ideas(db.session.execute(query))


COMMENTS_PER_PAGE = 50


@dataclass(frozen=True)
class CommentPage:
    """One page of an idea's discussion: top-level comments with their replies.

    `earlier` and `later` are keyset cursors (the id of the page's first and last
    top-level comment) for the links to the neighbouring pages, None where there is none.
    """

    threads: list[tuple[Comment, list[Comment]]]
    earlier: int | None = None
    later: int | None = None


# Built once: aliasing a table creates its columns anew, which showed up in the profile.
_REPLY = Comment.__table__.alias("visible_reply")
_THREAD_ROOT = Comment.__table__.alias("thread_root")
# The comment list shows authors' names, not their departments (User joins those eagerly).
_WITH_AUTHORS = joinedload(Comment.author).lazyload(User.department)


def _visible_top_level(idea: Idea, staff: bool):
    """The WHERE clause of the top-level comments the viewer gets, placeholders included."""
    clause = and_(Comment.idea_id == idea.id, Comment.parent_id.is_(None))
    if staff:
        return clause
    # A hidden comment with visible replies stays, as a placeholder that keeps the thread.
    shown_reply = select(_REPLY.c.id).where(_REPLY.c.parent_id == Comment.id, ~_REPLY.c.hidden)
    return and_(clause, or_(Comment.hidden.is_(False), shown_reply.exists()))


def _position(idea: Idea, comment_id: int | None, *, thread: bool = False):
    """(created_at, id) of a comment of this idea, or of its top-level comment; None if absent."""
    if comment_id is None:
        return None
    if thread:
        root = _THREAD_ROOT
        query = (
            select(
                func.coalesce(root.c.created_at, Comment.created_at),
                func.coalesce(root.c.id, Comment.id),
            )
            .select_from(Comment)
            .outerjoin(root, root.c.id == Comment.parent_id)
        )
    else:
        query = select(Comment.created_at, Comment.id)
    row = db.session.execute(
        query.where(Comment.id == comment_id, Comment.idea_id == idea.id)
    ).first()
    return tuple(row) if row is not None else None


def _beyond(position: tuple, forward: bool, inclusive: bool = False):
    """Comments after (or before) a (created_at, id) position, in discussion order."""
    created_at, comment_id = position
    if forward:
        same = Comment.id >= comment_id if inclusive else Comment.id > comment_id
        return or_(Comment.created_at > created_at, and_(Comment.created_at == created_at, same))
    same = Comment.id <= comment_id if inclusive else Comment.id < comment_id
    return or_(Comment.created_at < created_at, and_(Comment.created_at == created_at, same))


def comment_page(
    user: User | None,
    idea: Idea,
    *,
    after: int | None = None,
    before: int | None = None,
    comment: int | None = None,
    per_page: int | None = COMMENTS_PER_PAGE,
) -> CommentPage:
    """A page of top-level comments, oldest first, each with the replies the user may see.

    Keyset pages: `after` and `before` are the id of a top-level comment next to the
    page; `comment` starts the page at that comment's thread, so a link to any comment
    or reply (`?comment=N#cN`) lands on the page that shows it. per_page=None gives the
    whole discussion. Two queries (threads, then their replies, authors joined) whatever
    the page size, plus one per cursor. Visibility rules: see visible_comments.
    """
    staff = user is not None and user.is_authenticated and user.is_staff
    where = _visible_top_level(idea, staff)
    order = (Comment.created_at, Comment.id)
    forward, start, inclusive = True, None, False
    if comment is not None:
        start, inclusive = _position(idea, comment, thread=True), True
    elif after is not None:
        start = _position(idea, after)
    elif before is not None:
        start = _position(idea, before)
        forward = start is None
    query = select(Comment).where(where).options(_WITH_AUTHORS)
    if start is not None:
        query = query.where(_beyond(start, forward, inclusive))
    query = query.order_by(*order) if forward else query.order_by(*(c.desc() for c in order))
    if per_page is not None:
        query = query.limit(per_page + 1)
    top = list(db.session.scalars(query))
    more = per_page is not None and len(top) > per_page
    top = top[:per_page] if per_page is not None else top
    if start is not None and (not top or (not forward and not more)):
        # Fewer than a page before the cursor, or nothing after it (a stale link, a
        # comment since hidden): the first page, shown whole, rather than an empty one.
        return comment_page(user, idea, per_page=per_page)
    if not forward:
        top.reverse()
    earlier = later = None
    if top:
        first, last = top[0], top[-1]
        if forward:
            later = last.id if more else None
            behind = start is not None and db.session.scalar(
                select(
                    select(Comment.id)
                    .where(where, _beyond((first.created_at, first.id), False))
                    .exists()
                )
            )
            earlier = first.id if behind else None
        else:
            earlier = first.id
            ahead = db.session.scalar(
                select(
                    select(Comment.id)
                    .where(where, _beyond((last.created_at, last.id), True))
                    .exists()
                )
            )
            later = last.id if ahead else None
    replies: dict[int, list[Comment]] = {}
    if top:
        thread_ids = [c.id for c in top]
        reply_query = (
            select(Comment).where(Comment.parent_id.in_(thread_ids)).options(_WITH_AUTHORS)
        )
        if not staff:
            reply_query = reply_query.where(Comment.hidden.is_(False))
        for reply in db.session.scalars(reply_query.order_by(*order)):
            replies.setdefault(reply.parent_id, []).append(reply)
    return CommentPage([(c, replies.get(c.id, [])) for c in top], earlier, later)


def visible_comments(user: User | None, idea: Idea) -> list[tuple[Comment, list[Comment]]]:
    """The idea's top-level comments, oldest first, each with the replies the user may see.

    Staff see hidden comments. Members do not, except that a hidden top-level comment
    with visible replies stays in the list so the template can show a placeholder in its
    place (never its text) and the replies keep their thread. The whole discussion; the
    idea page shows it a page at a time (comment_page).
    """
    return comment_page(user, idea, per_page=None).threads


def set_comment_hidden(comment: Comment, hidden: bool) -> bool:
    """Hide or show a comment; False if it already was. Keeps comment_count to what members see.

    The conditional UPDATE changes the row only if its state differs, so two moderators
    acting at once cannot count the same comment twice.
    """
    changed = db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.hidden.is_(not hidden))
        .values(hidden=hidden),
        execution_options={"synchronize_session": False},
    ).rowcount
    if changed:
        # A Core UPDATE, unseen by the flush listener of ideas/board/comment_pages.py:
        # the discussion's version moves here, so no cached comment list shows it.
        db.session.execute(
            update(Idea)
            .where(Idea.id == comment.idea_id)
            .values(
                comment_count=Idea.comment_count + (-1 if hidden else 1),
                discussion_version=Idea.discussion_version + 1,
            ),
            execution_options={"synchronize_session": False},
        )
        db.session.expire(
            db.session.get(Idea, comment.idea_id), ["comment_count", "discussion_version"]
        )
    db.session.expire(comment, ["hidden"])
    return bool(changed)


def recount_idea(idea: Idea) -> None:
    """Recount an idea's votes and followers from their rows, then store the ranking columns.

    For rare changes of many rows at once (a merge), where a recount is easier to trust
    than deltas. The caller should hold the idea's row lock.
    """
    up, down = (
        db.session.scalar(select(func.count()).where(Vote.idea_id == idea.id, Vote.value == value))
        for value in (1, -1)
    )
    followers = db.session.scalar(select(func.count()).where(Follow.idea_id == idea.id))
    created_at = db.session.scalar(select(Idea.created_at).where(Idea.id == idea.id))
    db.session.execute(
        update(Idea)
        .where(Idea.id == idea.id)
        .values(
            up_count=up,
            down_count=down,
            follower_count=followers,
            **_ranking_values(up, down, created_at),
        ),
        execution_options={"synchronize_session": False},
    )
    _mark_threshold(idea, up, created_at)
    db.session.expire(
        idea,
        ["up_count", "down_count", "follower_count", "wilson", "hot", "controversy",
         "threshold_reached_at"],
    )  # fmt: skip


@dataclass(frozen=True)
class FilterChoices:
    """What the filter selects of a list of ideas offer."""

    themes: list[Choice]
    groups: list[Choice]
    departments: list[Choice]
    stages: list[Stage]


def filter_choices(include_merged: bool = True) -> FilterChoices:
    """Themes, groups, departments (by name in the reader's language) and stages to filter by.

    From the worker's copy of the reference rows (ideas.board.reference), not three
    queries and a hundred ORM objects per page view.
    """
    names = reference_names(current_locale_code())
    return FilterChoices(
        themes=names.themes,
        groups=names.groups,
        departments=names.departments,
        stages=[s for s in Stage if include_merged or s is not Stage.MERGED],
    )


def list_themes() -> list[Theme]:
    """All themes in their display order."""
    return list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)))
