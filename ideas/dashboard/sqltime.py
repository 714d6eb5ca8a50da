"""Date arithmetic in SQL that reads the same on SQLite and PostgreSQL.

SQLite stores datetimes as text and has julianday(); PostgreSQL subtracts timestamps
into intervals. Each helper picks the expression for the database in use.
"""

from datetime import date, datetime

from sqlalchemy import Float, Integer, cast, extract, func, literal

from ideas.extensions import db

SECONDS_PER_DAY = 86400.0


def dialect_name() -> str:
    """The name of the database dialect of the current session ("sqlite", "postgresql")."""
    return db.session.get_bind().dialect.name


def days_between(later, earlier):
    """An SQL expression: fractional days from `earlier` to `later` (columns or datetimes)."""
    if dialect_name() == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return extract("epoch", later - earlier) / SECONDS_PER_DAY


def week_index(column, origin: datetime):
    """An SQL expression: whole weeks from `origin` (a Monday midnight) to the column."""
    origin_value = literal(origin)
    if dialect_name() == "sqlite":
        # Values are never before the origin here, so truncating is flooring.
        return cast((func.julianday(column) - func.julianday(origin_value)) / 7, Integer)
    return cast(
        func.floor(extract("epoch", column - origin_value) / (7 * SECONDS_PER_DAY)), Integer
    )


def as_float(expression):
    """Cast an SQL expression to a float, so averages of integers are not truncated."""
    return cast(expression, Float)


def as_day(value: datetime | date | str) -> date:
    """A day read back from the database (a date, a datetime, or SQLite's text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_datetime(value) -> datetime | None:
    """A datetime read back from the database (SQLite may give text); None stays None."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
