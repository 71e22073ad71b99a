"""The local runtime's heap and Python's cyclic garbage collector (decision 248).

On AWS every function runs in its own small process. Locally one interpreter holds all of them and
moto's whole account besides: the SDKs' service models, every module, every table's items, the
workflow runs kept. A full collection (generation 2) walks every object the collector tracks, and
every thread waits for it: with a seeded runtime's ~400,000 objects each one took 0.3-0.5 s, once
every ~13 s under orders, and every order in flight took that much longer.

Two things keep the walk to what can still be garbage:
  - `settle()`, at the end of the runtime's start: one full collection, then `gc.freeze()` moves
    every survivor (modules, models, the provisioned account) to the permanent generation, which
    no collection walks;
  - `SurvivorFreezer`, while the runtime runs: after each automatic full collection its survivors
    are frozen too, so the next one walks only what was made since. Frozen objects are still freed
    when nothing refers to them; only cycles among them wait: every `full_every_seconds` the
    frozen objects are handed back before a full collection starts (`gc.unfreeze()`), so such a
    cycle lives at most that long, and the survivors are frozen again after it.

The runtime's stop hands every frozen object back (`release()`): a process that starts another
runtime after (the tests) keeps no stopped runtime's objects out of reach of the collector.
"""

from __future__ import annotations

import gc
import time
from typing import Any

# A full collection that walks everything at most this often: cycles among frozen objects (a
# bounded store's evicted run, a client let go) are freed within it.
FULL_EVERY_SECONDS = 300.0


def settle() -> None:
    """One full collection, then every survivor frozen: the start's heap is not walked again."""
    gc.collect()
    gc.freeze()


def release() -> None:
    """Every frozen object back in the oldest generation, where collections walk it again."""
    gc.unfreeze()


def collect_all() -> int:
    """A full collection that walks the frozen objects too, so a cycle among them is freed now (a
    running freezer freezes the survivors again after it). What a count of the living needs first:
    `gc.collect()` alone leaves frozen garbage in place."""
    gc.unfreeze()
    return gc.collect()


def tracked_objects() -> list[Any]:
    """Every object the collector tracks, the frozen ones too (`gc.get_objects()` leaves the
    permanent generation out): for a count of what is alive while a runtime runs."""
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    gc.disable()  # no collection (and no freezer) between the unfreeze and the listing
    try:
        gc.unfreeze()
        return gc.get_objects()
    finally:
        if frozen:
            gc.freeze()
        if enabled:
            gc.enable()


class _OnFullCollections:
    """A gc callback that acts before and after each full (generation 2) collection only. No two
    collections overlap (the interpreter runs one at a time), so no lock is needed."""

    def install(self) -> Any:
        gc.callbacks.append(self)
        return self

    def uninstall(self) -> None:
        if self in gc.callbacks:
            gc.callbacks.remove(self)

    def __enter__(self) -> Any:
        return self.install()

    def __exit__(self, *exc: Any) -> None:
        self.uninstall()

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self.starting()
        else:
            self.stopped()

    def starting(self) -> None:
        pass

    def stopped(self) -> None:
        pass


class SurvivorFreezer(_OnFullCollections):
    """The survivors of each automatic full collection are frozen after it, and every
    `full_every_seconds` the frozen objects are unfrozen before one, so it walks them all."""

    def __init__(self, full_every_seconds: float = FULL_EVERY_SECONDS, clock: Any = time.monotonic):
        self.full_every_seconds, self.clock = full_every_seconds, clock
        self.last_full = clock()
        self.collections = 0  # full collections seen
        self.full = 0  # ... of which walked the frozen objects too

    def starting(self) -> None:
        self.collections += 1
        if self.clock() - self.last_full >= self.full_every_seconds:
            gc.unfreeze()  # this collection walks everything: old cycles are found
            self.last_full = self.clock()
            self.full += 1

    def stopped(self) -> None:
        gc.freeze()


class FullCollectionTimes(_OnFullCollections):
    """How long each full collection took (every thread waits that long): what
    benchmarks/workflow_throughput.py prints for its paced orders."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._started = 0.0

    def starting(self) -> None:
        self._started = time.perf_counter()

    def stopped(self) -> None:
        self.seconds.append(time.perf_counter() - self._started)
