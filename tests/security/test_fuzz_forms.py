"""Property-based fuzzing of every form and JSON endpoint: whatever arrives, never a 500.

For each role (a member and the secretariat) the test seeds a site with content in every
state, reads every page to learn each form's field names, then, for every state-changing
route of the URL map and every GET form and JSON lookup, lets Hypothesis send arbitrary
values: any Unicode (RTL marks, emoji, control characters), NUL, invalid UTF-8 (what an
encoded lone surrogate arrives as), huge strings, numbers out of every range, impossible
dates, repeated fields, unknown fields and missing ones, as a form post and as the JSON
call of our fetch() code. The answer may be 2xx, 3xx or 4xx, never 5xx.

IDEAS_FUZZ_EXAMPLES sets the examples per endpoint (default 8, about a minute on SQLite).
"""

import os
import re
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from ideas.accounts.models import Role
from tests.browser.site_pages import seed_site
from tests.security.forms import page_forms
from tests.security.routes import build_url, readable_pages, state_changing_rules

EXAMPLES = int(os.environ.get("IDEAS_FUZZ_EXAMPLES", "8"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Field names tried on every endpoint besides the ones its form shows.
COMMON_FIELDS = ["title", "body", "value", "next", "reason", "rationale", "id", "page", "q"]
# Ends the session or the account: sent last, and the test signs in again afterwards.
SESSION_ENDING = re.compile(r"sign_out|delete|erase|everywhere|password|email")

SPECIAL_VALUES = [
    "", " ", "\x00", "a\x00b", "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd", "😀" * 50,
    "\ufeff", "\r\n", "-1", "0", "1", "2", "-0", "1e309", "NaN", "Infinity", "0x10",
    "99999999999999999999999999", str(2**63), str(-(2**63) - 1), "1.5", "true", "null",
    "2025-02-30", "0000-00-00", "9999-12-31", "31/12/2025", "../../../etc/passwd",
    "//evil.example/", "javascript:alert(1)", "%00", "%", "' OR '1'='1", "<script>",
    "x" * 70_000, "é" * 5_000, "proposed", "under_review", "archived", "pilot", "hide",
]  # fmt: skip
values = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=50),
    st.sampled_from(SPECIAL_VALUES),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
# Raw bytes, percent-encoded: invalid UTF-8 such as an encoded lone surrogate (ED A0 80).
raw_values = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([b"\xed\xa0\x80", b"\xff\xfe", b"\xc0\xaf", b"\xf4\x90\x80\x80"]),
)


def form_data(names: list[str]):
    """A form body: each field missing, one value or several, plus maybe unknown fields."""
    field = st.one_of(st.none(), values, st.lists(values, min_size=2, max_size=3))
    known = st.fixed_dictionaries({name: field for name in names})
    extra = st.dictionaries(st.sampled_from(COMMON_FIELDS), values, max_size=2)
    return st.tuples(known, extra).map(
        lambda parts: {k: v for k, v in {**parts[1], **parts[0]}.items() if v is not None}
    )


def raw_body(names: list[str]):
    """An urlencoded body whose values are arbitrary bytes (not always valid UTF-8)."""
    pairs = st.lists(st.tuples(st.sampled_from(names or COMMON_FIELDS), raw_values), max_size=4)
    return pairs.map(lambda items: "&".join(f"{k}={quote_from_bytes(v)}" for k, v in items))


def endpoint_of(app, path: str, method: str) -> str | None:
    try:
        return app.url_map.bind("localhost").match(path.split("?")[0], method.upper())[0]
    except HTTPException:
        return None


def learn_forms(app, client, site, role):
    """Field names of each endpoint's forms (and the address they post to), from the pages."""
    fields: dict[tuple[str, str], set[str]] = {}
    actions: dict[tuple[str, str], str] = {}
    for url in readable_pages(app, site, role):
        response = client.get(url)
        assert response.status_code < 500, url
        if response.mimetype != "text/html":
            continue
        for spec in page_forms(response.text, url):
            endpoint = endpoint_of(app, spec.action, spec.method)
            if endpoint is None:
                continue
            key = (endpoint, spec.method.upper())
            names = set(spec.defaults) | set(spec.text_fields) | {b[0] for b in spec.buttons}
            fields.setdefault(key, set()).update(names - {"csrf_token", ""})
            actions.setdefault(key, spec.action)
    return fields, actions


