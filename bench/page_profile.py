r"""Idea page profile: CPU milliseconds of GET /ideas/<id> with about 50 and 500 comments.

    .venv/bin/python bench/generate.py --database-url sqlite:////tmp/b/s10000.db \\
        --ideas 10000 --no-search --fresh
    .venv/bin/python bench/page_profile.py --database-url sqlite:////tmp/b/s10000.db
    .venv/bin/python bench/page_profile.py --database-url sqlite:////tmp/b/s10000.db \\
        --comments 500 --profile 25

The data comes from bench/generate.py, which gives a few ideas hundreds of comments. For
each target count the idea with the nearest comment_count is requested through the test
client, signed in as a member (or as an administrator with --staff): routing, every
query, the panels of other features and the template, minus the network. The floor
endpoint (B0 of bench/app.py) is timed in the same process, so the ratio means the same
as in `make bench`. Times are CPU time of this process (time.process_time), which
stays meaningful on a loaded machine; wall time is printed too. With --profile N, one
cProfile run per page prints its N most expensive functions (cumulative). A measurement,
never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import PASSWORD


def median(values: list[float]) -> float:
    """The median of values given in seconds, in milliseconds."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(value * 1000, 2)


def make_app(database_url: str):
    """The benchmark application (with B0) on the given database, CSRF and rate limits off."""
    from bench.app import BenchConfig, create_bench_app

    config = type("PageProfileConfig", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": database_url})
    return create_bench_app(config)


def pick_ideas(targets: list[int]) -> dict[int, tuple[int, int]]:
    """For each target, the visible idea whose comment count is nearest: {target: (id, count)}."""
    from sqlalchemy import func, select

    from ideas.board.models import Idea
    from ideas.extensions import db
    from ideas.workflow.stages import Stage

    picked = {}
    for target in targets:
        idea = db.session.scalar(
            select(Idea)
            .where(Idea.hidden.is_(False), Idea.stage != Stage.MERGED)
            .order_by(func.abs(Idea.comment_count - target), Idea.id)
            .limit(1)
        )
        picked[target] = (idea.id, idea.comment_count)
    return picked


class Statements:
    """Counts SQL statements sent while a request runs."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args, **_kwargs):
        self.count += 1


def time_path(client, path: str, requests: int, warmup: int, statements: Statements) -> dict:
    """Median CPU and wall milliseconds of `requests` GETs of path, its size and statements."""
    cpu, wall = [], []
    for index in range(warmup + requests):
        statements.count = 0
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        response = client.get(path)
        elapsed_cpu, elapsed_wall = (
            time.process_time() - started_cpu,
            time.perf_counter() - started_wall,
        )
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        if index >= warmup:
            cpu.append(elapsed_cpu)
            wall.append(elapsed_wall)
    return {
        "cpu_ms": median(cpu),
        "wall_ms": median(wall),
        "bytes": len(response.data),
        "statements": statements.count,
    }


def profile_path(client, path: str, top: int) -> str:
    """The `top` most expensive functions (cumulative time) of one request of path."""
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    client.get(path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Sign in, time B0 and the idea pages, print a JSON summary (and profiles if asked)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--comments", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--staff", action="store_true", help="sign in as an administrator")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print top N")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or DATABASE_URL")
    app = make_app(args.database_url)
    from sqlalchemy import func, select

    from ideas.accounts.models import Role, User
    from ideas.board.models import Comment, Idea
    from ideas.extensions import db

    with app.app_context():
        role = Role.ADMIN if args.staff else Role.MEMBER
        email = db.session.scalar(
            select(User.email)
            .where(User.role == role, User.deleted_at.is_(None))
            .order_by(User.id)
            .limit(1)
        )
        ideas = db.session.scalar(select(func.count()).select_from(Idea))
        comments = db.session.scalar(select(func.count()).select_from(Comment))
        picked = pick_ideas(args.comments)
        last_comment = {
            target: db.session.scalar(
                select(func.max(Comment.id)).where(Comment.idea_id == idea_id)
            )
            for target, (idea_id, _count) in picked.items()
        }
        statements = Statements(db.engine)
        backend = db.engine.dialect.name
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed ({response.status_code})")
    pages = {"B0 floor": "/_bench/b0"}
    for target, (idea_id, count) in picked.items():
        pages[f"idea page, {count} comments"] = f"/ideas/{idea_id}"
        # The page a link to the newest comment lands on (the last page of the discussion).
        pages[f"idea page, {count} comments, ?comment=newest"] = (
            f"/ideas/{idea_id}?comment={last_comment[target]}"
        )
    results = {
        name: time_path(client, path, args.requests, args.warmup, statements)
        for name, path in pages.items()
    }
    floor = results["B0 floor"]["cpu_ms"]
    for result in results.values():
        result["cpu_ratio_to_b0"] = round(floor / result["cpu_ms"], 3) if result["cpu_ms"] else None
    print(
        json.dumps(
            {
                "database": backend,
                "ideas": ideas,
                "comments": comments,
                "viewer": "administrator" if args.staff else "member",
                "load_average": os.getloadavg(),
                "pages": {
                    name: {"path": pages[name], **result} for name, result in results.items()
                },
            },
            indent=2,
        )
    )
    if args.profile:
        for name, path in pages.items():
            if name != "B0 floor" and "?comment" not in path:
                print(f"\n=== {name} ({path}) ===")
                print(profile_path(client, path, args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
