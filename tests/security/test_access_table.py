"""The access table covers exactly the app's routes: every endpoint and method, no more.

A route added without a line in `ideas/security/access.py` would be refused to everyone
(deny by default); this test names it so the engineer adds the line on purpose. A line
left behind for a route that no longer exists is named too, so the table stays true.
"""

from ideas.security.access import ACCESS_TABLE, ALL_ROLES, ANONYMOUS, rule_for

# Flask answers these for every route itself; the table never lists them.
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


def routed_cells(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) the URL map routes."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IMPLICIT_METHODS
    }


def table_cells() -> set[tuple[str, str]]:
    """Every (endpoint, method) the access table declares."""
    return {(endpoint, method) for endpoint, cells in ACCESS_TABLE.items() for method in cells}


def test_every_routed_endpoint_and_method_is_in_the_table(app):
    missing = sorted(routed_cells(app) - table_cells())
    assert not missing, (
        "routes missing from ACCESS_TABLE in ideas/security/access.py (read its docstring): "
        f"{missing}"
    )


def test_the_table_names_no_endpoint_or_method_that_does_not_exist(app):
    stale = sorted(table_cells() - routed_cells(app))
    assert not stale, f"ACCESS_TABLE lists routes the app does not have: {stale}"


def test_every_cell_names_known_roles_and_never_lists_head_or_options():
    for endpoint, cells in ACCESS_TABLE.items():
        assert not set(cells) & IMPLICIT_METHODS, endpoint
        for method, cell in cells.items():
            assert cell.roles, f"{endpoint} {method} allows nobody: remove the route instead"
            assert cell.roles <= set(ALL_ROLES), (endpoint, method, cell.roles)


def test_head_follows_get():
    assert rule_for("main.home", "HEAD") is ACCESS_TABLE["main.home"]["GET"]
    assert rule_for("no.such_endpoint", "GET") is None


def test_anonymous_is_a_role_of_its_own():
    assert ALL_ROLES[0] == ANONYMOUS
