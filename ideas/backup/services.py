"""Back up and restore the database while the site runs: SQLite's backup API, pg_dump.

A backup is written beside its destination first and renamed into place only once it is
complete and checked, so a crash half-way never leaves a truncated file under the real
name. The search index is not backed up: it is rebuilt from the database after a restore.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup or restore did: the file, its size and the backend."""

    path: Path
    size: int
    backend: str


def backend_of(database_url: str) -> str:
    """'sqlite' or 'postgresql', from a SQLAlchemy URL; anything else is refused."""
    name = make_url(database_url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _libpq_url(database_url: str) -> str:
    """The URL pg_dump understands: SQLAlchemy's without the driver name."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _check_sqlite(path: Path) -> None:
    try:
        with sqlite3.connect(path) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a usable SQLite database: {error}") from error
    if result != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {result}")


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with the online backup API.

    One step (pages=-1) copies the database as it stood when the step began: writers in
    other processes carry on (WAL), and the copy holds every transaction committed before
    that moment and none after, never half of one.
    """
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()


def backup_database(database_url: str, destination: Path) -> BackupReport:
    """Write a consistent copy of the live database to `destination`."""
    backend = backend_of(database_url)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if backend == "sqlite":
            _copy_sqlite(_sqlite_path(database_url), partial)
            _check_sqlite(partial)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}",
                  _libpq_url(database_url)])  # fmt: skip
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(destination, destination.stat().st_size, backend)


def restore_database(database_url: str, source: Path) -> BackupReport:
    """Replace the database's contents with the backup in `source`, in one transaction."""
    backend = backend_of(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    if backend == "sqlite":
        _check_sqlite(source)
        target = _sqlite_path(database_url)
        if not target.exists():
            shutil.copyfile(source, target)
        else:
            # The backup API writes the pages under the database's own write lock, so
            # running workers see the old or the restored database, never a mixture.
            _copy_sqlite(source, target)
        _check_sqlite(target)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(database_url)}", str(source)])  # fmt: skip
    return BackupReport(source, source.stat().st_size, backend)


def _run(command: list[str]) -> None:
    try:
        # A fixed argument list, no shell: the only variable parts are paths and our own URL.
        completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed: {error}") from error
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed: {completed.stderr.strip()[-2000:]}")
