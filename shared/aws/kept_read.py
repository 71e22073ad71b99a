"""A read kept for a few seconds per container, refreshed once by the callers that find it stale
together (decision 244). On Lambda a container runs one invocation at a time; where threads share
a store (the local runtime's concurrent invocations, an API's parallel readers) they wait for one
read and take it, rather than each making the same read again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class KeptRead(Generic[V]):
    """The newest value read, for one key at a time (a new key replaces the kept one)."""

    def __init__(self) -> None:
        self._kept: tuple[Hashable, float, V] | None = None  # (key, read at, value)
        self._reading = threading.Lock()

    def get(self, key: Hashable, seconds: float, read: Callable[[], V]) -> V:
        """The value kept for `key` if read less than `seconds` ago, else `read()`'s. A caller that
        waited for another's read takes that one; a failed read leaves the next caller to read."""
        kept = self._kept
        if kept is not None and kept[0] == key and time.monotonic() - kept[1] < seconds:
            return kept[2]
        with self._reading:
            newer = self._kept
            if newer is not None and newer is not kept and newer[0] == key:  # read while this call waited
                return newer[2]
            value = read()
            self._kept = (key, time.monotonic(), value)
            return value
