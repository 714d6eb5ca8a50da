"""Helpers for the security tests: every route of the URL map, addresses built for them, and
a plain client (no automatic CSRF token) that signs in through the real page like a browser.
"""

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule, UUIDConverter

from tests.conftest import PASSWORD

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def state_changing_rules(app: Flask) -> list[tuple[Rule, str]]:
    """Every (rule, method) of the app that changes state, static files excluded."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            found.append((rule, method))
    return sorted(found, key=lambda item: (item[0].rule, item[1]))


def build_url(app: Flask, rule: Rule, values: dict[str, object]) -> str:
    """The address of a rule, taking each argument from `values` or a harmless stand-in."""
    arguments = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)  # read-only look at the rule
        if name in values:
            arguments[name] = values[name]
        elif isinstance(converter, IntegerConverter):
            arguments[name] = 1
        elif isinstance(converter, UUIDConverter):
            arguments[name] = uuid.uuid4()
        else:
            arguments[name] = "x"
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, arguments, method=next(iter(rule.methods - {"HEAD"})))


def plain_client(app: Flask) -> FlaskClient:
    """A test client that sends exactly what it is given (no CSRF token added)."""
    return FlaskClient(app, app.response_class, use_cookies=True)


def page_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token a page gives the browser in its <meta name="csrf-token">."""
    match = CSRF_META.search(client.get(path).text)
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


def sign_in_plain(client: FlaskClient, user, password: str = PASSWORD) -> None:
    """Sign in through the form, with the token the sign-in page handed out."""
    token = page_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": user.email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.text


def readable_pages(app: Flask, site, role) -> list[str]:
    """Every page of the app for a role, as tests/browser/site_pages.py builds them.

    Unlike `page_urls`, a route whose argument site_pages does not know yet is left out
    rather than failing here: the browser suite already fails for it, and says how to fix it.
    """
    from flask import url_for

    from tests.browser.site_pages import SKIPPED_ENDPOINTS, arguments, endpoint_arguments

    defaults = arguments(site)
    specific = endpoint_arguments(site, role)
    urls = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
                continue
            if set(rule.arguments) - set(defaults):
                continue
            sets = specific.get(rule.endpoint) or [
                {name: defaults[name] for name in rule.arguments}
            ]
            urls.extend(url_for(rule.endpoint, **values) for values in sets)
    return list(dict.fromkeys(urls))