def targets(app, site, fields, actions):
    """(endpoint, method, url, field names) for every state change and GET form."""
    values = {
        "idea_id": site.ideas["rich"],
        "comment_id": site.comments["visible"],
        "slug": site.groups["topic"],
        "user_id": site.author_id,
    }
    found = {}
    for rule, method in state_changing_rules(app):
        key = (rule.endpoint, method)
        url = actions.get(key) or build_url(app, rule, values)
        found[key] = (url, sorted(fields.get(key, set())))
    for (endpoint, method), names in fields.items():
        if method == "GET":
            found[(endpoint, method)] = (actions[(endpoint, method)].split("?")[0], sorted(names))
    found[("search.similar_ideas", "GET")] = ("/search/similar", ["title", "body"])
    return sorted(found.items(), key=lambda item: bool(SESSION_ENDING.search(item[0][0])))


def fuzz(client, method: str, url: str, names: list[str]) -> None:
    """Run Hypothesis against one endpoint: every answer below 500."""

    @FUZZ_SETTINGS
    @given(data=form_data(names), as_json=st.booleans(), raw=st.one_of(st.none(), raw_body(names)))
    def run(data, as_json, raw):
        headers = {"Accept": "application/json"} if as_json else {}
        if method == "GET":
            response = client.get(url, query_string=raw or data, headers=headers)
        elif raw is not None:
            body = f"csrf_token={client.csrf_token()}&{raw}"
            response = client.open(
                url, method=method, data=body, headers=headers,
                content_type="application/x-www-form-urlencoded",
            )  # fmt: skip
        else:
            data.setdefault("csrf_token", client.csrf_token())
            response = client.open(url, method=method, data=data, headers=headers)
        assert response.status_code < 500, (method, url, response.status_code)

    run()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SECRETARIAT], ids=lambda role: role.value)
def test_no_input_makes_a_server_error(app, client, auth, make_user, role):
    site = seed_site(app, "en")
    auth.sign_in(site.users[role])
    fields, actions = learn_forms(app, client, site, role)
    fuzzed = []
    for (endpoint, method), (url, names) in targets(app, site, fields, actions):
        if client.get("/profile").status_code != 200:
            auth.as_role(role)  # a previous endpoint ended the session or the account
        fuzz(client, method, url, names)
        fuzzed.append(endpoint)
    every_change = {rule.endpoint for rule, _method in state_changing_rules(app)}
    assert every_change <= set(fuzzed)
    assert "search.search" in fuzzed


HUGE = str(2**70)


def test_numbers_beyond_the_database_range_are_refused_not_crashed(app, client, auth):
    # Found by the fuzzing above: each of these was a 500 (SQLite's OverflowError).
    site = seed_site(app, "en")
    auth.sign_in(site.users[Role.SECRETARIAT])
    idea = site.ideas["rich"]
    for path in (
        f"/ideas/{HUGE}", f"/ideas?theme={HUGE}", f"/ideas?group={HUGE}", f"/groups?page={HUGE}",
        f"/triage?page={HUGE}", f"/ideas/{idea}/merge?target={HUGE}",
    ):  # fmt: skip
        assert client.get(path).status_code in (200, 400, 404), path
    for path, data in (
        (f"/ideas/{idea}/comments", {"body": "A reply.", "parent_id": HUGE}),
        (f"/ideas/{idea}/merge", {"target": HUGE, "rationale": "x" * 30, "check": "1"}),
        (f"/notifications/{HUGE}/read", {}),
        (f"/comments/{HUGE}/flag", {"reason": "Off topic for this idea."}),
        (f"/ideas/{idea}/experts/{HUGE}/remove", {}),
    ):
        assert client.post(path, data=data).status_code in (400, 404, 422), path
