r"""CPU time of the ranked list, group and home pages, and where it goes (cProfile).

    .venv/bin/python bench/generate.py --database-url sqlite:////tmp/b/s10000.db \\
        --ideas 10000 --no-search --fresh
    .venv/bin/python bench/list_profile.py --database-url sqlite:////tmp/b/s10000.db
    .venv/bin/python bench/list_profile.py --database-url ... --profile "list top p1"

Each page is requested through the test client signed in as an ordinary member, in the
benchmark configuration (bench/app.py), the way bench/run.py loads it: every sort of
/ideas at page 1 and at page 500 (through its cursor), the theme-and-stage filter, the
busiest group's page and the home page. It reports CPU time (time.process_time), which
other processes on a loaded machine do not inflate, split into the template rendering
(between Flask's before_render_template and template_rendered signals) and the rest
(routing, queries, SQLite's own work, the session). On PostgreSQL the server's share of
each query runs in another process and is not counted. `--profile NAME` prints the
functions a page spends its CPU in. A measurement, never a test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import TARGET_PAGE, VOTERS, _bench_app, session_cookie


def pages(app) -> dict[str, str]:
    """Name → path of each page to time, chosen from the data as bench/run.py chooses."""
    from sqlalchemy import func, select

    from ideas.board.models import Idea
    from ideas.board.services import (
        SORT_COLUMNS,
        IdeaFilters,
        encode_cursor,
        filter_clauses,
        ranked_ideas,
    )
    from ideas.extensions import db
    from ideas.groups.models import Group
    from ideas.workflow.stages import Stage

    per_page = app.config["IDEAS_PER_PAGE"]

    def cursor_url(sort: str, filters: IdeaFilters, extra: str = "") -> tuple[str, int]:
        visible = db.session.scalar(
            select(func.count()).select_from(Idea).where(*filter_clauses(filters))
        )
        page = max(2, min(TARGET_PAGE, visible // per_page))
        idea = db.session.scalar(
            ranked_ideas(sort, filters).offset((page - 1) * per_page - 1).limit(1)
        )
        return f"/ideas?sort={sort}{extra}&after={encode_cursor(sort, idea)}&page={page}", page

    result = {}
    with app.app_context():
        for sort in SORT_COLUMNS:
            result[f"list {sort} p1"] = f"/ideas?sort={sort}"
            url, page = cursor_url(sort, IdeaFilters())
            result[f"list {sort} p{page}"] = url
        theme = db.session.scalar(
            select(Idea.theme_id).group_by(Idea.theme_id).order_by(func.count().desc()).limit(1)
        )
        extra = f"&theme={theme}&stage=proposed"
        result["list top+filter p1"] = f"/ideas?sort=top{extra}"
        url, page = cursor_url("top", IdeaFilters(theme_id=theme, stage=Stage.PROPOSED), extra)
        result[f"list top+filter p{page}"] = url
        group = db.session.scalar(select(Group).order_by(Group.member_count.desc()).limit(1))
        result["group page"] = f"/groups/{group.slug}"
        result["group page, new"] = f"/groups/{group.slug}?sort=new"
        result["home"] = "/"
        result["B0 floor"] = "/_bench/b0"
    return result


class RenderClock:
    """CPU seconds spent between before_render_template and template_rendered."""

    def __init__(self, app) -> None:
        from flask import before_render_template, template_rendered

        self.total = 0.0
        self._started = 0.0
        before_render_template.connect(self._start, app)
        template_rendered.connect(self._stop, app)

    def _start(self, *args, **kwargs) -> None:
        self._started = time.process_time()

    def _stop(self, *args, **kwargs) -> None:
        self.total += time.process_time() - self._started


def time_page(client, clock: RenderClock, path: str, warmup: int, requests: int) -> dict:
    """Median and minimum CPU ms of a page, and the template's share of it."""
    cpu, render, wall = [], [], []
    for index in range(warmup + requests):
        clock.total = 0.0
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        response = client.get(path)
        spent_cpu = time.process_time() - started_cpu
        spent_wall = time.perf_counter() - started_wall
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        if index >= warmup:
            cpu.append(spent_cpu)
            render.append(clock.total)
            wall.append(spent_wall)
    return {
        "cpu_ms": round(statistics.median(cpu) * 1000, 1),
        "cpu_min_ms": round(min(cpu) * 1000, 1),
        "render_ms": round(statistics.median(render) * 1000, 1),
        "wall_ms": round(statistics.median(wall) * 1000, 1),
        "bytes": len(response.data),
    }


def profile_page(client, path: str, requests: int, top: int) -> str:
    """The functions the page spends its CPU in, over `requests` requests."""
    client.get(path)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Sign in as a member, time every page (or profile one), print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", help="time only the pages whose name contains this")
    parser.add_argument("--profile", help="profile the page with this name instead")
    parser.add_argument("--top", type=int, default=35, help="functions shown by --profile")
    parser.add_argument(
        "--count-cache-seconds",
        type=int,
        default=None,
        help="IDEAS_COUNT_CACHE_SECONDS (default: the configuration's)",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or DATABASE_URL")
    app = _bench_app(args.database_url, None)
    if args.count_cache_seconds is not None:
        app.config["IDEAS_COUNT_CACHE_SECONDS"] = args.count_cache_seconds
    from ideas.accounts.models import User
    from ideas.extensions import db

    with app.app_context():
        member = next((u for u in VOTERS if db.session.get(User, u) is not None), 100)
        backend = db.engine.dialect.name
    cookie = session_cookie(app, member)
    client = app.test_client()
    name, value = cookie.split("=", 1)
    client.set_cookie(name, value)
    targets = pages(app)
    if args.profile:
        print(profile_page(client, targets[args.profile], args.requests, args.top))
        return 0
    clock = RenderClock(app)
    results = {
        name: time_page(client, clock, path, args.warmup, args.requests)
        for name, path in targets.items()
        if not args.only or args.only in name
    }
    summary = {
        "database": backend,
        "url": args.database_url,
        "requests": args.requests,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "pages": results,
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
