"""Test fixtures: the app on SQLite or PostgreSQL, a CSRF-aware client, sign-in, factories.

The whole suite runs once per database: IDEAS_TEST_DB=sqlite (default) or postgresql.
Every test starts from an empty database with the migration-seeded themes.
"""

import os
import secrets
import shutil
import uuid
from contextlib import contextmanager, nullcontext

import psycopg
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import delete, select

from config import TestConfig
from ideas import create_app
from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.accounts.services import register_user
from ideas.board.comment_pages import forget_comment_pages
from ideas.board.models import Theme
from ideas.board.services import post_idea
from ideas.extensions import db, limiter
from ideas.groups.models import GroupKind
from ideas.groups.services import create_group
from tests.mail_server import mail_server  # noqa: F401 - the SMTP fixture, for every test

BACKEND = os.environ.get("IDEAS_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("IDEAS_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "correct-horse-battery"
# Rows the migrations put in; the per-test cleanup keeps them.
KEEP_TABLES = {"theme", "alembic_version"}
# The theme codes the migrations put in, read once per test process.
_seeded_themes: set[str] = set()


def pytest_report_header(config):
    """Say which database this pass runs on."""
    return f"ideas test database: {BACKEND}"


def pytest_sessionstart(session):
    """On the PostgreSQL pass, stop early and clearly if no server answers."""
    if BACKEND != "postgresql":
        return
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.exit(f"PostgreSQL is required in CI but unreachable: {error}", returncode=3)
        pytest.exit(
            f"SKIPPED the PostgreSQL pass: no server at {PG_ADMIN_URL} ({error}).", returncode=0
        )


@contextmanager
def scratch_database(directory, prefix: str = "ideas_test"):
    """An empty database of the backend under test (an SQLite file in `directory`, or a
    PostgreSQL database created for the occasion), dropped afterwards."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{directory / f'{prefix}.db'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh, empty database for this test process, dropped at the end."""
    with scratch_database(tmp_path_factory.mktemp("db")) as url:
        yield url


def make_config(database_url: str, **overrides) -> type[TestConfig]:
    """A TestConfig subclass bound to a database, with optional overrides."""
    return type(
        "BoundTestConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    )


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    """One app per test process; the schema comes from the migrations, as in production."""
    os.environ["IDEAS_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    # Each test process keeps its own search index (emptied after every test, as the database);
    # the environment passes it on to the browser tests' server, which shares the database.
    search_index = str(tmp_path_factory.mktemp("search") / "index")
    os.environ["SEARCH_INDEX_DIR"] = search_index
    application = create_app(make_config(database_url, SEARCH_INDEX_DIR=search_index))
    with application.app_context():
        upgrade()
        _seeded_themes.update(db.session.scalars(select(Theme.code)))
    yield application
    with application.app_context():
        db.engine.dispose()


def wipe_database(application) -> None:
    """Empty every table except the rows the migrations put in."""
    with application.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                db.session.execute(delete(table))
        # Keep the themes the migrations seed, not those a test added.
        db.session.execute(delete(Theme).where(Theme.code.not_in(_seeded_themes)))
        db.session.commit()
        # Ids and discussion versions start again in an empty database: so must the cache.
        forget_comment_pages()
    shutil.rmtree(application.config["SEARCH_INDEX_DIR"], ignore_errors=True)


@pytest.fixture
def app(_app):
    """The app, with an empty database after the test; its config is restored after."""
    saved = dict(_app.config)
    # Flask-Limiter's limiter is one object per process and takes `enabled` from the last
    # app built (a test building a production-config app turns it on): follow this app's.
    limiter.enabled = _app.config["RATELIMIT_ENABLED"]
    yield _app
    _app.config.clear()
    _app.config.update(saved)
    wipe_database(_app)


class CSRFClient(FlaskClient):
    """A test client that adds a valid CSRF token to form posts unless told not to."""

    def csrf_token(self) -> str:
        """A token valid for this client's session, made the way Flask-WTF makes them."""
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def post(self, *args, csrf: bool = True, **kwargs):
        """POST, adding csrf_token to a dict body when csrf is true."""
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app):
    """A test client that handles CSRF tokens like a browser showing our forms would."""
    app.test_client_class = CSRFClient
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly (unit tests)."""
    with app.app_context():
        yield
        db.session.rollback()


@contextmanager
def _maybe_context(application):
    """Use the test's own context if it pushed one, else a short-lived one."""
    if has_app_context():
        with nullcontext():
            yield False
    else:
        with application.app_context():
            yield True


def _persist(application, build):
    """Run build() and commit; outside a test context, return the rows detached but loaded."""
    with _maybe_context(application) as temporary:
        result = build()
        db.session.commit()
        if temporary:
            rows = result if isinstance(result, list) else [result]
            for row in rows:
                db.session.refresh(row)
                db.session.expunge(row)
        return result


@pytest.fixture
def make_department(app):
    """Create a department."""

    def factory(name="Canada Revenue Agency", level=GovernmentLevel.FEDERAL, **kwargs):
        return _persist(app, lambda: _add(Department(name_en=name, level=level, **kwargs)))

    return factory


def _add(row):
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def make_user(app):
    """Create an account through the registration service (so its rules apply)."""
    counter = iter(range(1, 100_000))

    def factory(role=Role.MEMBER, email=None, password=PASSWORD, display_name=None, **kwargs):
        n = next(counter)
        email = email or f"user{n}@example.gc.ca"

        def build():
            department = kwargs.pop("department", None)
            if department is not None:
                department = db.session.get(Department, department.id)
            return register_user(
                email,
                display_name or f"User {n}",
                password,
                department=department,
                role=Role(role),
                **kwargs,
            )

        return _persist(app, build)

    return factory


def theme_id(code: str = "innovation") -> int:
    """The id of one of the migration-seeded themes (needs an app context)."""
    return db.session.scalar(select(Theme.id).where(Theme.code == code))


@pytest.fixture
def make_idea(app, make_user):
    """Post an idea through the service, by a new member unless an author is given."""
    counter = iter(range(1, 100_000))

    def factory(
        author=None, title=None, body="A body with **Markdown**.", theme="innovation", group=None
    ):
        author = author or make_user()
        n = next(counter)

        def build():
            actor = db.session.get(User, author.id)
            theme_row = db.session.scalar(select(Theme).where(Theme.code == theme))
            group_row = db.session.merge(group, load=True) if group is not None else None
            return post_idea(actor, title or f"Idea number {n}", body, theme_row, group_row)

        return _persist(app, build)

    return factory


@pytest.fixture
def make_group(app, make_user):
    """Create a group through the service, by a new member unless a creator is given."""
    counter = iter(range(1, 100_000))

    def factory(creator=None, name=None, description="", kind=GroupKind.TOPIC, department=None):
        creator = creator or make_user(
            role=Role.ADMIN if kind is GroupKind.DEPARTMENT else Role.MEMBER
        )
        n = next(counter)

        def build():
            actor = db.session.get(User, creator.id)
            dept = db.session.get(Department, department.id) if department else None
            return create_group(actor, name or f"Group number {n}", description, kind, dept)

        return _persist(app, build)

    return factory


class AuthActions:
    """Sign in and out through the real pages, like flaskr's AuthActions."""

    def __init__(self, client, make_user):
        self._client = client
        self._make_user = make_user

    def sign_in(self, user, password=PASSWORD, remember=False):
        """Sign in as an existing user; asserts that it worked."""
        data = {"email": user.email, "password": password}
        if remember:
            data["remember"] = "y"
        response = self._client.post("/sign-in", data=data)
        assert response.status_code == 302, response.text
        return user

    def as_role(self, role=Role.MEMBER, **kwargs):
        """Create a user with the role and sign in as them."""
        return self.sign_in(self._make_user(role=role, **kwargs))

    def sign_out(self):
        """Sign out."""
        return self._client.post("/sign-out")


@pytest.fixture
def auth(client, make_user):
    """Sign-in helper bound to the test client."""
    return AuthActions(client, make_user)
