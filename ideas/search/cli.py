"""Operator commands: `flask search rebuild`, `flask search check` and `flask search sync`."""

import signal
import threading
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from ideas.search.index import (
    apply_pending,
    check,
    flush_pending,
    index_complete,
    index_path,
    rebuild,
)

search_cli = AppGroup("search", help="Build and verify the search index.")

_SHOWN = 20  # ids listed per kind of drift; the counts are always complete


@search_cli.command("rebuild")
@click.option(
    "--if-missing",
    is_flag=True,
    help="Only when there is no index, or it holds fewer ideas than it should.",
)
def rebuild_command(if_missing: bool) -> None:
    """Build a fresh index beside the live one and swap it in atomically."""
    if if_missing and index_complete():
        click.echo(f"Search index present at {index_path()}; not rebuilt.")
        return
    report = rebuild()
    click.echo(
        f"Indexed {report.documents} ideas in {report.seconds:.1f} s "
        f"({report.size_bytes / 1_048_576:.1f} MiB) at {index_path()}; "
        f"{report.caught_up} changed during the rebuild and were applied after it."
    )


def _listed(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:_SHOWN])
    return shown + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


@search_cli.command("check")
@click.option("--repair", is_flag=True, help="Reindex what is missing, stale or extra.")
def check_command(repair: bool) -> None:
    """Report ideas missing from, stale in or wrongly kept in the index; exit 1 if any."""
    if repair:
        apply_pending()
    report = check(repair=repair)
    for label, ids in (
        ("missing", report.missing),
        ("stale", report.stale),
        ("should not be indexed", report.extra),
    ):
        if ids:
            click.echo(f"{len(ids)} idea(s) {label}: {_listed(ids)}")
    if report.pending:
        click.echo(f"{report.pending} idea(s) queued for the next index writer")
    if report.ok:
        click.echo("Search index matches the database.")
        return
    if repair:
        click.echo("Repaired; run `flask search check` again to confirm.")
    raise SystemExit(1)


@search_cli.command("sync")
@click.option(
    "--every",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Keep running beside the web server, applying the queue every SECONDS.",
)
def sync_command(every: float | None) -> None:
    """Apply the queued changes now (votes are queued), or keep doing so with --every."""
    if every is None:
        count = flush_pending()
        click.echo(f"{count} queued idea(s) applied to the search index.")
        return
    # SIGTERM (a service manager stopping us) ends the loop between flushes, never inside
    # one: a flush interrupted halfway would lose the ids it had taken from the queue.
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Applying the search index's queue every {every:g} s until stopped.")
    while not stop.is_set():
        count = flush_pending()
        if count:
            click.echo(f"{datetime.now(UTC):%H:%M:%S} {count} queued idea(s) applied.")
        stop.wait(every)
    click.echo("Stopped.")
