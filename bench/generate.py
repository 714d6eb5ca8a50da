r"""Build a public-service-scale data set by bulk insert, for the benchmark harness.

At full size (``--ideas 100000``): 300,000 accounts, 100,000 ideas posted over six months
with a long-tailed vote distribution, 2,000,000 votes, 500,000 comments, 60 groups, the
five themes, 40 departments, stages spread as a campaign would leave them (with their
history rows), and the search index. ``--ideas N`` scales every count but the themes and
departments. Rows go in with PostgreSQL's COPY or SQLite's executemany, never through the
ORM, but every counter and ranking column holds what the application would have written
(``ideas.board.ranking``); ``--check`` recomputes them from the rows and compares.

    .venv/bin/python bench/generate.py --database-url sqlite:////tmp/b/bench.db \
        --search-dir /tmp/b/search-index --ideas 10000 --fresh --check
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from markupsafe import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_corpus import EN_GLUE, FIRST, FR_GLUE, LAST, VERBS, ZH_GLUE, vocabulary

# Counts per 100,000 ideas (the full size); smaller runs scale them down.
FULL_IDEAS = 100_000
PER_IDEA = {"users": 3, "votes": 20, "comments": 5}
FULL_GROUPS = 60
DEPARTMENTS = 40
CAMPAIGN_DAYS = 182
# The password of every generated account (the harness signs in with it).
PASSWORD = "bench-password-123"  # noqa: S105 - a throw-away benchmark account
STAFF = {"admin": 5, "secretariat": 40, "executive": 20}
LANGUAGES = ("en", "fr", "zh_Hant_TW")
# Stage weights for the most voted 5% of ideas, and for the rest: popular ideas get triaged.
STAGE_WEIGHTS_POPULAR = {
    "proposed": 20, "under_review": 25, "assessed": 15, "piloted": 12,
    "implemented": 10, "declined": 10, "on_hold": 8,
}  # fmt: skip
STAGE_WEIGHTS_OTHER = {
    "proposed": 78, "under_review": 8, "assessed": 3, "piloted": 1,
    "implemented": 0.5, "declined": 7, "on_hold": 2.5,
}  # fmt: skip
MERGED_SHARE = 0.02
HIDDEN_SHARE = 0.01
# How an idea got to its stage: the rows of its history after the creation row.
PATHS = {
    "proposed": [],
    "under_review": ["under_review"],
    "assessed": ["under_review", "assessed"],
    "piloted": ["under_review", "assessed", "piloted"],
    "implemented": ["under_review", "assessed", "implemented"],
    "declined": ["under_review", "declined"],
    "on_hold": ["under_review", "on_hold"],
    "merged": ["merged"],
}
BATCH_IDEAS = 5_000


@dataclass
class Sizes:
    """How many rows of each kind to make."""

    ideas: int
    users: int
    votes: int
    comments: int
    groups: int

    @classmethod
    def for_ideas(cls, ideas: int) -> Sizes:
        """Every count scaled from the full set's proportions."""
        scale = ideas / FULL_IDEAS
        return cls(
            ideas=ideas,
            users=max(100, ideas * PER_IDEA["users"]),
            votes=ideas * PER_IDEA["votes"],
            comments=ideas * PER_IDEA["comments"],
            groups=max(5, round(FULL_GROUPS * scale)) if scale < 1 else FULL_GROUPS,
        )


