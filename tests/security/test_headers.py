"""Security headers on every kind of response: pages, JSON, errors, redirects, static files."""

import re

import pytest

from ideas import create_app
from ideas.accounts.models import Role
from ideas.security.headers import CONTENT_SECURITY_POLICY
from tests.conftest import make_config
from tests.statements import StatementCounter

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def assert_security_headers(response):
    """Every response carries the same policy headers."""
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert "camera=()" in response.headers["Permissions-Policy"]


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy split into its directives."""
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_policy_forbids_inline_script_style_plugins_and_framing():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/sign-in", 200),
        ("/ideas", 302),  # anonymous: redirected to sign in
        ("/no-such-page", 404),
        ("/static/css/site.css", 200),
        ("/static/js/site.js", 200),
    ],
)
def test_anonymous_responses_carry_the_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_security_headers(response)


def test_error_responses_carry_the_headers(client):
    csrf_failure = client.post("/sign-in", data={"email": "a@example.gc.ca"}, csrf=False)
    assert csrf_failure.status_code == 400
    assert_security_headers(csrf_failure)
    wrong_method = client.put("/sign-in")
    assert wrong_method.status_code == 405
    assert_security_headers(wrong_method)


def test_crash_page_carries_the_headers(database_url):
    crashing = create_app(make_config(database_url))

    def crash():
        raise RuntimeError("forced failure")

    # An existing public page made to fail, so the access table still lets the request in.
    crashing.view_functions["main.home"] = crash
    response = crashing.test_client().get("/")
    assert response.status_code == 500
    assert_security_headers(response)
    assert "RuntimeError" not in response.text


def test_json_responses_carry_the_headers(client, auth, make_idea):
    auth.as_role(Role.MEMBER)
    idea = make_idea()
    response = client.post(
        f"/ideas/{idea.id}/vote", data={"value": "1"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.is_json
    assert_security_headers(response)
    similar = client.get("/search/similar?title=printers", headers={"Accept": "application/json"})
    assert similar.is_json
    assert_security_headers(similar)


def test_signed_in_pages_are_never_cached_but_static_files_may_be(client, auth, make_idea):
    idea = make_idea()
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.as_role(Role.MEMBER)
    for path in ("/", "/ideas", f"/ideas/{idea.id}", "/profile", "/no-such-page"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert_security_headers(response)
    static = client.get("/static/css/site.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert_security_headers(static)


def test_a_write_is_not_cached_and_reads_the_member_once(app, client, auth, make_idea):
    """no-store after a commit too, decided without reloading the member the commit expired."""
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    with StatementCounter(app) as counter:
        response = client.post(
            f"/ideas/{idea.id}/vote", data={"value": "1"}, headers={"Accept": "application/json"}
        )
    assert response.status_code == 200 and response.json["up"] == 1
    assert response.headers["Cache-Control"] == "no-store"
    member_reads = [s for s in counter.statements if re.search(r'FROM "?user"?\b', s)]
    assert len(member_reads) == 1, member_reads


def test_hsts_only_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    app.config["HSTS_MAX_AGE"] = 0
    assert "Strict-Transport-Security" not in client.get("/", base_url="https://localhost").headers
