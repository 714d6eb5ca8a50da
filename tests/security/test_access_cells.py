"""Every cell of the access table, for every role: the request reaches the view or not.

Each test sends one request (endpoint, method, role) to the seeded site and watches the
view function itself: an allowed role must reach it (whatever the view then decides about
the object), a refused one must not, and gets 403 when signed in or the sign-in page when
anonymous. The object-level checks that follow in the views are tested, role by owner, in
`test_access_objects.py`.
"""

import functools

import pytest

from ideas.security.access import ACCESS_TABLE, ALL_ROLES, ANONYMOUS
from tests.security.access_site import build_url, client_as, seeded_site_fixture  # noqa: F401

CELLS = [
    pytest.param(endpoint, method, role, id=f"{endpoint}-{method}-{role}")
    for endpoint, cells in sorted(ACCESS_TABLE.items())
    for method in sorted(cells)
    for role in ALL_ROLES
]


@pytest.fixture(scope="module")
def reached(_app):
    """The endpoints whose view function ran during the current request."""
    calls: list[str] = []
    originals = dict(_app.view_functions)

    def spy(endpoint, view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            calls.append(endpoint)
            return view(*args, **kwargs)

        return wrapper

    for endpoint, view in originals.items():
        _app.view_functions[endpoint] = spy(endpoint, view)
    yield calls
    _app.view_functions.clear()
    _app.view_functions.update(originals)


def send(client, url: str, method: str):
    """One request, body read in full; a form post carries a valid CSRF token, nothing else."""
    if method == "GET":
        response = client.get(url)
    else:
        response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
    response.get_data()  # a streamed body (an export) runs while it is read
    response.close()
    return response


@pytest.mark.parametrize(("endpoint", "method", "role"), CELLS)
def test_cell(_app, seeded_site, reached, endpoint, method, role):
    cell = ACCESS_TABLE[endpoint][method]
    client = client_as(_app, seeded_site, role)
    url = build_url(_app, seeded_site, endpoint, method, role)
    reached.clear()
    response = send(client, url, method)
    if cell.permits(role):
        assert endpoint in reached, f"{role} was refused {method} {url}: {response.status}"
        assert response.status_code < 500, response.text
    else:
        assert endpoint not in reached, f"{role} reached {method} {url}"
        if role == ANONYMOUS:
            assert response.status_code == 302, response.status
            assert response.location.startswith("/sign-in"), response.location
        else:
            assert response.status_code == 403, response.status


def test_anonymous_json_callers_get_401_not_a_redirect(_app, seeded_site):
    client = client_as(_app, seeded_site, ANONYMOUS)
    url = build_url(_app, seeded_site, "board.vote", "POST", ANONYMOUS)
    response = client.post(url, data={"value": "1"}, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.is_json and response.json["error"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_unknown_addresses_and_wrong_methods_keep_their_status(_app, seeded_site, role):
    client = client_as(_app, seeded_site, role)
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/sign-out").status_code == 405  # POST only
    assert client.delete("/ideas").status_code == 405


def test_an_endpoint_missing_from_the_table_is_refused_to_every_role(
    _app, seeded_site, monkeypatch
):
    from ideas.security import access

    monkeypatch.delitem(access.ACCESS_TABLE, "main.home")
    for role in ALL_ROLES:
        response = client_as(_app, seeded_site, role).get("/")
        assert response.status_code == 403, role


def test_head_is_checked_like_get(_app, seeded_site, reached):
    client = client_as(_app, seeded_site, "member")
    reached.clear()
    assert client.head("/triage").status_code == 403
    assert "workflow.triage" not in reached
    assert client.head("/ideas").status_code == 200


def test_a_refused_json_caller_gets_json(_app, seeded_site):
    client = client_as(_app, seeded_site, "member")
    response = client.get("/triage", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.is_json and response.json["error"]
