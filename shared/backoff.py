"""The one backoff shape of oms's retries: doubling from a base, capped. The
channel write-back delays its re-sends by it (shared/writeback/domain.py); the reconciliation
pull's HTTP client draws its waits below it, with full jitter, since many shops' runs retry at
once (shared/reconciliation/pull/http.py), as do the reservation's retries of a transaction that
lost to other clients on the same stock buckets (shared/usecases/stock_allocation.py)."""

from __future__ import annotations

import math
import random


def doubling(attempt: int, base: float, cap: float = math.inf) -> float:
    """The wait after failed attempt `attempt` (1 = the first): base, 2 × base, 4 × base, … up to cap."""
    return min(base * 2 ** max(attempt - 1, 0), cap)


def full_jitter(attempt: int, base: float, cap: float = math.inf) -> float:
    """A uniform draw below `doubling`: callers that failed together do not retry together."""
    return random.uniform(0, doubling(attempt, base, cap))
