"""Ranking maths against hand-computed values: Wilson lower bound, hot score, controversy."""

import math
from datetime import datetime, timedelta

import pytest

from ideas.board import ranking
from ideas.board.ranking import controversy_score, hot_score, wilson_lower_bound

# The 97.5% quantile of the standard normal distribution (95% two-sided), typed out.
Z = 1.96
Z2 = 3.8414588206941254  # 1.959963984540054 ** 2
EPOCH = datetime(2025, 1, 1)
DECAY = 45_000  # seconds of age worth one order of magnitude of net votes


def wilson_closed_form(up, down):
    """The textbook form (2np + z^2 - z*sqrt(z^2 + 4np(1-p))) / (2(n + z^2)), rearranged
    differently from the code on purpose so that both cannot share a typo."""
    n = up + down
    p = up / n
    z = math.sqrt(Z2)
    return (2 * n * p + Z2 - z * math.sqrt(Z2 + 4 * n * p * (1 - p))) / (2 * (n + Z2))


# --- Wilson lower bound ------------------------------------------------------------------


def test_wilson_is_zero_without_votes():
    assert wilson_lower_bound(0, 0) == 0.0


@pytest.mark.parametrize(
    ("up", "down", "expected"),
    [
        # All up: p = 1 so the bound simplifies to n / (n + z^2).
        # up=1:  1 / (1 + 3.84146)  = 1 / 4.84146  = 0.20655
        (1, 0, 0.2065),
        # up=5:  5 / (5 + 3.84146)  = 5 / 8.84146  = 0.56552
        (5, 0, 0.5655),
        # up=10: 10 / 13.84146 = 0.72247
        (10, 0, 0.7225),
        # All down: p = 0, numerator z^2 - z*sqrt(z^2) = 0.
        (0, 5, 0.0),
        # up=8, down=2: n=10, p=0.8
        #   centre = 0.8 + 3.84146/20 = 0.992073
        #   margin = 1.96 * sqrt((0.16 + 3.84146/40) / 10) = 1.96 * 0.160012 = 0.313617
        #   (0.992073 - 0.313617) / (1 + 0.384146) = 0.678456 / 1.384146 = 0.49016
        (8, 2, 0.4902),
        # up=1, down=1: n=2, p=0.5
        #   centre = 0.5 + 3.84146/4 = 1.460365
        #   margin = 1.96 * sqrt((0.25 + 3.84146/8) / 2) = 1.96 * 0.604227 = 1.184265
        #   (1.460365 - 1.184265) / (1 + 1.920729) = 0.276100 / 2.920729 = 0.09453
        (1, 1, 0.0945),
        # up=50, down=50: n=100, p=0.5
        #   centre = 0.5 + 0.0192073 = 0.5192073
        #   margin = 1.96 * sqrt((0.25 + 0.00960365) / 100) = 1.96 * 0.0509513 = 0.0998630
        #   (0.5192073 - 0.0998630) / 1.0384146 = 0.4193443 / 1.0384146 = 0.40383
        (50, 50, 0.4038),
    ],
)
def test_wilson_matches_hand_computed_values(up, down, expected):
    assert wilson_lower_bound(up, down) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("up", "down"), [(1, 0), (3, 7), (8, 2), (80, 20), (600, 400)])
def test_wilson_matches_the_closed_formula(up, down):
    assert wilson_lower_bound(up, down) == pytest.approx(wilson_closed_form(up, down), rel=1e-9)


def test_wilson_uses_95_percent_confidence():
    z = ranking.WILSON_Z
    assert z == pytest.approx(Z, abs=1e-4)


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [((1, 0), (5, 0)), ((5, 0), (50, 0)), ((8, 2), (80, 20)), ((1, 1), (100, 100))],
)
def test_wilson_more_votes_at_the_same_ratio_rank_higher(smaller, larger):
    assert wilson_lower_bound(*larger) > wilson_lower_bound(*smaller)


def test_wilson_prefers_a_confident_majority_over_a_single_vote():
    # 1 up, 0 down is 100% but on one vote; 90 up, 10 down is 90% on a hundred.
    assert wilson_lower_bound(90, 10) > wilson_lower_bound(1, 0)
    assert wilson_lower_bound(1, 0) > wilson_lower_bound(0, 0)


def test_wilson_is_exactly_zero_without_up_votes():
    # p = 0: the numerator z^2/2n - z * sqrt(z^2/4n^2) is exactly 0. Computed naively it
    # leaves float noise of either sign (about 1e-17, e.g. at 3 or 6 down votes), which
    # would rank an idea with only down votes above, or below, ideas with no votes at all.
    assert [down for down in range(1, 500) if wilson_lower_bound(0, down) != 0.0] == []


@pytest.mark.parametrize(("up", "down"), [(0, 1), (1, 0), (3, 3), (1000, 1), (1, 1000)])
def test_wilson_stays_between_zero_and_the_observed_share(up, down):
    score = wilson_lower_bound(up, down)
    assert 0.0 <= score <= up / (up + down)


