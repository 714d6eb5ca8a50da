"""Operator commands: `flask backup PATH` and `flask restore PATH`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ideas.backup.services import BackupError, backup_database, restore_database
from ideas.extensions import db


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Write a consistent copy of the database to DESTINATION while the site runs."""
    try:
        report = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the {report.backend} database to {report.path} ({report.size:,} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--no-search", is_flag=True, help="Leave the search index as it is.")
@with_appcontext
def restore_command(source: Path, yes: bool, no_search: bool) -> None:
    """Replace the database's contents with the backup in SOURCE, then rebuild search."""
    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps reading the old pages
    try:
        report = restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored the {report.backend} database from {report.path}.")
    if not no_search:
        from ideas.search.index import rebuild

        result = rebuild()
        click.echo(f"Rebuilt the search index ({result.documents} ideas).")
