"""Count the SQL statements the app sends: for N+1 checks and "one read, not two" tests."""

from sqlalchemy import event

from ideas.extensions import db


class StatementCounter:
    """Counts (and keeps) the SQL statements the app sends while active."""

    def __init__(self, app):
        self.app, self.statements = app, []

    @property
    def count(self) -> int:
        """How many statements were sent."""
        return len(self.statements)

    def _count(self, _conn, _cursor, statement, *_args, **_kwargs):
        self.statements.append(statement)

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)
