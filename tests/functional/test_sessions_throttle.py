"""Password guessing is throttled per account and per client address, on memory and Redis.

The suite's TestConfig turns limits off; these tests build an app with limits on (3 per
minute, to keep them short; tests/security/rate_limited.py) against the in-process memory
storage and the real Redis on loopback. Addresses and accounts are random per test, so runs
never share a count.
"""

import uuid

import redis

from tests.conftest import PASSWORD
from tests.functional.html_dom import parse
from tests.security import rate_limited
from tests.security.rate_limited import REDIS_URL, redis_or_skip

storage = rate_limited.storage  # each test runs with counts in memory and in the real Redis
LIMIT = 3


def _limited_app(app, storage: str):
    """The app with limits on: LIMIT password checks a minute, for sign-in and reset."""
    return rate_limited.limited_app(
        app,
        storage,
        SIGN_IN_RATE_LIMIT=f"{LIMIT} per minute",
        PASSWORD_RESET_RATE_LIMIT=f"{LIMIT} per minute",
    )


def _ip() -> str:
    """A random client address, so that no two tests (or runs) share a count."""
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2]}"


def _post(client, path: str, data: dict, ip: str):
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": ip})


def _assert_site_429(response) -> None:
    assert response.status_code == 429
    page = parse(response.text)
    assert page.one("h1").text() == "Too many requests"
    assert "skip-link" in response.text  # the site's own page, not Flask-Limiter's
    assert response.headers.get("Retry-After")


def _sign_in(client, email: str, password: str, ip: str):
    return _post(client, "/sign-in", {"email": email, "password": password}, ip)


def test_sign_in_is_limited_per_account_across_addresses(app, make_user, storage):
    user = make_user(email=f"victim-{uuid.uuid4().hex[:8]}@example.gc.ca")
    with _limited_app(app, storage) as limited:
        client = limited.test_client()
        for _ in range(LIMIT):
            assert _sign_in(client, user.email, "wrong-guess-1234", _ip()).status_code == 422
        # From yet another address, even the right password must wait.
        _assert_site_429(_sign_in(client, user.email, PASSWORD, _ip()))
        # The address is compared as the service compares it: case and spaces ignored.
        _assert_site_429(_sign_in(client, f"  {user.email.upper()} ", PASSWORD, _ip()))
        # Another account is not affected.
        other = make_user()
        assert _sign_in(client, other.email, PASSWORD, _ip()).status_code == 302


def test_sign_in_is_limited_per_address_across_accounts(app, make_user, storage):
    ip = _ip()
    with _limited_app(app, storage) as limited:
        client = limited.test_client()
        for _ in range(LIMIT):
            email = f"guess-{uuid.uuid4().hex[:8]}@example.gc.ca"
            assert _sign_in(client, email, "any-password-123", ip).status_code == 422
        user = make_user()
        _assert_site_429(_sign_in(client, user.email, PASSWORD, ip))
        # Someone at another address signs in normally.
        assert _sign_in(limited.test_client(), user.email, PASSWORD, _ip()).status_code == 302


def test_unknown_and_existing_accounts_are_throttled_alike(app, make_user, storage):
    user = make_user(email=f"real-{uuid.uuid4().hex[:8]}@example.gc.ca")
    unknown = f"ghost-{uuid.uuid4().hex[:8]}@example.gc.ca"
    with _limited_app(app, storage) as limited:
        client = limited.test_client()
        answers = {}
        for email in (user.email, unknown):
            answers[email] = [
                _sign_in(client, email, "wrong-guess-1234", _ip()).status_code
                for _ in range(LIMIT + 1)
            ]
        assert answers[user.email] == answers[unknown] == [422] * LIMIT + [429]


def test_showing_the_sign_in_page_is_not_counted(app, storage):
    ip = _ip()
    with _limited_app(app, storage) as limited:
        client = limited.test_client()
        for _ in range(LIMIT * 3):
            assert client.get("/sign-in", environ_base={"REMOTE_ADDR": ip}).status_code == 200


def test_password_reset_requests_are_limited_per_address_and_per_ip(
    app, make_user, storage, mail_server
):
    user = make_user(email=f"reset-{uuid.uuid4().hex[:8]}@example.gc.ca")
    with _limited_app(app, storage) as limited:
        limited.config.update(MAIL_SERVER=mail_server.host, MAIL_PORT=mail_server.port)
        client = limited.test_client()
        for _ in range(LIMIT):
            response = _post(client, "/password-reset", {"email": user.email}, _ip())
            assert response.status_code == 302
        _assert_site_429(_post(client, "/password-reset", {"email": user.email}, _ip()))
        # Per address: one machine asking for many accounts.
        ip = _ip()
        for _ in range(LIMIT):
            email = f"someone-{uuid.uuid4().hex[:8]}@example.gc.ca"
            assert _post(client, "/password-reset", {"email": email}, ip).status_code == 302
        _assert_site_429(_post(client, "/password-reset", {"email": "x@example.gc.ca"}, ip))
        assert len(mail_server.settle()) == LIMIT  # a refused request sends nothing


def test_reauthentication_is_limited_per_account(app, make_user, storage):
    user = make_user()
    with _limited_app(app, storage) as limited:
        client = limited.test_client()
        assert _sign_in(client, user.email, PASSWORD, _ip()).status_code == 302
        for _ in range(LIMIT):
            response = _post(client, "/sign-in/again", {"password": "wrong-guess-123"}, _ip())
            assert response.status_code == 422
        _assert_site_429(_post(client, "/sign-in/again", {"password": PASSWORD}, _ip()))


def test_password_change_is_limited_per_account(app, make_user, storage):
    user = make_user()
    with _limited_app(app, storage) as limited:
        client = limited.test_client()
        assert _sign_in(client, user.email, PASSWORD, _ip()).status_code == 302
        data = {
            "current_password": "wrong-guess-123",
            "new_password": "new-passphrase-42",
            "confirm": "new-passphrase-42",
        }
        for _ in range(LIMIT):
            assert _post(client, "/account/password", data, _ip()).status_code == 422
        _assert_site_429(_post(client, "/account/password", data, _ip()))


def test_counts_live_in_redis_when_configured(app, make_user):
    redis_or_skip()
    user = make_user(email=f"counted-{uuid.uuid4().hex[:8]}@example.gc.ca")
    with _limited_app(app, REDIS_URL) as limited:
        _sign_in(limited.test_client(), user.email, "wrong-guess-1234", _ip())
        prefix = limited.config["RATELIMIT_KEY_PREFIX"]
        keys = [k.decode() for k in redis.Redis.from_url(REDIS_URL).scan_iter(f"*{prefix}*")]
        assert any(f"account:{user.email}" in key for key in keys), keys
        assert any("ip:10." in key for key in keys), keys
