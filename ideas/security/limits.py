"""Rate limits on the actions worth abusing, declared in one table and applied in create_app.

Each entry of `RATE_LIMITS` names a budget (its config key holds the limit, in the
`limits` notation: "60 per minute; 1000 per day"), the endpoints that draw on it and the
methods that count. `register(app)` wraps those endpoints' view functions with
Flask-Limiter, so no feature's views need to know about limits.

- Counts are kept per signed-in member, else per client address (`client_key`). Behind
  `TRUSTED_PROXIES` reverse proxies, ProxyFix has already put the real client address in
  `request.remote_addr`; with none, X-Forwarded-For is ignored, so it cannot be forged.
- Budgets are shared across their endpoints (reporting an idea and reporting a comment
  spend the same "flags" budget).
- Posting ideas, comments and flags counts only what was published (a redirect after a
  successful post), so previews and forms sent back with errors cost nothing; sign-up,
  votes and searches count every attempt.
- The storage is `RATELIMIT_STORAGE_URI`: memory (per process) by default, Redis to share
  counts between workers and hosts. A refused request gets the site's 429 page, or JSON
  for fetch() calls, with a Retry-After header.

Sign-in and password-reset throttling live with the accounts feature.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app
from flask_limiter import RouteLimit
from flask_login import current_user

from ideas.extensions import client_address, limiter


def client_key() -> str:
    """Who a limit counts: the signed-in member, else the client's address."""
    if current_user.is_authenticated:
        # The row id, not get_id(): that carries the session token, a secret.
        return f"user:{current_user.id}"
    return f"ip:{client_address()}"


def _disabled_for_this_app() -> bool:
    """True when the running app turned limits off (RATELIMIT_ENABLED false).

    The limiter is one object for the whole process and keeps the `enabled` flag of the
    last app it was bound to; asking the running app keeps each app's own setting.
    """
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def _published(response: Response) -> bool:
    """A post counts when it succeeded: our views redirect after publishing."""
    return response.status_code in (301, 302, 303)


@dataclass(frozen=True)
class Budget:
    """One rate limit: its config key, the endpoints sharing it, the methods it counts."""

    config_key: str
    endpoints: tuple[str, ...]
    methods: tuple[str, ...] = ("POST",)
    only_successes: bool = False


RATE_LIMITS: dict[str, Budget] = {
    "sign-up": Budget("RATELIMIT_SIGN_UP", ("accounts.register",)),
    "ideas": Budget("RATELIMIT_IDEAS", ("board.new_idea",), only_successes=True),
    "comments": Budget("RATELIMIT_COMMENTS", ("board.add_comment",), only_successes=True),
    "votes": Budget("RATELIMIT_VOTES", ("board.vote",)),
    "flags": Budget(
        "RATELIMIT_FLAGS",
        ("moderation.flag_idea", "moderation.flag_comment"),
        only_successes=True,
    ),
    "search": Budget("RATELIMIT_SEARCH", ("search.search", "search.similar_ideas"), ("GET",)),
}

# One RouteLimit per budget for the life of the process: Flask-Limiter keeps limits in
# the (module-level) limiter by view-function name, so building new ones for every app
# made in the same process would count each request once per app.
_ROUTE_LIMITS: dict[str, RouteLimit] = {}


def _limit_value(config_key: str) -> Callable[[], str]:
    """The limit string, read from the running app's config at request time."""
    return lambda: current_app.config[config_key]


def route_limit(name: str) -> RouteLimit:
    """The Flask-Limiter limit for one budget of `RATE_LIMITS`, built once."""
    if name not in _ROUTE_LIMITS:
        budget = RATE_LIMITS[name]
        _ROUTE_LIMITS[name] = limiter.shared_limit(
            _limit_value(budget.config_key),
            scope=name,
            key_func=client_key,
            methods=list(budget.methods),
            deduct_when=_published if budget.only_successes else None,
            exempt_when=_disabled_for_this_app,
        )
    return _ROUTE_LIMITS[name]


def register(app: Flask) -> None:
    """Wrap every endpoint named in `RATE_LIMITS` with its budget's limit."""
    for name, budget in RATE_LIMITS.items():
        for endpoint in budget.endpoints:
            view = app.view_functions.get(endpoint)
            if view is None:
                raise LookupError(f"rate limit {name!r} names unknown endpoint {endpoint!r}")
            app.view_functions[endpoint] = route_limit(name)(view)
