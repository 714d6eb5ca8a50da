"""Rate limits on sign-up, ideas, comments, votes, flags and search, on memory and on Redis.

The suite's TestConfig turns limits off; these tests build their own app with limits on
and tiny budgets (tests/security/rate_limited.py), against the in-process memory storage
and the real Redis on loopback.
"""

from sqlalchemy import select

from ideas.board.models import Theme
from ideas.extensions import db
from ideas.security.limits import RATE_LIMITS
from tests.conftest import PASSWORD
from tests.functional.html_dom import parse
from tests.security import rate_limited
from tests.security.rate_limited import REDIS_URL, redis_or_skip

storage = rate_limited.storage  # each limit test runs on memory and on the real Redis
TIGHT = {
    "RATELIMIT_SIGN_UP": "2 per minute",
    "RATELIMIT_IDEAS": "1 per minute",
    "RATELIMIT_COMMENTS": "2 per minute",
    "RATELIMIT_VOTES": "3 per minute",
    "RATELIMIT_FLAGS": "2 per minute",
    "RATELIMIT_SEARCH": "2 per minute",
}
JSON = {"Accept": "application/json"}


def limited_app(app, storage: str = "memory://", **overrides):
    """The app with limits on and this module's tight budgets, `overrides` winning."""
    return rate_limited.limited_app(app, storage, **{**TIGHT, **overrides})


def sign_in(client, user):
    """Sign in through the real form."""
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return user


def _vote(client, idea_id, value=1, headers=None):
    return client.post(f"/ideas/{idea_id}/vote", data={"value": str(value)}, headers=headers)


def test_votes_are_limited_per_member_with_the_site_error_page(app, storage, make_idea, make_user):
    """The fourth vote in a minute gets 429: our page for forms, JSON for fetch()."""
    idea = make_idea()
    with limited_app(app, storage) as limited:
        client = limited.test_client()
        sign_in(client, make_user())
        assert [_vote(client, idea.id, v).status_code for v in (1, -1, 0)] == [302, 302, 302]

        refused = _vote(client, idea.id)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        page = parse(refused.text)
        assert page.one("h1").text() == "Too many requests"
        assert page.find("meta", name="csrf-token") is not None  # the site's own layout

        as_json = _vote(client, idea.id, headers=JSON)
        assert as_json.status_code == 429
        assert as_json.get_json() == {"error": "Please wait a moment before trying again."}

        # Counted per member: another member at the same address still votes.
        other = limited.test_client()
        sign_in(other, make_user())
        assert _vote(other, idea.id, headers=JSON).status_code == 200


def test_counts_are_kept_in_redis_when_configured(app, make_idea, make_user):
    """With a Redis URI the counts live in Redis (so every worker shares them)."""
    connection = redis_or_skip()
    idea = make_idea()
    with limited_app(app, REDIS_URL) as limited:
        client = limited.test_client()
        member = sign_in(client, make_user())
        _vote(client, idea.id)
        prefix = limited.config["RATELIMIT_KEY_PREFIX"]
        keys = [key.decode() for key in connection.scan_iter(match=f"*{prefix}*/votes/*")]
        assert len(keys) == 1
        assert f"/user:{member.id}/" in keys[0]


def test_sign_up_is_limited_per_address(app, storage):
    """Every sign-up attempt counts, per client address; another address has its own budget."""
    with limited_app(app, storage) as limited:
        client = limited.test_client()
        attempts = [client.post("/register", data={}).status_code for _ in range(3)]
        assert attempts == [422, 422, 429]
        assert client.get("/register").status_code == 200  # reading the form is free
        elsewhere = client.post("/register", data={}, environ_base={"REMOTE_ADDR": "10.9.8.7"})
        assert elsewhere.status_code == 422


def _sign_ups(client, forwarded_for: list[str]) -> list[int]:
    return [
        client.post("/register", data={}, headers={"X-Forwarded-For": address}).status_code
        for address in forwarded_for
    ]


def test_forwarded_for_is_ignored_without_trusted_proxies(app):
    """With TRUSTED_PROXIES=0 anyone could forge X-Forwarded-For, so it changes nothing."""
    with limited_app(app, TRUSTED_PROXIES=0) as limited:
        client = limited.test_client()
        assert _sign_ups(client, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [422, 422, 429]


def test_forwarded_for_names_the_client_behind_one_trusted_proxy(app):
    """With TRUSTED_PROXIES=1 the address our proxy appended is the one counted."""
    with limited_app(app, TRUSTED_PROXIES=1) as limited:
        client = limited.test_client()
        assert _sign_ups(client, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [422] * 3
        assert _sign_ups(client, ["203.0.113.9"] * 3) == [422, 422, 429]
        # A forged first hop is not the client: only the last (proxy-added) entry counts.
        forged = [f"198.51.100.{n}, 203.0.113.9" for n in range(2)]
        assert _sign_ups(client, forged) == [429, 429]


def _theme_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Theme.id).where(Theme.code == "innovation"))


