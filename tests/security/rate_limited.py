"""A copy of the app with rate limits on, for the tests of the limits themselves.

The suite's TestConfig turns limits off. These helpers build an app on the test database
with limits on, against the in-process memory storage or the real Redis on loopback, under
a key prefix of its own that is deleted afterwards (nothing else in Redis is touched).
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from flask import Flask

from ideas import create_app
from ideas.extensions import db, limiter
from tests.conftest import CSRFClient, make_config

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_or_skip() -> redis.Redis:
    """The loopback Redis; the test is skipped without it, except in CI where it must run."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.ConnectionError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI: {error}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return connection


@pytest.fixture(params=["memory://", REDIS_URL], ids=["memory", "redis"])
def storage(request) -> str:
    """Each limit test runs with counts in memory and in the real Redis."""
    if request.param.startswith("redis"):
        redis_or_skip()
    return request.param


@contextmanager
def limited_app(app: Flask, storage: str = "memory://", **settings) -> Iterator[Flask]:
    """An app on `app`'s database with limits on and `settings`; the shared limiter is put back.

    Flask-Limiter's limiter is one object per process and keeps the storage, key prefix and
    `enabled` flag of the last app bound to it; restoring them keeps the rest of the suite's
    app (limits off) as it was.
    """
    saved = dict(vars(limiter))
    prefix = f"ideas-test-{uuid.uuid4().hex[:12]}"
    limiter._key_prefix = ""  # the limiter keeps the first prefix it was given
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": prefix,
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        **settings,
    }
    limited = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], **config))
    limited.test_client_class = CSRFClient
    try:
        yield limited
    finally:
        if storage.startswith("redis"):
            connection = redis.Redis.from_url(storage)
            keys = list(connection.scan_iter(match=f"*{prefix}*"))
            if keys:
                connection.delete(*keys)
        with limited.app_context():
            db.engine.dispose()
        vars(limiter).clear()
        vars(limiter).update(saved)
