"""Ideas: the application factory."""

import os
import secrets
from pathlib import Path

from flask import Flask

from config import Config
from ideas.security.production import check_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | None = None) -> Flask:
    """Build and configure a Flask application for the given configuration class."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("IDEAS_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(config or Config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    check_environment(app)  # before a missing SECRET_KEY is filled in from the instance
    _resolve_instance_defaults(app)

    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_rate_limits(app)
    register_access_control(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def _resolve_instance_defaults(app: Flask) -> None:
    """Fill in defaults that live in the instance folder: the database and the secret key."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(app.instance_path) / "ideas.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _load_or_create_secret_key(Path(app.instance_path))


def _load_or_create_secret_key(instance: Path) -> str:
    """Return the key stored in instance/secret_key, generating it on first use."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        # O_EXCL: if two workers start at once, only one writes; the other reads it.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    import ideas.models  # noqa: F401 - every model registered before first use
    from ideas.accounts.services import load_user
    from ideas.accounts.views import redirect_to_sign_in
    from ideas.extensions import babel, csrf, db, limiter, login_manager, migrate
    from ideas.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(redirect_to_sign_in)
    limiter.init_app(app)
    _trust_proxies(app)
    _register_sqlite_pragmas(app)
    _register_postgresql_plans(app)


def _trust_proxies(app: Flask) -> None:
    """Take the client address and scheme from X-Forwarded-* set by our own proxies only.

    With no trusted proxy (the default) those headers are ignored: anyone could send them,
    and rate limits keyed on a forged address would be worthless.
    """
    count = app.config["TRUSTED_PROXIES"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _register_sqlite_pragmas(app: Flask) -> None:
    """Set SQLite's durability and concurrency pragmas on every new connection.

    SQLite keeps these per connection, not in the file (except WAL), so a pool connection
    opened later would otherwise run with foreign keys off and no busy timeout.
    `busy_timeout` comes first so that switching to WAL waits for a lock held by another
    worker instead of failing. Write transactions begin IMMEDIATE (see
    `_begin_immediate_before_read_for_update`), so a second writer waits, then proceeds.
    """
    from sqlalchemy import event

    from ideas.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    synchronous = str(app.config["SQLITE_SYNCHRONOUS"]).upper()
    if synchronous not in SQLITE_SYNCHRONOUS_LEVELS:
        allowed = ", ".join(SQLITE_SYNCHRONOUS_LEVELS)
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {allowed}, not {synchronous}")
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by SQLite runs
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout:d}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Set after WAL: FULL syncs the WAL at every commit, so an acknowledged write
        # survives a power cut; NORMAL may lose the last commits but never corrupts.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()
        # The driver opens a transaction only before an INSERT/UPDATE/DELETE (reads run
        # outside one, so they never hold a lock); make that BEGIN take the write lock.
        dbapi_connection.isolation_level = "IMMEDIATE"
        # SQLite's lower() folds ASCII only; case-insensitive name checks and searches
        # need É to match é as they do on PostgreSQL (no index uses lower()).
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    event.listen(engine, "before_cursor_execute", _begin_immediate_before_read_for_update)


def _register_postgresql_plans(app: Flask) -> None:
    """On PostgreSQL, keep psycopg's prepared statements from one request to the next."""
    from ideas.extensions import db
    from ideas.postgres import keep_prepared_statements

    with app.app_context():
        keep_prepared_statements(db.engine)


def _begin_immediate_before_read_for_update(conn, cursor, statement, _params, context, _many):
    """On SQLite, open the write transaction before a read that decides a write.

    A service that reads in order to write locks the rows with `with_for_update()`, which
    PostgreSQL honours and SQLite ignores. Left alone, SQLite would run that read outside
    any transaction and a concurrent action could change the row before ours writes (two
    clicks of one member both undoing the same vote). So such a read, and a SAVEPOINT
    (only ever taken around writes), first BEGIN IMMEDIATE: the second writer waits for
    the first to commit (busy_timeout), then reads fresh rows. Only these take the lock
    early; plain reads never do, so pages in other workers are never queued behind
    writers, and slow work before a write (a password hash) does not hold the lock.
    """
    driver = conn.connection.driver_connection
    if driver.in_transaction:
        return
    compiled_statement = getattr(getattr(context, "compiled", None), "statement", None)
    reads_for_update = getattr(compiled_statement, "_for_update_arg", None) is not None
    if reads_for_update or statement.startswith("SAVEPOINT"):
        cursor.execute("BEGIN IMMEDIATE")


# Accepted values of SQLITE_SYNCHRONOUS, weakest to strongest.
SQLITE_SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _unicode_lower(value):
    """SQL lower() with Python's Unicode case folding, NULL staying NULL."""
    return None if value is None else str(value).lower()


def register_url_converters(app: Flask) -> None:
    """Bound `<int:...>` to what the database holds, so a huge id is a 404, not a 500."""
    from ideas.web import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter


def register_blueprints(app: Flask) -> None:
    """Register one blueprint per feature."""
    from ideas.accounts.views import bp as accounts_bp
    from ideas.audit.views import bp as audit_bp
    from ideas.board.views import bp as board_bp
    from ideas.dashboard.views import bp as dashboard_bp
    from ideas.groups.views import bp as groups_bp
    from ideas.main.views import bp as main_bp
    from ideas.moderation.views import bp as moderation_bp
    from ideas.notifications.views import bp as notifications_bp
    from ideas.privacy.views import bp as privacy_bp
    from ideas.search.views import bp as search_bp
    from ideas.workflow.views import bp as workflow_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        board_bp,
        groups_bp,
        workflow_bp,
        moderation_bp,
        notifications_bp,
        audit_bp,
        search_bp,
        dashboard_bp,
        privacy_bp,
    ):
        app.register_blueprint(blueprint)


def register_rate_limits(app: Flask) -> None:
    """Apply the rate limits of ideas/security/limits.py to their endpoints."""
    from ideas.security.limits import register

    register(app)


def register_access_control(app: Flask) -> None:
    """Refuse every request the access table (ideas/security/access.py) does not allow."""
    from ideas.security.access import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    """Serve the site's own error pages."""
    from ideas.errors.handlers import register

    register(app)


def register_security_headers(app: Flask) -> None:
    """Send the Content-Security-Policy and the other security headers on every response."""
    from ideas.security.headers import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Expose the Markdown filter, permission predicates and formatting helpers to Jinja."""
    from ideas.templating import register

    register(app)


def register_cli(app: Flask) -> None:
    """Add the operator commands (`flask users ...`, `flask seed-demo`)."""
    from ideas.accounts.cli import users_cli
    from ideas.backup.cli import backup_command, restore_command
    from ideas.dashboard.cli import dashboard_cli
    from ideas.dashboard.rollup_sync import install as install_rollup_sync
    from ideas.demo import seed_demo_command

    app.cli.add_command(users_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(dashboard_cli)
    # Not a command, but wired here once per app like them: keeps the roll-up exact.
    install_rollup_sync()