def test_only_published_ideas_count(app, storage, make_user):
    """Previews and forms sent back with errors are free; the second publication is refused."""
    with limited_app(app, storage) as limited:
        client = limited.test_client()
        sign_in(client, make_user())
        form = {
            "title": "Shared desks",
            "body": "Text.",
            "theme": str(_theme_id(app)),
            "group": "0",
        }
        assert client.post("/ideas/new", data={**form, "preview": "y"}).status_code == 200
        assert client.post("/ideas/new", data={**form, "title": ""}).status_code == 422
        assert client.post("/ideas/new", data={**form, "title": ""}).status_code == 422
        assert client.post("/ideas/new", data=form).status_code == 302
        assert client.post("/ideas/new", data=form).status_code == 429
        assert client.get("/ideas/new").status_code == 200


def test_comments_are_limited(app, storage, make_idea, make_user):
    """Two comments a minute in the tight setting; the third is refused."""
    idea = make_idea()
    with limited_app(app, storage) as limited:
        client = limited.test_client()
        sign_in(client, make_user())
        codes = [
            client.post(f"/ideas/{idea.id}/comments", data={"body": f"Comment {n}"}).status_code
            for n in range(3)
        ]
        assert codes == [302, 302, 429]


def test_reports_on_ideas_and_comments_share_one_budget(app, storage, make_idea, make_user):
    """Flagging an idea and flagging a comment draw on the same "flags" budget."""
    ideas = [make_idea() for _ in range(3)]
    with limited_app(app, storage) as limited:
        client = limited.test_client()
        sign_in(client, make_user())
        reason = {"reason": "This is off topic and rude."}
        assert client.post(f"/ideas/{ideas[0].id}/flag", data=reason).status_code == 302
        commenter = limited.test_client()
        sign_in(commenter, make_user())
        commenter.post(f"/ideas/{ideas[1].id}/comments", data={"body": "A comment."})
        with limited.app_context():
            from ideas.board.models import Comment

            comment_id = db.session.scalar(select(Comment.id))
        assert client.post(f"/comments/{comment_id}/flag", data=reason).status_code == 302
        assert client.post(f"/ideas/{ideas[2].id}/flag", data=reason).status_code == 429


def test_search_is_limited(app, storage, make_user):
    """Searching counts every request, the as-you-type suggestions too."""
    with limited_app(app, storage) as limited:
        client = limited.test_client()
        sign_in(client, make_user())
        assert client.get("/search?q=desks").status_code == 200
        assert client.get("/search/similar?title=Shared+desks").status_code == 200
        refused = client.get("/search?q=desks", headers=JSON)
        assert refused.status_code == 429
        assert "error" in refused.get_json()


def test_limits_can_be_changed_in_the_config(app, make_idea, make_user):
    """RATELIMIT_VOTES sets the votes budget."""
    idea = make_idea()
    with limited_app(app, RATELIMIT_VOTES="1 per minute") as limited:
        client = limited.test_client()
        sign_in(client, make_user())
        assert [_vote(client, idea.id, v).status_code for v in (1, 0)] == [302, 429]


def test_an_app_with_limits_off_is_not_limited_meanwhile(app, client, auth, make_idea):
    """Turning limits on for one app leaves another app of the same process unlimited."""
    idea = make_idea()
    auth.as_role()
    with limited_app(app, RATELIMIT_VOTES="1 per minute"):
        codes = [_vote(client, idea.id, v).status_code for v in (1, -1, 0, 1, 0)]
    assert codes == [302] * 5


def test_every_budget_names_existing_endpoints(app):
    """The table covers the required actions and only names endpoints that exist."""
    endpoints = {endpoint for budget in RATE_LIMITS.values() for endpoint in budget.endpoints}
    assert endpoints <= set(app.view_functions)
    assert {"accounts.register", "board.new_idea", "board.add_comment", "board.vote"} <= endpoints
    assert {"moderation.flag_idea", "moderation.flag_comment", "search.search"} <= endpoints
    assert all(budget.config_key in app.config for budget in RATE_LIMITS.values())