# --- Hot score ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("up", "down", "age_seconds", "expected"),
    [
        # No votes, posted at the epoch: log10(max(0, 1)) = 0, time term 0.
        (0, 0, 0, 0.0),
        # Net +10 at the epoch: sign 1 * log10(10) = 1.
        (10, 0, 0, 1.0),
        # Net +10, posted one decay period (45,000 s) after the epoch: 1 + 1 = 2.
        (10, 0, DECAY, 2.0),
        # Net +100 two decay periods in: 2 + 2 = 4.
        (120, 20, 2 * DECAY, 4.0),
        # Net -100 two decay periods in: -2 + 2 = 0.
        (0, 100, 2 * DECAY, 0.0),
        # Net +1 counts like net 0: log10(1) = 0; one day in: 86,400 / 45,000 = 1.92.
        (1, 0, 86_400, 1.92),
        # Net +5 one day in: log10(5) = 0.69897 + 1.92 = 2.61897.
        (7, 2, 86_400, 2.61897),
        # Before the epoch the time term is negative: net -1000 one decay early = -3 - 1.
        (0, 1000, -DECAY, -4.0),
    ],
)
def test_hot_matches_hand_computed_values(up, down, age_seconds, expected):
    created_at = EPOCH + timedelta(seconds=age_seconds)
    assert hot_score(up, down, created_at) == pytest.approx(expected, abs=1e-6)


def test_hot_is_rounded_to_seven_decimals():
    # One second after the epoch: 1 / 45,000 = 0.0000222(2...) -> 0.0000222.
    assert hot_score(0, 0, EPOCH + timedelta(seconds=1)) == 0.0000222


def test_hot_newer_idea_with_the_same_votes_ranks_higher():
    older = EPOCH + timedelta(days=30)
    newer = older + timedelta(minutes=1)
    assert hot_score(12, 3, newer) > hot_score(12, 3, older)


def test_hot_tenfold_votes_are_worth_one_decay_period():
    # 12.5 hours of age weigh as much as ten times the net votes.
    posted = EPOCH + timedelta(days=100)
    assert hot_score(100, 0, posted) == pytest.approx(
        hot_score(10, 0, posted + timedelta(seconds=DECAY)), abs=1e-6
    )
    # So a day-newer idea with fewer votes outranks an older, more voted one.
    assert hot_score(5, 0, posted + timedelta(days=1)) > hot_score(50, 0, posted)


def test_hot_more_net_votes_rank_higher_at_the_same_time():
    posted = EPOCH + timedelta(days=3)
    assert hot_score(20, 0, posted) > hot_score(10, 0, posted) > hot_score(0, 10, posted)


def test_hot_does_not_depend_on_now(monkeypatch):
    created_at = datetime(2025, 6, 1, 12, 30)
    before = hot_score(42, 2, created_at)

    # Move every clock the code could read ten years ahead; the score must not move.
    class FutureDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2035, 1, 1, tzinfo=tz)

        @classmethod
        def utcnow(cls):
            return datetime(2035, 1, 1)

    monkeypatch.setattr(ranking, "datetime", FutureDatetime)
    monkeypatch.setattr("ideas.timeutil.utcnow", lambda: datetime(2035, 1, 1))
    monkeypatch.setattr("time.time", lambda: 2_051_222_400.0)
    after = hot_score(42, 2, created_at)

    # log10(40) + (2025-06-01 12:30 - 2025-01-01) / 45,000
    #   = 1.6020600 + (151 days * 86,400 + 45,000 s) / 45,000 = 1.60206 + 290.92 = 292.52206
    assert before == after == pytest.approx(292.52206, abs=1e-5)


# --- Controversy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("up", "down", "expected"),
    [
        # One-sided or no votes: not controversial at all.
        (0, 0, 0.0),
        (5, 0, 0.0),
        (0, 5, 0.0),
        # Perfect split: (up + down) ** 1 = 20.
        (10, 10, 20.0),
        # 10 up, 5 down: balance 5/10 = 0.5, 15 ** 0.5 = 3.87298.
        (10, 5, 3.87298),
        # Symmetric: 5 up, 10 down is just as controversial.
        (5, 10, 3.87298),
        # 3 up, 1 down: 4 ** (1/3) = 1.58740.
        (3, 1, 1.58740),
        # 1 up, 1 down: 2 ** 1 = 2.
        (1, 1, 2.0),
    ],
)
def test_controversy_matches_hand_computed_values(up, down, expected):
    assert controversy_score(up, down) == pytest.approx(expected, abs=1e-5)


def test_controversy_grows_with_votes_and_with_balance():
    # More votes, same even split: more controversial.
    assert controversy_score(50, 50) > controversy_score(10, 10)
    # Same number of votes, closer to even: more controversial.
    assert controversy_score(10, 10) > controversy_score(12, 8) > controversy_score(18, 2)
    # A big one-sided idea is less controversial than a small even fight.
    assert controversy_score(1000, 1) < controversy_score(3, 3)
