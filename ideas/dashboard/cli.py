"""Operator command: `flask dashboard refresh` rolls up dashboard activity per day and hour."""

from datetime import date

import click
from flask.cli import AppGroup

from ideas.dashboard import rollup

dashboard_cli = AppGroup("dashboard", help="Maintain the executive dashboard's roll-up.")


@dashboard_cli.command("refresh")
@click.option("--full", is_flag=True, help="Recompute every day, not only dirty and new ones.")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
def refresh_command(full: bool, quiet: bool) -> None:
    """Roll up every dirty day and everything up to the last finished hour, a transaction a day.

    Safe to run while the site serves, and to run again: run it every hour, or every few
    minutes (cron), so the dashboard counts at most about an hour of activity live.
    """

    def progress(day: date, rows: int, seconds: float) -> None:
        if not quiet:
            click.echo(f"{day.isoformat()}: {rows} rows in {seconds * 1000:.0f} ms")

    result = rollup.refresh(full=full, progress=progress)
    longest = (
        f"; longest day {result.longest_day.isoformat()} took {result.longest_seconds:.2f} s"
        f", longest write transaction {result.longest_write_seconds * 1000:.0f} ms"
        if result.longest_day
        else ""
    )
    watermark = (
        result.rolled_until.isoformat(sep=" ", timespec="minutes")
        if result.rolled_until
        else "none"
    )
    click.echo(
        f"Rolled up {result.days} day(s), {result.rows} row(s); watermark {watermark}{longest}."
    )
