"""Vote races: 50 members vote, change and retract on one idea at once, through gunicorn.

Runs on the database of the pass (IDEAS_TEST_DB: an SQLite file, or PostgreSQL) with
several gunicorn workers, so writes really contend across processes. Each client is a
signed-in member with its own session and CSRF token, calling the vote endpoint the way
the page's fetch() does. Phases are released together by a barrier so that all fifty hit
the same idea row at the same moment; one phase also sends two votes of the same member
at once (two tabs), the case where a read-then-write service could count a vote twice.
Afterwards the database must say exactly what the clients did: at most one vote row per
member, holding its last value; counters and the ranking columns equal to what the rows
say; no 5xx; no "database is locked" in the log.
"""

import http.cookiejar
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest
from sqlalchemy import select

from ideas.accounts.models import User
from ideas.board.models import Idea, Vote
from ideas.board.ranking import controversy_score, hot_score, wilson_lower_bound
from ideas.extensions import db
from tests.conftest import BACKEND, PASSWORD
from tests.live_server import gunicorn

CLIENTS = 50
ROUNDS = 3  # each round: up, down, retract
WORKERS = 4
THREADS = 4
REQUEST_TIMEOUT = 30
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Hand redirects back as they are (a 302 is the answer to check, not a page to load)."""

    def redirect_request(self, *_args, **_kwargs):
        return None


class Member:
    """One browser-like client: its own cookies (session) and CSRF token."""

    def __init__(self, base_url: str, email: str) -> None:
        self.base_url = base_url
        self.email = email
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _KeepRedirects()
        )
        self.token = ""

    def _request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - our own server on loopback
            self.base_url + path, data=body, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def _csrf_from(self, path: str) -> str:
        status, page = self._request(path)
        assert status == 200, (path, status)
        return CSRF_META.search(page).group(1)

    def sign_in(self) -> None:
        """Sign in through the form, then take the session's CSRF token from a page."""
        token = self._csrf_from("/sign-in")
        form = {"email": self.email, "password": PASSWORD, "csrf_token": token}
        status, _page = self._request("/sign-in", form)
        assert status == 302, status
        # Signing in may renew the session, and with it the CSRF token: take a fresh one.
        self.token = self._csrf_from("/profile")

    def vote(self, idea_id: int, value: int) -> tuple[int, dict | str]:
        """Vote as the page's fetch() does: CSRF token in a header, JSON back."""
        status, body = self._request(
            f"/ideas/{idea_id}/vote",
            {"value": str(value)},
            {"X-CSRFToken": self.token, "Accept": "application/json"},
        )
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body


def _final_value(index: int) -> int:
    """Where each member ends, so the final counts are neither all up nor all zero."""
    return (1, 1, -1, 0)[index % 4]


@pytest.fixture
def race_setup(app, make_user, make_idea):
    """Fifty members and one idea by a fifty-first, committed for the server to see."""
    author = make_user(email="author@example.gc.ca")
    idea = make_idea(author=author, title="Shared desks across teams")
    members = [make_user(email=f"voter{n:02d}@example.gc.ca") for n in range(CLIENTS)]
    return idea.id, [member.email for member in members]


def test_fifty_members_voting_at_once_leave_consistent_counts(
    app, race_setup, database_url, tmp_path
):
    """Concurrent vote, change and retract: one row per member, counts and ranks agree."""
    idea_id, emails = race_setup
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "vote-race-secret",
        "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
        "IDEAS_INSTANCE_PATH": str(tmp_path / "instance"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        # Fifty sign-ins from one address would trip the sign-in throttle; this test
        # is about the database, not about rate limits (tests/security/test_rate_limits.py).
        "RATELIMIT_ENABLED": "false",
        # Each vote also updates the idea in the search index; its writers queue rather
        # than wait for the index lock, which keeps the run short (and is not under test).
        "SEARCH_LOCK_TIMEOUT": "0.05",
    }
    plan = [value for _ in range(ROUNDS) for value in (1, -1, 0)]
    results: list[tuple[int, int, int]] = []  # (member index, value, status)
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS, timeout=120)

    with gunicorn(
        env, tmp_path / "gunicorn.log", workers=WORKERS, threads=THREADS, start_timeout=120
    ) as server:

        def vote(member: Member, index: int, value: int, check_mine: bool = True) -> None:
            status, body = member.vote(idea_id, value)
            with lock:
                results.append((index, value, status))
            if status != 200 or (check_mine and body.get("my_vote") != value):
                raise AssertionError(f"vote {value}: {status} {str(body)[:200]}")

        def run(index: int) -> None:
            member = Member(server.url, emails[index])
            try:
                member.sign_in()
                for value in plan:
                    barrier.wait()  # everyone fires this phase together
                    vote(member, index, value)
                # Two tabs (or a double click): the same member sends two different votes
                # at once. Whichever lands last wins, but the counters must not drift.
                barrier.wait()
                twin = threading.Thread(target=vote, args=(member, index, 0, False))
                twin.start()
                vote(member, index, (1, -1)[index % 2], check_mine=False)
                twin.join(REQUEST_TIMEOUT * 2)
                barrier.wait()
                vote(member, index, _final_value(index))
            except Exception as error:  # reported below, with the member it happened to
                barrier.abort()
                with lock:
                    failures.append(f"{emails[index]}: {error!r}")

        started = time.monotonic()
        threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
        log = server.log()
        elapsed = time.monotonic() - started

    statuses = Counter(status for _index, _value, status in results)
    summary = f"{len(results)} votes, statuses {dict(statuses)}, failures {failures[:5]}"
    print(f"vote race on {BACKEND}: {CLIENTS} clients, {summary}, {elapsed:.1f} s of voting")
    assert not failures, summary
    assert len(results) == CLIENTS * (len(plan) + 3)
    assert all(status < 500 for status in statuses), summary
    assert "database is locked" not in log
    assert "Traceback" not in log, log[-3000:]

    with app.app_context():
        rows = db.session.execute(
            select(User.email, Vote.value).join(Vote, Vote.user_id == User.id)
            .where(Vote.idea_id == idea_id)
        ).all()  # fmt: skip
        idea = db.session.get(Idea, idea_id)
        votes = dict(rows)
        assert len(votes) == len(rows), "more than one vote row for a member"
        expected = {
            email: _final_value(n) for n, email in enumerate(emails) if _final_value(n) != 0
        }
        assert votes == expected
        up = sum(1 for value in votes.values() if value == 1)
        down = sum(1 for value in votes.values() if value == -1)
        assert (idea.up_count, idea.down_count) == (up, down)
        assert idea.wilson == pytest.approx(wilson_lower_bound(up, down), rel=1e-9)
        assert idea.hot == pytest.approx(hot_score(up, down, idea.created_at), rel=1e-12)
        assert idea.controversy == pytest.approx(controversy_score(up, down), rel=1e-9)
