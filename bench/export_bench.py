r"""Export benchmark: time and peak memory of the streamed open-data exports and the report.

Runs on a database built by ``bench/generate.py``; it only reads. For each format it
consumes the same generator the response streams (``csv_chunks`` / ``json_chunks``) and
reports the time, the bytes produced, and the peak of Python allocations while it ran
(``tracemalloc``, in a second pass, since tracing slows the code down). Constant memory
shows as a peak that does not grow with the number of ideas, only with the batch size.

    .venv/bin/python bench/export_bench.py --database-url sqlite:////tmp/b/b10k.db
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import bench_app


def _consume(chunks) -> int:
    return sum(len(chunk.encode()) for chunk in chunks)


def measure(app, batch_sizes: list[int]) -> list[dict]:
    """Time and peak memory of each export format at each batch size, and of the report."""
    from sqlalchemy import func, select

    from ideas.board.models import Idea
    from ideas.dashboard.exports import csv_chunks, json_chunks
    from ideas.dashboard.filters import DashboardFilters
    from ideas.dashboard.reports import build_progress_report, report_filters
    from ideas.extensions import db
    from ideas.timeutil import utcnow

    results = []
    with app.app_context():
        ideas = db.session.scalar(select(func.count(Idea.id)))
        for batch in batch_sizes:
            for name, make in (("csv", csv_chunks), ("json", json_chunks)):
                started = time.perf_counter()
                size = _consume(make(DashboardFilters(), batch))
                elapsed = time.perf_counter() - started
                db.session.rollback()
                tracemalloc.start()
                _consume(make(DashboardFilters(), batch))
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                db.session.rollback()
                results.append({
                    "what": f"export {name}", "ideas": ideas, "batch": batch,
                    "seconds": round(elapsed, 2), "megabytes_out": round(size / 1e6, 1),
                    "peak_python_mb": round(peak / 1e6, 1),
                })  # fmt: skip
        for days in (28, 182):
            today = utcnow().date()
            filters = report_filters({"from": _days_ago(days).isoformat()}, today)
            started = time.perf_counter()
            report = build_progress_report(filters)
            elapsed = time.perf_counter() - started
            results.append({
                "what": f"progress report, last {days} days", "ideas": ideas,
                "seconds": round(elapsed, 2), "moves": report["moved_total"],
                "snapshot_kb": round(len(json.dumps(report)) / 1e3, 1),
            })  # fmt: skip
            db.session.rollback()
    return results


def _days_ago(days: int):
    from datetime import timedelta

    from ideas.timeutil import utcnow

    return utcnow().date() - timedelta(days=days - 1)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one JSON line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--batch", type=int, action="append", help="batch sizes (default 1000)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or DATABASE_URL")
    app = bench_app(args.database_url, None)
    for row in measure(app, args.batch or [1000]):
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
