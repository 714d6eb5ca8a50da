"""The secretariat's report of suspicious voting: bursts that may be a campaign or a script.

Read-only: it looks at votes still standing (a retracted vote leaves no row) cast in the
last few days, and finds the densest window of each kind of burst:

- new accounts: many votes on one idea, within an hour, from accounts that were less than
  a day old when they voted (sock puppets made for the occasion);
- one department: many votes on one idea, within an hour, from one department;
- one account: many votes from one account within a few minutes (a script).

A finding is a reason to look, not proof: a team meeting can produce a department burst.
Nothing is changed or hidden by the report; staff decide what to do.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ideas.accounts.models import Department, User
from ideas.board.models import Idea, Vote
from ideas.extensions import db
from ideas.timeutil import utcnow

# Which periods the report can look back over, in days; the first is the default.
PERIODS = (7, 1, 30)
# An account this young when it voted counts as new.
NEW_ACCOUNT_AGE = timedelta(days=1)
BURST_WINDOW = timedelta(hours=1)
NEW_ACCOUNT_BURST_VOTES = 5
DEPARTMENT_BURST_VOTES = 10
RAPID_WINDOW = timedelta(minutes=5)
RAPID_VOTES = 20
# The report reads at most this many recent votes: enough for months of an internal site,
# and a bound on the work if a flood is what it is asked to find.
MAX_VOTES_READ = 50_000


@dataclass(frozen=True)
class CastVote:
    """One standing vote with what the report needs about its voter."""

    idea_id: int
    user_id: int
    value: int
    cast_at: datetime
    account_created_at: datetime
    department_id: int | None

    @property
    def from_new_account(self) -> bool:
        """True when the account was less than NEW_ACCOUNT_AGE old at the vote."""
        return self.cast_at - self.account_created_at < NEW_ACCOUNT_AGE


@dataclass(frozen=True)
class Burst:
    """The densest window of votes of one group (an idea, an idea and a department, a voter)."""

    votes: tuple[CastVote, ...]

    @property
    def count(self) -> int:
        """How many votes fell in the window."""
        return len(self.votes)

    @property
    def up(self) -> int:
        """Up votes among them."""
        return sum(1 for vote in self.votes if vote.value > 0)

    @property
    def down(self) -> int:
        """Down votes among them."""
        return self.count - self.up

    @property
    def start(self) -> datetime:
        """The first vote of the window."""
        return self.votes[0].cast_at

    @property
    def end(self) -> datetime:
        """The last vote of the window."""
        return self.votes[-1].cast_at

    @property
    def voter_ids(self) -> list[int]:
        """The voters, in the order they voted."""
        return list(dict.fromkeys(vote.user_id for vote in self.votes))


@dataclass(frozen=True)
class Finding:
    """One burst with the rows it concerns, ready for the page."""

    burst: Burst
    idea: Idea | None = None
    department: Department | None = None
    voter: User | None = None
    voters: tuple[User, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    """What counts as a burst, as the page explains it."""

    new_account_votes: int = NEW_ACCOUNT_BURST_VOTES
    department_votes: int = DEPARTMENT_BURST_VOTES
    rapid_votes: int = RAPID_VOTES
    rapid_minutes: int = int(RAPID_WINDOW.total_seconds() // 60)


@dataclass(frozen=True)
class VotingReport:
    """The three kinds of findings, each strongest first, over `days` days up to `until`."""

    days: int
    until: datetime
    new_accounts: list[Finding]
    departments: list[Finding]
    rapid_voters: list[Finding]
    thresholds: Thresholds = Thresholds()


def densest_window(votes: list[CastVote], window: timedelta) -> Burst:
    """The largest run of votes (sorted by time) that fits within `window`; earliest wins ties."""
    best = (0, 0)
    start = 0
    for end, vote in enumerate(votes):
        while vote.cast_at - votes[start].cast_at > window:
            start += 1
        if end + 1 - start > best[1] - best[0]:
            best = (start, end + 1)
    return Burst(tuple(votes[best[0] : best[1]]))


def find_bursts(
    votes: Iterable[CastVote],
    group: Callable[[CastVote], Hashable | None],
    window: timedelta,
    threshold: int,
) -> list[tuple[Hashable, Burst]]:
    """For each group (None: not counted), its densest window if it holds `threshold` votes."""
    groups: dict[Hashable, list[CastVote]] = defaultdict(list)
    for vote in votes:
        key = group(vote)
        if key is not None:
            groups[key].append(vote)
    found = []
    for key, members in groups.items():
        members.sort(key=lambda vote: (vote.cast_at, vote.user_id))
        burst = densest_window(members, window)
        if burst.count >= threshold:
            found.append((key, burst))
    found.sort(key=lambda item: (-item[1].count, item[1].start))
    return found


def recent_votes(since: datetime, until: datetime) -> list[CastVote]:
    """Standing votes cast in [since, until], with each voter's account age and department."""
    rows = db.session.execute(
        select(
            Vote.idea_id,
            Vote.user_id,
            Vote.value,
            Vote.created_at,
            User.created_at,
            User.department_id,
        )
        .join(User, User.id == Vote.user_id)
        .where(Vote.created_at >= since, Vote.created_at <= until)
        .order_by(Vote.created_at.desc())
        .limit(MAX_VOTES_READ)
    )
    return [CastVote(*row) for row in rows]


def suspicious_voting(days: int = PERIODS[0], now: datetime | None = None) -> VotingReport:
    """Build the report over the last `days` days."""
    until = now or utcnow()
    votes = recent_votes(until - timedelta(days=days), until)
    new_bursts = find_bursts(
        votes,
        lambda vote: vote.idea_id if vote.from_new_account else None,
        BURST_WINDOW,
        NEW_ACCOUNT_BURST_VOTES,
    )
    department_bursts = find_bursts(
        votes,
        lambda vote: (vote.idea_id, vote.department_id) if vote.department_id else None,
        BURST_WINDOW,
        DEPARTMENT_BURST_VOTES,
    )
    rapid = find_bursts(votes, lambda vote: vote.user_id, RAPID_WINDOW, RAPID_VOTES)
    return _with_rows(days, until, new_bursts, department_bursts, rapid)


def _with_rows(days, until, new_bursts, department_bursts, rapid) -> VotingReport:
    """Load the ideas, departments and accounts the findings name, in three queries."""
    idea_ids = {key for key, _ in new_bursts} | {key[0] for key, _ in department_bursts}
    department_ids = {key[1] for key, _ in department_bursts}
    user_ids = {key for key, _ in rapid}
    for _, burst in new_bursts:
        user_ids.update(burst.voter_ids)
    ideas = _by_id(Idea, idea_ids)
    departments = _by_id(Department, department_ids)
    users = _by_id(User, user_ids)
    return VotingReport(
        days=days,
        until=until,
        new_accounts=[
            Finding(
                burst,
                idea=ideas[key],
                voters=tuple(users[user_id] for user_id in burst.voter_ids),
            )
            for key, burst in new_bursts
        ],
        departments=[
            Finding(burst, idea=ideas[key[0]], department=departments[key[1]])
            for key, burst in department_bursts
        ],
        rapid_voters=[Finding(burst, voter=users[key]) for key, burst in rapid],
    )


def _by_id(model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
