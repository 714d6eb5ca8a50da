"""The access tests' shared site: one seeded site per module, clients signed in by role.

The access-table and GET-write tests make hundreds of requests against the same rows, so
they share one site (seeded through the real services by `tests/browser/site_pages.py`)
per module instead of seeding one per test. Tests using that site must not also use the
function-scoped `app`/`client` fixtures, whose clean-up empties the database.
"""

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from ideas.accounts.models import Role
from ideas.dashboard.models import PublishedReport
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.security.access import ANONYMOUS
from tests.browser.site_pages import Site, arguments, endpoint_arguments, seed_site
from tests.conftest import PASSWORD, CSRFClient, wipe_database

# URL arguments of routes that no page in `site_pages` takes (POST-only routes, say).
EXTRA_ARGUMENTS: dict[str, object] = {
    "filename": "css/site.css",
    # Emailed links: a token that fails to verify still reaches the view.
    "token": "not-a-valid-token",
}


@pytest.fixture(scope="module", name="seeded_site")
def seeded_site_fixture(_app) -> Site:
    """A site with a row of every kind, shared by the module's tests, wiped afterwards."""
    wipe_database(_app)
    seeded = seed_site(_app, "en")
    yield seeded
    wipe_database(_app)


def client_as(app: Flask, site: Site, role: str) -> CSRFClient:
    """A fresh client, signed in through the real form as the site's user of that role."""
    app.test_client_class = CSRFClient
    client = app.test_client()
    if role != ANONYMOUS:
        user = site.users[Role(role)]
        response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.text
    return client


def _row_arguments(app: Flask, site: Site, role: Role | None) -> dict[str, object]:
    """Arguments naming rows: the caller's own notification, a published report (or 1)."""
    with app.app_context():
        query = select(Notification.id).order_by(Notification.id).limit(1)
        if role is not None:
            query = query.where(Notification.user_id == site.users[role].id)
        notification_id = db.session.scalar(query)
        report_id = db.session.scalar(select(func.min(PublishedReport.id)))
    return {"notification_id": notification_id or 1, "report_id": report_id or 1}


def build_url(app: Flask, site: Site, endpoint: str, method: str, role: str) -> str:
    """An address of the endpoint that accepts the method, with arguments from the site."""
    own_role = None if role == ANONYMOUS else Role(role)
    values = {**arguments(site), **EXTRA_ARGUMENTS, **_row_arguments(app, site, own_role)}
    specific = endpoint_arguments(site, own_role).get(endpoint)
    if specific:
        values.update(specific[0])
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules(endpoint):
        if method not in rule.methods:
            continue
        missing = set(rule.arguments) - set(values)
        if missing:
            raise AssertionError(
                f"{rule.rule} takes {sorted(missing)}: give it a value in arguments() of "
                "tests/browser/site_pages.py, or in EXTRA_ARGUMENTS of this module"
            )
        try:
            return adapter.build(
                endpoint, {name: values[name] for name in rule.arguments}, method=method
            )
        except BuildError:
            continue
    raise AssertionError(f"no route of {endpoint} accepts {method}")
