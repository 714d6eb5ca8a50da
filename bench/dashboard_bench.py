r"""Dashboard benchmark: p50/p95 of the whole /dashboard page on a generated database.

    .venv/bin/python bench/generate.py --database-url sqlite:////tmp/b/b10k.db \\
        --ideas 10000 --no-search --fresh
    .venv/bin/python bench/dashboard_bench.py --database-url sqlite:////tmp/b/b10k.db

The data comes from bench/generate.py (100,000 ideas, 2,000,000 votes and 500,000
comments at full size). Each variant of the page (default period, a department, a theme,
a 26-week period, a ranking by stage) is requested through the test client signed in as
an executive: routing, every query, the SVG charts and the template, as a reader waits
for them (minus the network). Per-section timings show where the time goes. A
measurement, never a test: nothing here asserts a time. Bounded: a fixed number of
requests per variant and a wall-clock cap.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import PASSWORD, bench_app


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values given in seconds, in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[rank] * 1000, 1)


def variants(session) -> dict[str, str]:
    """Query strings of the page variants to time, chosen from the data."""
    from sqlalchemy import func, select

    from ideas.board.models import Idea
    from ideas.timeutil import utcnow

    department = session.scalar(
        select(Idea.department_id)
        .where(Idea.department_id.is_not(None))
        .group_by(Idea.department_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    theme = session.scalar(select(Idea.theme_id).limit(1))
    today = utcnow().date()
    half_year = (today - timedelta(days=181)).isoformat()
    return {
        "default (12 weeks)": "",
        "department": f"?department={department}",
        "theme": f"?theme={theme}",
        "26 weeks": f"?from={half_year}&to={today.isoformat()}",
        "hot, under review": "?ranking=hot&stage=under_review",
    }


def section_timings(app, repeat: int) -> dict[str, float]:
    """Median CPU milliseconds of each query module on the default page, to find the slow one.

    CPU time of this process (time.process_time), which includes SQLite's work but not a
    PostgreSQL server's: on a shared machine wall-clock time mostly measures the others.
    """
    from ideas.dashboard import (
        accountability,
        departments,
        figures,
        funnel,
        participation,
        rankings,
    )
    from ideas.dashboard.services import dashboard_filters

    with app.test_request_context("/dashboard"):
        filters = dashboard_filters({})
        sections = {
            "key figures (3 periods)": lambda: figures.key_figures(filters),
            "ranked ideas": lambda: rankings.ranked_ideas(filters),
            "funnel cohort (roll-up)": lambda: funnel.rolled_cohort_stats(filters),
            "stuck ideas": lambda: funnel.stuck_ideas(filters),
            "weekly participation": lambda: participation.weekly_participation(filters),
            "departments": lambda: departments.department_rows(filters),
            "accountability": lambda: accountability.accountability(filters),
        }
        result = {}
        for name, run in sections.items():
            times = []
            run()  # once untimed: statement compilation is cached per process
            for _ in range(repeat):
                started = time.process_time()
                run()
                times.append(time.process_time() - started)
            result[name] = percentile(times, 50)
        return result


def main(argv: list[str] | None = None) -> int:
    """Sign in as an executive, time every variant, print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--requests", type=int, default=20, help="timed requests per variant")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=240.0, help="stop after this long")
    parser.add_argument(
        "--cache-seconds",
        type=int,
        default=0,
        help="DASHBOARD_CACHE_SECONDS: 0 times every view computed afresh (cold); "
        "a positive value times views served from the cache after the warm-up (warm)",
    )
    parser.add_argument("--only", help="time only the variant with this name")
    parser.add_argument("--no-sections", action="store_true", help="skip the per-section timings")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or DATABASE_URL")
    app = bench_app(args.database_url, None)
    app.config.update(
        RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False, DASHBOARD_CACHE_SECONDS=args.cache_seconds
    )
    from sqlalchemy import func, select

    from ideas.accounts.models import Role, User
    from ideas.board.models import Comment, Idea, Vote
    from ideas.extensions import db

    with app.app_context():
        email = db.session.scalar(
            select(User.email).where(User.role == Role.EXECUTIVE).order_by(User.id).limit(1)
        )
        counts = {
            name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("ideas", Idea), ("votes", Vote), ("comments", Comment))
        }
        pages = variants(db.session)
        if args.only:
            pages = {args.only: pages[args.only]}
        backend = db.engine.dialect.name
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed ({response.status_code})")
    deadline = time.monotonic() + args.max_seconds
    results, everything, everything_cpu = {}, [], []
    for name, query in pages.items():
        times, cpu_times = [], []
        for index in range(args.warmup + args.requests):
            if time.monotonic() > deadline:
                break
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(f"/dashboard{query}")
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            if index >= args.warmup:
                times.append(elapsed)
                cpu_times.append(cpu)
        if times:
            everything.extend(times)
            everything_cpu.extend(cpu_times)
            results[name] = {
                "n": len(times),
                "p50_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95),
                "cpu_p50_ms": percentile(cpu_times, 50),
                "cpu_p95_ms": percentile(cpu_times, 95),
            }
    summary = {
        "database": backend,
        "rows": counts,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "variants": results,
        "all_p50_ms": percentile(everything, 50) if everything else None,
        "all_p95_ms": percentile(everything, 95) if everything else None,
        # Process CPU time: SQLite's work is in it, a PostgreSQL server's is not.
        "all_cpu_p50_ms": percentile(everything_cpu, 50) if everything_cpu else None,
        "all_cpu_p95_ms": percentile(everything_cpu, 95) if everything_cpu else None,
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "cache_seconds": args.cache_seconds,
        "sections_p50_ms": None if args.no_sections else section_timings(app, 3),
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
