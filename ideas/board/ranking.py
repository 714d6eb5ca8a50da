"""Ranking maths: Wilson lower bound, time-decayed hot score, controversy."""

import math
from datetime import datetime

# 95% two-sided confidence.
WILSON_Z = 1.959963984540054
# The hot score's time origin and decay: 45,000 s (12.5 h) of age weighs as much as a
# tenfold change in net votes, so a new idea can outrank an older, more voted one.
HOT_EPOCH = datetime(2025, 1, 1)
HOT_DECAY_SECONDS = 45_000.0


def wilson_lower_bound(up: int, down: int, z: float = WILSON_Z) -> float:
    """Lower bound of the Wilson score interval for the share of up votes (0 with no up votes)."""
    n = up + down
    if n <= 0 or up <= 0:
        # With no up votes the bound is exactly 0; computing it leaves float noise.
        return 0.0
    p = up / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)
    return (centre - margin) / (1 + z2 / n)


def hot_score(up: int, down: int, created_at: datetime) -> float:
    """Log of net votes plus a term that grows with creation time, so newer ideas rise.

    The score depends only on the votes and the creation time, never on "now", so it is
    stored and only changes when a vote does: the order is stable between requests.
    """
    score = up - down
    order = math.log10(max(abs(score), 1))
    sign = (score > 0) - (score < 0)
    seconds = (created_at - HOT_EPOCH).total_seconds()
    return round(sign * order + seconds / HOT_DECAY_SECONDS, 7)


def controversy_score(up: int, down: int) -> float:
    """High when many votes split evenly; 0 when all votes go one way."""
    if up <= 0 or down <= 0:
        return 0.0
    magnitude = up + down
    balance = down / up if up > down else up / down
    return magnitude**balance
