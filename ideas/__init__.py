"""Ideas: the application factory."""

import os
import secrets
from pathlib import Path

from flask import Flask

from config import Config

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
    _resolve_instance_defaults(app)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
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
    """Turn on foreign keys and WAL for SQLite, which has both off by default."""
    from sqlalchemy import event

    from ideas.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by SQLite runs
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
        # SQLite's lower() folds ASCII only; case-insensitive name checks and searches
        # need É to match é as they do on PostgreSQL (no index uses lower()).
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value):
    """SQL lower() with Python's Unicode case folding, NULL staying NULL."""
    return None if value is None else str(value).lower()


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
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    """Serve the site's own error pages."""
    from ideas.errors.handlers import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Expose the Markdown filter, permission predicates and formatting helpers to Jinja."""
    from ideas.templating import register

    register(app)


def register_cli(app: Flask) -> None:
    """Add the operator commands (`flask users ...`, `flask seed-demo`)."""
    from ideas.accounts.cli import users_cli
    from ideas.demo import seed_demo_command

    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
