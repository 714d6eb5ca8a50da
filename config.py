"""Configuration read from environment variables, with documented defaults."""

import os
from datetime import timedelta


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
    # "development" (default, for `make run`) or "production": production refuses to start
    # with debug mode on or without an explicit SECRET_KEY (ideas/security/production.py).
    IDEAS_ENV = os.environ.get("IDEAS_ENV", "development").strip().lower()
    # Empty list: any email domain may register.
    ALLOWED_EMAIL_DOMAINS = _env_list("ALLOWED_EMAIL_DOMAINS")
    IDEAS_PORT = int(os.environ.get("IDEAS_PORT", "5000"))

    # Werkzeug's scrypt with N=2^17, r=8, p=1: set explicitly rather than left to
    # the library default, so a Werkzeug upgrade never silently changes our cost.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt:131072:8:1")
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128

    IDEAS_PER_PAGE = int(os.environ.get("IDEAS_PER_PAGE", "20"))
    # How long each worker reuses the ranked list's "N ideas" count for one filter (0: never).
    IDEAS_COUNT_CACHE_SECONDS = int(os.environ.get("IDEAS_COUNT_CACHE_SECONDS", "30"))
    # How long each worker reuses theme, group and department names for cards and filter
    # selects (0: read per request); a change committed in this worker empties it at once.
    IDEAS_REFERENCE_CACHE_SECONDS = int(os.environ.get("IDEAS_REFERENCE_CACHE_SECONDS", "60"))
    # Rendered comment pages each worker keeps, in characters (about bytes; 0: render every
    # view). Entries are keyed on the idea's discussion_version, so none is ever shown out
    # of date; the tests keep it on so that every test of comments also checks that.
    COMMENT_PAGES_CACHE_BYTES = int(os.environ.get("COMMENT_PAGES_CACHE_BYTES", str(16 << 20)))

    # Response accountability, modelled on Taiwan's public policy participation platform
    # (a proposal with enough supporters within a window is owed an official response by a
    # deadline), scaled for an internal audience: 50 up votes within 60 days of posting,
    # answered within 30 days of crossing the threshold.
    RESPONSE_THRESHOLD_VOTES = int(os.environ.get("RESPONSE_THRESHOLD_VOTES", "50"))
    RESPONSE_THRESHOLD_DAYS = int(os.environ.get("RESPONSE_THRESHOLD_DAYS", "60"))
    RESPONSE_DUE_DAYS = int(os.environ.get("RESPONSE_DUE_DAYS", "30"))
    # Dashboard: an idea waiting in one stage longer than this many days counts as stuck;
    # the period shown when the URL gives no dates; and how long a built dashboard is reused
    # (per process, per filters and language; 0 computes every view afresh).
    DASHBOARD_STUCK_DAYS = int(os.environ.get("DASHBOARD_STUCK_DAYS", "60"))
    DASHBOARD_PERIOD_DAYS = int(os.environ.get("DASHBOARD_PERIOD_DAYS", "84"))
    DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "300"))
    # Read votes, comments and participants from the per-day roll-up (`flask dashboard
    # refresh`); always exact, refreshed or not. Off: count everything live every time.
    DASHBOARD_ROLLUP = _env_bool("DASHBOARD_ROLLUP", True)
    # Open flags from this many members hide an idea or comment until a moderator decides.
    AUTO_HIDE_FLAGS = int(os.environ.get("AUTO_HIDE_FLAGS", "3"))
    GROUPS_PER_PAGE = 30
    # Open-data exports read and stream this many ideas per query (memory holds one batch).
    EXPORT_BATCH_SIZE = int(os.environ.get("EXPORT_BATCH_SIZE", "1000"))

    # Search (Tantivy). None means: a `search-index` folder in the instance folder.
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR") or None
    # How long an index write waits for another process's write lock before queueing.
    SEARCH_LOCK_TIMEOUT = float(os.environ.get("SEARCH_LOCK_TIMEOUT", "2.0"))
    # Votes reach the index in batches: the "votes" sort of search may lag by this many seconds.
    SEARCH_VOTES_LAG = float(os.environ.get("SEARCH_VOTES_LAG", "5.0"))
    # A vote applies a batch of that queue itself once no process took it for this long.
    SEARCH_VOTES_FLUSH_SECONDS = float(os.environ.get("SEARCH_VOTES_FLUSH_SECONDS", "60.0"))

    # Rate limits (Flask-Limiter): counts kept in this process's memory by default; set
    # redis://host:6379/0 so that every worker and host shares them.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # If the limit store (Redis) is unreachable, serve the request unlimited and log it,
    # rather than answer every vote and post with a 500.
    RATELIMIT_SWALLOW_ERRORS = _env_bool("RATELIMIT_SWALLOW_ERRORS", True)
    # Reverse proxies in front of the app that set X-Forwarded-For (0: trust none).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Per-action limits (limits' notation, e.g. "10 per minute; 100 per day"), counted
    # per signed-in member, else per client address; see ideas/security/limits.py.
    # Sign-up is counted per address, and a whole office can share one: room for an
    # onboarding session, not for a script.
    RATELIMIT_SIGN_UP = os.environ.get("RATELIMIT_SIGN_UP", "20 per hour")
    RATELIMIT_IDEAS = os.environ.get("RATELIMIT_IDEAS", "10 per hour")
    RATELIMIT_COMMENTS = os.environ.get("RATELIMIT_COMMENTS", "10 per minute; 200 per day")
    RATELIMIT_VOTES = os.environ.get("RATELIMIT_VOTES", "60 per minute")
    RATELIMIT_FLAGS = os.environ.get("RATELIMIT_FLAGS", "10 per minute; 50 per day")
    RATELIMIT_SEARCH = os.environ.get("RATELIMIT_SEARCH", "60 per minute")

    # SQLite only: how hard each commit is pushed to disk (OFF, NORMAL, FULL, EXTRA) and
    # how long a writer waits for another's lock before giving up, in milliseconds.
    SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "FULL")
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))

    LANGUAGES = ("en", "fr", "zh_Hant_TW")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("IDEAS_TIMEZONE", "UTC")

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Served over HTTPS (PREFERRED_URL_SCHEME=https) means Secure cookies unless told otherwise.
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", PREFERRED_URL_SCHEME == "https")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # "Keep me signed in" lasts this many days (REMEMBER_COOKIE_DURATION, in days).
    REMEMBER_COOKIE_DURATION = timedelta(
        days=float(os.environ.get("REMEMBER_COOKIE_DURATION", "14"))
    )
    # Role, email and account-deletion changes need the password typed this recently.
    FRESH_SIGN_IN_SECONDS = int(os.environ.get("FRESH_SIGN_IN_SECONDS", "600"))
    # The site's address as its users reach it ("https://ideas.example.gc.ca"): links in
    # emails are built on it, never on the request's Host header, which a client chooses
    # (a reset request with a forged Host would otherwise mail a link to another site).
    # Empty: the request's own address (fine on a laptop; set it in production).
    EXTERNAL_URL = os.environ.get("EXTERNAL_URL", "").rstrip("/") or None
    # Emailed links: password reset (single use) and finishing a registration or email change.
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600"))
    EMAIL_LINK_MAX_AGE = int(os.environ.get("EMAIL_LINK_MAX_AGE", "86400"))
    # Password guessing: attempts per account and per client address (sign-in,
    # re-authentication, password change), and reset requests per address and per IP.
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "5 per minute")
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute")

    # Outgoing email (password resets, registration links). With no MAIL_SERVER the
    # message is written to the application log instead, so a newcomer can still reset.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)  # STARTTLS after connecting
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Ideas <no-reply@localhost>")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    # Strict-Transport-Security max-age in seconds, sent on HTTPS requests only (0: never).
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", "31536000"))
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024


class TestConfig(Config):
    """Settings for the test suite: a cheap password hash and a test database."""

    TESTING = True
    IDEAS_ENV = "development"  # tests make their own production configs on purpose
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - test only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Tests hash hundreds of passwords; the production cost would make them crawl.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 - a method, not a password
    ALLOWED_EMAIL_DOMAINS: list[str] = []
    IDEAS_PER_PAGE = 5
    IDEAS_COUNT_CACHE_SECONDS = 0
    IDEAS_REFERENCE_CACHE_SECONDS = 0
    GROUPS_PER_PAGE = 5
    PROPAGATE_EXCEPTIONS = False
    # Most tests sign in and post far more often than a person could; the rate-limit
    # tests turn limits back on for themselves.
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    # Every dashboard test reads the data it just wrote.
    DASHBOARD_CACHE_SECONDS = 0
    # Most search tests read the index right after a vote; tests of the lag set their own.
    SEARCH_VOTES_LAG = 0.0
    SEARCH_VOTES_FLUSH_SECONDS = 0.0
