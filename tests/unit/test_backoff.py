"""The one backoff shape (shared/backoff.py) the write-back's re-sends and the reconciliation
pull's HTTP retries share."""

from __future__ import annotations

import random

from shared.backoff import doubling, full_jitter
from shared.reconciliation.pull.http import PlatformHttp
from shared.writeback.domain import backoff_seconds


def test_doubling_from_the_base_up_to_the_cap():
    assert [doubling(attempt, 2.0, cap=30.0) for attempt in range(0, 7)] == [2.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_full_jitter_draws_below_the_doubling():
    draws = [full_jitter(4, 0.5) for _ in range(200)]
    assert all(0 <= wait <= 4.0 for wait in draws) and len(set(draws)) > 1


def test_write_back_and_the_pull_client_wait_by_the_same_shape(monkeypatch):
    monkeypatch.setattr(random, "uniform", lambda low, high: high)  # the jitter's upper bound
    http = PlatformHttp(base_backoff=2.0)
    assert [http._backoff(attempt) for attempt in range(1, 6)] == [backoff_seconds(attempt, 2.0) for attempt in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert backoff_seconds(12, 2.0) == 900.0  # SQS's longest delay
    assert backoff_seconds(2, 2.0, retry_after=7.0) == 7.0  # what the platform asked for