class Text:
    """Fast random text with a Zipf-like word frequency (the search benchmark's vocabulary)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = vocabulary(rng)
        self.cum = {
            lang: list(itertools.accumulate(1 / (rank + 10) for rank in range(len(words))))
            for lang, words in self.words.items()
        }
        self.glue = {"en": EN_GLUE, "fr": FR_GLUE, "zh_Hant_TW": ZH_GLUE}
        self.pool: dict[str, list[str]] = {}

    def _words(self, language: str, count: int) -> list[str]:
        content = self.rng.choices(self.words[language], cum_weights=self.cum[language], k=count)
        glue, rnd = self.glue[language], self.rng.random
        out = []
        for word in content:
            if rnd() < 0.4:
                out.append(glue[int(rnd() * len(glue))])
            out.append(word)
        return out

    @staticmethod
    def _join(language: str, words: list[str]) -> str:
        return ("" if language == "zh_Hant_TW" else " ").join(words)

    def _sentences(self, language: str, low: int, high: int, words: tuple[int, int]) -> str:
        end = "。" if language == "zh_Hant_TW" else ". "
        parts = [
            self._join(language, self._words(language, self.rng.randint(*words)))
            for _ in range(self.rng.randint(low, high))
        ]
        return (end.join(parts) + end).strip()

    def title(self, language: str) -> str:
        """A title of 4 to 10 words."""
        verb = self.rng.choice(VERBS[language])
        title = self._join(language, [verb, *self._words(language, self.rng.randint(3, 8))])
        return title[:1].upper() + title[1:150]

    def body(self, language: str) -> tuple[str, str]:
        """Two or three paragraphs, a fifth with a bulleted list; and its rendered HTML."""
        paragraphs = [
            self._sentences(language, 1, 4, (8, 22)) for _ in range(self.rng.randint(2, 3))
        ]
        items = []
        if self.rng.random() < 0.2:
            items = [self._join(language, self._words(language, 4)) for _ in range(3)]
        text = "\n\n".join(paragraphs)
        html = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        if items:
            text += "\n\n" + "\n".join(f"- {item}" for item in items)
            html += "\n<ul>\n" + "\n".join(f"<li>{escape(i)}</li>" for i in items) + "\n</ul>"
        return text, html

    def comment(self, language: str) -> tuple[str, str]:
        """One to three sentences (from a pool, for speed); and its rendered HTML."""
        pool = self.pool.get(language)
        if pool is None:
            # 500,000 comments of fresh words would take minutes; sentences drawn from a
            # pool of 20,000 per language keep the word frequencies at a fraction of that.
            pool = self.pool[language] = [
                self._sentences(language, 1, 1, (6, 20)) for _ in range(20_000)
            ]
        text = " ".join(self.rng.choices(pool, k=self.rng.randint(1, 3)))
        return text, f"<p>{escape(text)}</p>"

    def person(self) -> str:
        """A display name."""
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"


# --------------------------------------------------------------------------------------
# Writing rows


class Writer:
    """Bulk row writer: COPY on PostgreSQL, executemany on SQLite, in one transaction.

    The loaded tables' secondary indexes (and PostgreSQL's foreign keys) are dropped
    first and made again after the load: building an index once from all its rows is
    several times cheaper than keeping it up to date row by row in random key order, and
    one foreign-key check per constraint (a join) is cheaper than one trigger per row.
    Primary keys and unique constraints stay, so duplicates still fail at once.
    """

    def __init__(self, engine, tables):
        from sqlalchemy import DateTime

        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.tables = tables
        self.conn = engine.connect()
        self.dbapi = self.conn.connection.dbapi_connection
        self.DateTime = DateTime
        cursor = self.dbapi.cursor()
        if self.pg:
            # Scratch data: a crash means starting again, so no need to wait for the disk.
            cursor.execute("SET synchronous_commit = off")
        else:
            for pragma in ("synchronous=OFF", "foreign_keys=OFF", "cache_size=-200000"):
                cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
        self.deferred = self._drop_indexes()

    def _execute(self, sql: str, params=None) -> list[tuple]:
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(sql, params) if params is not None else cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def _drop_indexes(self) -> list[str]:
        """Drop the secondary indexes and foreign keys; return the statements that remake them."""
        names = [table.name for table in self.tables]
        remake: list[str] = []
        if self.pg:
            keys = self._execute(
                "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)"
                " FROM pg_constraint WHERE contype = 'f' AND conrelid IN (SELECT oid"
                " FROM pg_class WHERE relname = ANY(%s)"
                " AND relnamespace = current_schema()::regnamespace)",
                [names],
            )
            for table, name, _definition in keys:
                self._execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            # Indexes behind a primary key or unique constraint stay.
            indexes = self._execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
                " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
                " WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
                " AND c.contype IN ('p', 'u', 'x'))",
                [names],
            )
            for name, definition in indexes:
                self._execute(f"DROP INDEX {name}")
                remake.append(definition)
            remake += [f"ALTER TABLE {t} ADD CONSTRAINT {n} {d}" for t, n, d in keys]
        else:
            marks = ", ".join("?" * len(names))
            # sql is NULL for the indexes SQLite makes for PRIMARY KEY and UNIQUE: those stay.
            query = f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})"  # noqa: E501, S608 - only placeholders
            indexes = self._execute(f"{query} AND sql IS NOT NULL", names)
            for name, definition in indexes:
                self._execute(f'DROP INDEX "{name}"')
                remake.append(definition)
        return remake

    def rows(self, table, columns: list[str], rows) -> int:
        """Write tuples in `columns` order into `table`; returns how many."""
        rows = list(rows)
        if not rows:
            return 0
        names = ", ".join(f'"{c}"' for c in columns)
        if self.pg:
            with (
                self.dbapi.cursor() as cur,
                cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            stamps = [
                i for i, c in enumerate(columns) if isinstance(table.c[c].type, self.DateTime)
            ]
            if stamps:
                rows = [_sqlite_stamps(row, stamps) for row in rows]
            marks = ", ".join("?" * len(columns))
            # Table and column names come from our own metadata, never from input.
            sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'  # noqa: S608
            self.dbapi.executemany(sql, rows)
        return len(rows)

    def finish(self, log=print) -> None:
        """Remake the indexes and keys, commit, move the id sequences on, and analyse.

        PostgreSQL gets VACUUM ANALYZE: fresh statistics for the planner, and a visibility
        map, without which index-only scans visit the table and the first reads of every
        page would write hint bits during the benchmark.
        """
        started = time.perf_counter()
        if self.pg:
            self._execute("SET maintenance_work_mem = '512MB'")
        for statement in self.deferred:
            self._execute(statement)
        log(f"indexes and keys made in {time.perf_counter() - started:.1f} s")
        self.conn.commit()
        started = time.perf_counter()
        if self.pg:
            for table in self.tables:
                if "id" not in table.c:
                    continue
                # Our own table names, never input.
                name = table.name
                sql = f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))"  # noqa: E501, S608
                self._execute(sql)
            self.dbapi.commit()
            self.dbapi.autocommit = True  # VACUUM runs outside a transaction
            try:
                self._execute("VACUUM (ANALYZE)")
            finally:
                self.dbapi.autocommit = False
        else:
            self._execute("ANALYZE")
            self.dbapi.commit()
        done = "vacuumed and analysed" if self.pg else "analysed"
        log(f"{done} in {time.perf_counter() - started:.1f} s")
        self.conn.close()


def _sqlite_stamps(row: tuple, positions: list[int]) -> tuple:
    # SQLAlchemy's SQLite DateTime storage format, so that string comparisons in SQL agree.
    row = list(row)
    for i in positions:
        if row[i] is not None:
            row[i] = row[i].isoformat(" ", "microseconds")
    return tuple(row)


# --------------------------------------------------------------------------------------
# The data set


@dataclass
class World:
    """What later rows refer to: users, their departments and locales, groups, staff."""

    now: datetime
    start: datetime
    user_dept: list[int] = field(default_factory=list)
    user_locale: list[str] = field(default_factory=list)
    secretariat: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    group_members: dict[int, list[int]] = field(default_factory=dict)
    themes: list[int] = field(default_factory=list)


def _spread_counts(rng: random.Random, weights: list[float], total: int, cap: int) -> list[int]:
    """Split `total` into integer counts proportional to weights, each at most `cap`."""
    if cap * len(weights) < total:
        raise ValueError(f"cannot spread {total} over {len(weights)} items of at most {cap}")
    scale = total / sum(weights)
    counts = [min(cap, int(w * scale)) for w in weights]
    short = total - sum(counts)
    n = len(counts)
    while short > 0:
        i = rng.randrange(n)
        if counts[i] < cap:
            counts[i] += 1
            short -= 1
    return counts


def write_people(
    w: Writer, rng: random.Random, text: Text, sizes: Sizes, world: World, hasher
) -> None:
    """Departments, accounts (the first ones staff), groups and their memberships."""
    from ideas.accounts.models import Department, User
    from ideas.groups.models import Group, Membership

    levels = ["federal"] * 30 + ["provincial"] * 6 + ["municipal"] * 4
    w.rows(
        Department.__table__,
        ["id", "name_en", "name_fr", "name_zh", "level", "headcount", "created_at"],
        [
            (i, f"Department {i:02d}", f"Ministère {i:02d}", f"部門 {i:02d}", levels[i - 1],
             rng.choice([None, rng.randint(300, 40_000)]), world.start - timedelta(days=400))
            for i in range(1, DEPARTMENTS + 1)
        ],
    )  # fmt: skip
    # A few large departments hold most people, as in the federal public service.
    dept_weights = list(itertools.accumulate(1 / (d + 3) for d in range(DEPARTMENTS)))
    roles = [r for r, n in STAFF.items() for _ in range(n)]
    world.user_dept = [
        0,
        *rng.choices(range(1, DEPARTMENTS + 1), cum_weights=dept_weights, k=sizes.users),
    ]
    world.user_locale = ["", *rng.choices(LANGUAGES, weights=[6, 3, 1], k=sizes.users)]
    world.secretariat = [i + 1 for i, r in enumerate(roles) if r in ("secretariat", "admin")]

    def users():
        for uid in range(1, sizes.users + 1):
            role = roles[uid - 1] if uid <= len(roles) else "member"
            created = (
                world.start - timedelta(days=30) + timedelta(seconds=rng.random() * 86400 * 60)
            )
            email = f"user{uid}@example.gc.ca"
            yield (uid, email, text.person(), hasher, world.user_dept[uid], world.user_locale[uid],
                   role, True, created, secrets.token_urlsafe(32))  # fmt: skip

    columns = ["id", "email", "display_name", "password_hash", "department_id", "locale", "role",
               "active", "created_at", "session_token"]  # fmt: skip
    batch = []
    for row in users():
        batch.append(row)
        if len(batch) >= 50_000:
            w.rows(User.__table__, columns, batch)
            batch = []
    w.rows(User.__table__, columns, batch)

    member_weights = [rng.paretovariate(1.2) for _ in range(sizes.groups)]
    sizes_by_group = _spread_counts(rng, member_weights, sizes.users // 3, sizes.users // 4)
    group_rows, members = [], []
    for gid in range(1, sizes.groups + 1):
        department = gid <= sizes.groups // 3
        creator = rng.choice(world.secretariat) if department else rng.randint(1, sizes.users)
        name = f"Department group {gid:02d}" if department else f"Community {gid:02d}"
        group_rows.append(
            (gid, name, name.lower().replace(" ", "-"), f"A {name.lower()} for bench data.",
             f"<p>A {name.lower()} for bench data.</p>", "department" if department else "topic",
             rng.randint(1, DEPARTMENTS) if department else None, creator, world.start, 0)
        )  # fmt: skip
        chosen = set(rng.sample(range(1, sizes.users + 1), max(1, sizes_by_group[gid - 1])))
        chosen.discard(creator)
        ids = [creator, *chosen]
        world.group_members[gid] = ids
        for uid in ids:
            joined = world.start + timedelta(seconds=rng.random() * 86400 * 30)
            members.append((gid, uid, uid == creator, joined))
    group_rows = [(*row[:-1], len(world.group_members[row[0]])) for row in group_rows]
    w.rows(
        Group.__table__,
        ["id", "name", "slug", "description", "description_html", "kind", "department_id",
         "created_by_id", "created_at", "member_count"],
        group_rows,
    )  # fmt: skip
    w.rows(Membership.__table__, ["group_id", "user_id", "is_group_admin", "joined_at"], members)
    world.groups = list(range(1, sizes.groups + 1))


def _creation_times(rng: random.Random, world: World, count: int) -> list[datetime]:
    """Posting times over the campaign: a launch burst, a long tail, a closing rush."""
    span = (world.now - world.start).total_seconds()
    times = []
    for _ in range(count):
        r = rng.random()
        if r < 0.3:
            x = rng.random() ** 2 * 0.15  # launch weeks
        elif r < 0.9:
            x = rng.random()
        else:
            x = 1 - rng.random() ** 2 * 0.1  # the last weeks
        times.append(world.start + timedelta(seconds=x * span))
    times.sort()
    return [t.replace(microsecond=(t.microsecond // 1000) * 1000) for t in times]


def write_ideas(
    w: Writer,
    rng: random.Random,
    text: Text,
    sizes: Sizes,
    world: World,
    threshold: tuple[int, int],
) -> dict:
    """Ideas with their votes, comments, follows and stage history; returns row counts."""
    from ideas.board.models import Comment, Follow, Idea, Vote
    from ideas.board.ranking import controversy_score, hot_score, wilson_lower_bound
    from ideas.workflow.models import StageChange

    n = sizes.ideas
    created = _creation_times(rng, world, n)
    popularity = [rng.paretovariate(1.3) for _ in range(n)]
    # No idea gets more votes than a tenth of the members (all but its author, at tiny sizes).
    vote_cap = min(sizes.users - 1, max(sizes.users // 10, 3 * sizes.votes // n))
    vote_counts = _spread_counts(rng, popularity, sizes.votes, vote_cap)
    comment_weights = [1 + p**0.8 for p in popularity]
    comment_counts = _spread_counts(rng, comment_weights, sizes.comments, 20_000)
    popular_cut = sorted(vote_counts, reverse=True)[max(0, n // 20 - 1)]
    threshold_votes, threshold_days = threshold
    counts = {"ideas": 0, "votes": 0, "comments": 0, "follows": 0, "stage_changes": 0}
    not_merged: list[int] = []
    comment_id = change_id = 0
    for first in range(1, n + 1, BATCH_IDEAS):
        ideas, votes, comments, follows, changes = [], [], [], [], []
        for iid in range(first, min(n, first + BATCH_IDEAS - 1) + 1):
            at = created[iid - 1]
            age = (world.now - at).total_seconds()
            group = rng.choice(world.groups) if rng.random() < 0.3 else None
            author = (
                rng.choice(world.group_members[group]) if group else rng.randint(1, sizes.users)
            )
            language = world.user_locale[author] if rng.random() < 0.8 else rng.choice(LANGUAGES)
            title = text.title(language)
            body, body_html = text.body(language)

            # Votes: distinct members other than the author; approval varies by idea, and
            # a few ideas split opinion.
            k = vote_counts[iid - 1]
            voters = rng.sample(range(1, sizes.users + 1), k + 1)
            voters = [v for v in voters if v != author][:k]
            approval = 0.5 if rng.random() < 0.05 else rng.betavariate(6, 1.5)
            up = down = 0
            up_times = []
            for voter in voters:
                when = at + timedelta(seconds=age * rng.random() ** 3)
                value = 1 if rng.random() < approval else -1
                if value == 1:
                    up += 1
                    up_times.append(when)
                else:
                    down += 1
                votes.append((iid, voter, value, when, when))
                if rng.random() < 0.03:
                    follows.append((iid, voter, when))
            follows.append((iid, author, at))
            reached = None
            if up >= threshold_votes:
                up_times.sort()
                crossed = up_times[threshold_votes - 1]
                if crossed <= at + timedelta(days=threshold_days):
                    reached = crossed

            # Comments, oldest first; about a third reply to an earlier top-level comment.
            visible = 0
            tops: list[int] = []
            times = sorted(
                at + timedelta(seconds=age * rng.random() ** 2)
                for _ in range(comment_counts[iid - 1])
            )
            for when in times:
                comment_id += 1
                parent = rng.choice(tops) if tops and rng.random() < 0.35 else None
                if parent is None:
                    tops.append(comment_id)
                hidden = rng.random() < HIDDEN_SHARE
                visible += not hidden
                c_text, c_html = text.comment(language)
                commenter = rng.randint(1, sizes.users)
                comments.append(
                    (comment_id, iid, commenter, parent, c_text, c_html, hidden, when, when)
                )

            # Stage and its history: recent ideas wait; popular ones get further.
            if age < 14 * 86400:
                stage = "proposed"
            elif not_merged and rng.random() < MERGED_SHARE:
                stage = "merged"
            else:
                weights = STAGE_WEIGHTS_POPULAR if k >= popular_cut else STAGE_WEIGHTS_OTHER
                stage = rng.choices(list(weights), weights=list(weights.values()))[0]
            change_id += 1
            changes.append((change_id, iid, None, "proposed", author, "", at))
            previous, when = "proposed", at
            reviewer = None
            held_from = None
            for step in PATHS[stage]:
                when = when + timedelta(
                    seconds=(world.now - when).total_seconds() * rng.uniform(0.05, 0.4)
                )
                actor = rng.choice(world.secretariat)
                reviewer = reviewer or actor
                change_id += 1
                changes.append(
                    (change_id, iid, previous, step, actor, "Moved by the secretariat.", when)
                )
                if step == "on_hold":
                    held_from = previous
                previous = step
            merged_into = rng.choice(not_merged[-2000:]) if stage == "merged" else None
            if stage != "merged":
                not_merged.append(iid)
            progress = {"piloted": rng.randint(10, 90), "implemented": 100}.get(stage, 0)
            hidden_idea = rng.random() < HIDDEN_SHARE
            ideas.append((
                iid, title, body, body_html, author, rng.choice(world.themes), group,
                world.user_dept[author], language, stage, held_from, when, merged_into, reviewer,
                hidden_idea, progress, reached, None, at, at, up, down, visible, 0,
                wilson_lower_bound(up, down), hot_score(up, down, at), controversy_score(up, down),
            ))  # fmt: skip
        # Follower counts come from the follow rows of the batch (position 23 of a row).
        per_idea: dict[int, int] = {}
        for f in follows:
            per_idea[f[0]] = per_idea.get(f[0], 0) + 1
        ideas = [(*row[:23], per_idea.get(row[0], 0), *row[24:]) for row in ideas]
        counts["ideas"] += w.rows(
            Idea.__table__,
            ["id", "title", "body", "body_html", "author_id", "theme_id", "group_id",
             "department_id", "language", "stage", "held_from", "stage_changed_at",
             "merged_into_id", "reviewer_id", "hidden", "progress", "threshold_reached_at",
             "responded_at", "created_at", "updated_at", "up_count", "down_count",
             "comment_count", "follower_count", "wilson", "hot", "controversy"],
            ideas,
        )  # fmt: skip
        counts["votes"] += w.rows(
            Vote.__table__, ["idea_id", "user_id", "value", "created_at", "updated_at"], votes
        )
        counts["comments"] += w.rows(
            Comment.__table__,
            ["id", "idea_id", "author_id", "parent_id", "body", "body_html", "hidden",
             "created_at", "updated_at"],
            comments,
        )  # fmt: skip
        counts["follows"] += w.rows(Follow.__table__, ["idea_id", "user_id", "created_at"], follows)
        counts["stage_changes"] += w.rows(
            StageChange.__table__,
            ["id", "idea_id", "from_stage", "to_stage", "actor_id", "rationale", "created_at"],
            changes,
        )
        print(f"  ideas {counts['ideas']:,} / {n:,}", file=sys.stderr, flush=True)
    return counts


# --------------------------------------------------------------------------------------
# Checking


def check(session, threshold_votes: int, sample: int = 300) -> list[str]:
    """Recompute counters and ranking columns from the rows; return the mismatches found."""
    from sqlalchemy import case, func, select

    from ideas.board.models import Comment, Follow, Idea, Vote
    from ideas.board.ranking import controversy_score, hot_score, wilson_lower_bound
    from ideas.groups.models import Group, Membership
    from ideas.markup import render_markdown
    from ideas.workflow.models import StageChange, StageTally

    problems: list[str] = []
    votes = dict(
        (row[0], (row[1], row[2]))
        for row in session.execute(
            select(
                Vote.idea_id,
                func.sum(case((Vote.value == 1, 1), else_=0)),
                func.sum(case((Vote.value == -1, 1), else_=0)),
            ).group_by(Vote.idea_id)
        )
    )
    comments = dict(
        session.execute(
            select(Comment.idea_id, func.count())
            .where(Comment.hidden.is_(False))
            .group_by(Comment.idea_id)
        ).all()
    )
    follows = dict(
        session.execute(select(Follow.idea_id, func.count()).group_by(Follow.idea_id)).all()
    )
    last_stage = dict(
        session.execute(
            select(StageChange.idea_id, StageChange.to_stage).order_by(
                StageChange.created_at, StageChange.id
            )
        ).all()
    )
    rows = session.execute(
        select(Idea.id, Idea.up_count, Idea.down_count, Idea.comment_count, Idea.follower_count,
               Idea.wilson, Idea.hot, Idea.controversy, Idea.created_at, Idea.stage,
               Idea.threshold_reached_at)
    )  # fmt: skip
    for iid, up, down, cc, fc, wilson, hot, contro, created, stage, reached in rows:
        want_up, want_down = votes.get(iid, (0, 0))
        expected = {
            "up_count": (up, want_up),
            "down_count": (down, want_down),
            "comment_count": (cc, comments.get(iid, 0)),
            "follower_count": (fc, follows.get(iid, 0)),
            "stage": (str(stage), str(last_stage.get(iid))),
        }
        for name, (have, want) in expected.items():
            if have != want:
                problems.append(f"idea {iid}: {name} is {have}, rows say {want}")
        for name, have, want in (
            ("wilson", wilson, wilson_lower_bound(want_up, want_down)),
            ("hot", hot, hot_score(want_up, want_down, created)),
            ("controversy", contro, controversy_score(want_up, want_down)),
        ):
            if abs(have - want) > 1e-9 * max(1.0, abs(want)):
                problems.append(f"idea {iid}: {name} is {have}, recomputed {want}")
        if reached is not None and want_up < threshold_votes:
            problems.append(f"idea {iid}: threshold reached with {want_up} up votes")
    members = dict(
        session.execute(
            select(Membership.group_id, func.count()).group_by(Membership.group_id)
        ).all()
    )
    for gid, count in session.execute(select(Group.id, Group.member_count)):
        if count != members.get(gid, 0):
            problems.append(f"group {gid}: member_count is {count}, rows say {members.get(gid, 0)}")
    # The triggers kept the stage tally through the bulk load: it must match the ideas.
    stages = select(Idea.stage, Idea.hidden, func.count()).group_by(Idea.stage, Idea.hidden)
    live = {(stage, hidden): count for stage, hidden, count in session.execute(stages)}
    tallied = select(StageTally.stage, StageTally.hidden, StageTally.ideas)
    for stage, hidden, count in session.execute(tallied.where(StageTally.ideas != 0)):
        if count != live.pop((stage, hidden), 0):
            problems.append(f"stage tally {stage} hidden={hidden}: {count} ideas, rows differ")
    problems += [f"stage tally {stage} hidden={hidden}: missing" for stage, hidden in live]
    # Stored HTML must be what the application's renderer makes of the text.
    for model in (Idea, Comment):
        picked = session.execute(
            select(model.id, model.body, model.body_html).order_by(model.id).limit(sample)
        )
        for oid, body, html in picked:
            if str(render_markdown(body)) != html:
                problems.append(
                    f"{model.__tablename__} {oid}: body_html differs from render_markdown"
                )
    return problems


# --------------------------------------------------------------------------------------
# Command line


def bench_app(database_url: str, search_dir: str | None, instance: str | None = None):
    """The application on the given database and index directory (benchmark settings)."""
    if instance:
        os.environ["IDEAS_INSTANCE_PATH"] = instance
    from config import Config
    from ideas import create_app

    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret"),
        "SEARCH_LOCK_TIMEOUT": 30.0,
    }
    if search_dir:
        settings["SEARCH_INDEX_DIR"] = search_dir
    return create_app(type("GenerateConfig", (Config,), settings))


def fresh_database(url: str) -> None:
    """Remove the SQLite file, or drop and create the PostgreSQL database, of `url`."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    admin = parsed.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def generate(app, ideas: int, seed: int = 1, search: bool = True, log=print) -> dict:
    """Fill the (migrated, empty) database of `app`; returns row counts and timings."""
    from sqlalchemy import func, select
    from werkzeug.security import generate_password_hash

    from ideas.accounts.models import User
    from ideas.board.models import Theme
    from ideas.extensions import db
    from ideas.timeutil import utcnow

    sizes = Sizes.for_ideas(ideas)
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(User)):
            raise SystemExit("The database already has accounts; use --fresh or an empty one.")
        now = utcnow().replace(microsecond=0)
        world = World(now=now, start=now - timedelta(days=CAMPAIGN_DAYS))
        world.themes = list(db.session.scalars(select(Theme.id).order_by(Theme.id)))
        db.session.remove()
        text = Text(rng)
        hasher = generate_password_hash(PASSWORD, app.config["PASSWORD_HASH_METHOD"])
        threshold = (app.config["RESPONSE_THRESHOLD_VOTES"], app.config["RESPONSE_THRESHOLD_DAYS"])
        started, cpu_started = time.perf_counter(), time.process_time()
        from ideas.accounts.models import Department
        from ideas.board.models import Comment, Follow, Idea, Vote
        from ideas.groups.models import Group, Membership
        from ideas.workflow.models import StageChange

        loaded = (Department, User, Group, Membership, Idea, Vote, Comment, Follow, StageChange)
        writer = Writer(db.engine, [model.__table__ for model in loaded])
        write_people(writer, rng, text, sizes, world, hasher)
        timings["people"] = time.perf_counter() - started
        log(f"people written in {timings['people']:.1f} s")
        counts = write_ideas(writer, rng, text, sizes, world, threshold)
        writer.finish(log)
        timings["rows"] = time.perf_counter() - started
        # This process's CPU time too: wall time says little on a shared machine (the
        # database server's own CPU, on PostgreSQL, is not in it).
        timings["rows_cpu"] = time.process_time() - cpu_started
        log(f"rows written in {timings['rows']:.1f} s ({timings['rows_cpu']:.1f} s CPU): {counts}")
        # The dashboard's roll-up, as the application's scheduled `flask dashboard refresh`
        # leaves it; without it every dashboard view would count the whole campaign live.
        from ideas.dashboard.rollup import refresh as refresh_rollup

        rollup_started, cpu_started = time.perf_counter(), time.process_time()
        rolled = refresh_rollup(full=True)
        timings["rollup"] = time.perf_counter() - rollup_started
        timings["rollup_cpu"] = time.process_time() - cpu_started
        log(
            f"dashboard roll-up: {rolled.days} days in {timings['rollup']:.1f} s"
            f" ({timings['rollup_cpu']:.1f} s CPU;"
            f" longest write {rolled.longest_write_seconds:.2f} s)"
        )
        if search:
            from ideas.search.index import rebuild

            cpu_started = time.process_time()
            report = rebuild()
            timings["search"] = report.seconds
            timings["search_cpu"] = time.process_time() - cpu_started
            log(
                f"search index built in {report.seconds:.1f} s ({timings['search_cpu']:.1f} s"
                f" CPU, {report.documents:,} ideas)"
            )
        timings["total"] = time.perf_counter() - started
    counts.update(users=sizes.users, groups=sizes.groups, departments=DEPARTMENTS)
    return {"counts": counts, "seconds": timings, "now": now.isoformat()}


def main(argv: list[str] | None = None) -> int:
    """Parse options, migrate, generate, optionally check; print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--ideas", type=int, default=FULL_IDEAS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search-dir", help="the search index folder (default: the app's)")
    parser.add_argument("--no-search", action="store_true", help="skip building the search index")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--check", action="store_true", help="recompute counters and compare")
    parser.add_argument("--check-only", action="store_true", help="only run the check")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or DATABASE_URL")
    if args.fresh and not args.check_only:
        fresh_database(args.database_url)
    app = bench_app(args.database_url, args.search_dir)
    summary: dict = {}
    if not args.check_only:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
        summary = generate(app, args.ideas, args.seed, search=not args.no_search, log=log)
    if args.check or args.check_only:
        from ideas.extensions import db

        with app.app_context():
            started = time.perf_counter()
            problems = check(db.session, app.config["RESPONSE_THRESHOLD_VOTES"])
            summary["check"] = {"problems": len(problems), "first": problems[:20]}
            summary["check_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary, indent=2))
    return 1 if summary.get("check", {}).get("problems") else 0


if __name__ == "__main__":
    sys.exit(main())
