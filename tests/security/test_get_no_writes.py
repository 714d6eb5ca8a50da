"""No GET request changes data: every GET route, as every role, runs no INSERT/UPDATE/DELETE.

A GET can be repeated by a browser's prefetch, a crawler, a link preview or an `<img src>`
planted by someone else, so anything that changes data must be a POST behind a CSRF
token. A listener on the engine sees every statement sent to the database while each page
is fetched (the signing in happens before it listens).
"""

import re
from contextlib import contextmanager

import pytest
from flask import url_for
from sqlalchemy import event

from ideas.accounts.models import Role
from ideas.extensions import db
from ideas.security.access import ACCESS_TABLE, ALL_ROLES, ANONYMOUS
from tests.browser.site_pages import endpoint_arguments
from tests.security.access_site import build_url, client_as, seeded_site_fixture  # noqa: F401

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE)\b", re.IGNORECASE)

# GET routes allowed to write, each with the reason. Empty: none needs to.
ALLOWED_WRITES: dict[str, str] = {}


@contextmanager
def database_writes(app):
    """Collect the writing statements sent to the database inside the block."""
    writes: list[str] = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if WRITE.match(statement):
            writes.append(" ".join(statement.split())[:120])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        yield writes
    finally:
        event.remove(engine, "before_cursor_execute", spy)


def every_get_url(app, site, role) -> list[str]:
    """Each GET route, with every argument set the browser pages use, else one address."""
    own_role = None if role == ANONYMOUS else Role(role)
    specific = endpoint_arguments(site, own_role)
    urls = []
    with app.test_request_context():
        for endpoint in sorted({rule.endpoint for rule in app.url_map.iter_rules()}):
            if "GET" not in ACCESS_TABLE.get(endpoint, {}):
                continue
            if specific.get(endpoint):
                urls.extend(url_for(endpoint, **values) for values in specific[endpoint])
            else:
                urls.append(build_url(app, site, endpoint, "GET", role))
    return list(dict.fromkeys(urls))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_no_get_route_writes_to_the_database(_app, seeded_site, role):
    client = client_as(_app, seeded_site, role)
    urls = every_get_url(_app, seeded_site, role)
    found = {}
    with database_writes(_app) as writes:
        for url in urls:
            writes.clear()
            response = client.get(url)
            # Streamed bodies (exports) run their queries while being read: read them all.
            response.get_data()
            response.close()
            assert response.status_code < 500, (url, response.status)
            endpoint = _app.url_map.bind("localhost").match(url.split("?")[0])[0]
            if writes and endpoint not in ALLOWED_WRITES:
                found[url] = list(writes)
    assert len(urls) > 20, urls  # the site really was walked
    assert not found, f"GET requests that wrote to the database as {role}: {found}"


def test_the_spy_sees_a_write(_app, seeded_site):
    """The listener itself works: a POST that changes data is caught."""
    client = client_as(_app, seeded_site, "member")
    with database_writes(_app) as writes:
        client.post("/notifications/read-all")
    assert any(statement.startswith("UPDATE") for statement in writes), writes
