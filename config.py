"""Configuration read from environment variables, with documented defaults."""

import os


def _env_list(name: str) -> list[str]:
    """Split a comma-separated environment variable into a clean, lower-cased list."""
    raw = os.environ.get(name, "")
    return [part.strip().lower() for part in raw.split(",") if part.strip()]


def _env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" mean true)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production defaults; every value can be overridden from the environment."""

    # None means: an SQLite file in the instance folder (resolved in create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None
    # None means: generated once into instance/secret_key and reused (see create_app).
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # Empty list: any email domain may register.
    ALLOWED_EMAIL_DOMAINS = _env_list("ALLOWED_EMAIL_DOMAINS")
    IDEAS_PORT = int(os.environ.get("IDEAS_PORT", "5000"))

    # Werkzeug's scrypt with N=2^17, r=8, p=1: set explicitly rather than left to
    # the library default, so a Werkzeug upgrade never silently changes our cost.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt:131072:8:1")
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128

    IDEAS_PER_PAGE = int(os.environ.get("IDEAS_PER_PAGE", "20"))

    # Response accountability, modelled on Taiwan's public policy participation platform
    # (a proposal with enough supporters within a window is owed an official response by a
    # deadline), scaled for an internal audience: 50 up votes within 60 days of posting,
    # answered within 30 days of crossing the threshold.
    RESPONSE_THRESHOLD_VOTES = int(os.environ.get("RESPONSE_THRESHOLD_VOTES", "50"))
    RESPONSE_THRESHOLD_DAYS = int(os.environ.get("RESPONSE_THRESHOLD_DAYS", "60"))
    RESPONSE_DUE_DAYS = int(os.environ.get("RESPONSE_DUE_DAYS", "30"))
    # Open flags from this many members hide an idea or comment until a moderator decides.
    AUTO_HIDE_FLAGS = int(os.environ.get("AUTO_HIDE_FLAGS", "3"))
    GROUPS_PER_PAGE = 30

    # Search (Whoosh). None means: a `search-index` folder in the instance folder.
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR") or None
    # How long an index write waits for another process's write lock before queueing.
    SEARCH_LOCK_TIMEOUT = float(os.environ.get("SEARCH_LOCK_TIMEOUT", "2.0"))
    # A search running longer than this many seconds stops and shows what it found.
    SEARCH_TIME_LIMIT = float(os.environ.get("SEARCH_TIME_LIMIT", "1.0"))

    # Rate limits (Flask-Limiter): counts kept in this process's memory by default; set
    # redis://host:6379/0 so that every worker and host shares them.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # Reverse proxies in front of the app that set X-Forwarded-For (0: trust none).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    LANGUAGES = ("en", "fr", "zh_Hant_TW")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("IDEAS_TIMEZONE", "UTC")

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024


class TestConfig(Config):
    """Settings for the test suite: a cheap password hash and a test database."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - test only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Tests hash hundreds of passwords; the production cost would make them crawl.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 - a method, not a password
    ALLOWED_EMAIL_DOMAINS: list[str] = []
    IDEAS_PER_PAGE = 5
    GROUPS_PER_PAGE = 5
    PROPAGATE_EXCEPTIONS = False
    # Most tests sign in and post far more often than a person could; the rate-limit
    # tests turn limits back on for themselves.
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
