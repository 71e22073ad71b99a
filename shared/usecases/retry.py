"""Optimistic locking: a step that lost a race re-reads the order and decides again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from shared.errors import VersionConflict

T = TypeVar("T")
ATTEMPTS = 3


def on_version_conflict(step: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Runs `step` (which must load the order itself) again after a VersionConflict."""
    for attempt in range(1, attempts + 1):
        try:
            return step()
        except VersionConflict:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
