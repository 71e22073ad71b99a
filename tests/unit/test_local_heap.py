"""The local runtime's heap (local/heap.py, decision 248): the start's objects and the survivors of
each full collection are frozen, so a full collection walks only what was made since; a cycle among
frozen objects is still freed, by the full collection that hands them back once a while."""

from __future__ import annotations

import gc
import weakref

import pytest

from local import heap


class Node:
    def __init__(self) -> None:
        self.partner: Node | None = None


def cycle() -> tuple[Node, weakref.ref]:
    a, b = Node(), Node()
    a.partner, b.partner = b, a  # freed only by the cyclic collector
    return a, weakref.ref(a)


@pytest.fixture
def clean_heap():
    """No other freezer acts meanwhile: a runtime this worker started for other tests may be running."""
    others = [callback for callback in gc.callbacks if isinstance(callback, heap.SurvivorFreezer)]
    for callback in others:
        gc.callbacks.remove(callback)
    heap.release()
    yield
    heap.release()
    gc.callbacks.extend(others)


def test_settle_freezes_what_survives_and_release_hands_it_back(clean_heap):
    kept, _ = cycle()
    heap.settle()
    assert gc.get_freeze_count() > 0
    assert not gc.is_finalized(kept) and gc.is_tracked(kept)
    heap.release()
    assert gc.get_freeze_count() == 0


def test_survivors_of_a_full_collection_are_frozen_and_their_cycles_freed_on_the_next_full_walk(clean_heap):
    now = [1000.0]
    freezer = heap.SurvivorFreezer(full_every_seconds=300.0, clock=lambda: now[0]).install()
    try:
        node, alive = cycle()
        gc.collect()  # a full collection: the cycle survives (still referenced) and is frozen after it
        assert gc.get_freeze_count() > 0 and freezer.collections == 1
        del node  # now garbage, but frozen: a collection that does not walk the frozen objects keeps it
        now[0] += 10
        gc.collect()
        assert alive() is not None and freezer.full == 0
        now[0] += 300  # the full walk is due: the frozen objects are handed back before it, the cycle is freed
        gc.collect()
        assert alive() is None and freezer.full == 1
        assert gc.get_freeze_count() > 0  # and the survivors frozen again
        young, young_alive = cycle()
        del young  # made since the last freeze: any full collection frees it
        gc.collect()
        assert young_alive() is None
    finally:
        freezer.uninstall()
    assert freezer not in gc.callbacks


def test_only_full_collections_move_anything(clean_heap):
    freezer = heap.SurvivorFreezer().install()
    try:
        gc.collect(0)
        gc.collect(1)
        assert freezer.collections == 0 and gc.get_freeze_count() == 0
    finally:
        freezer.uninstall()


def test_full_collections_are_timed_while_watched(clean_heap):
    with heap.FullCollectionTimes() as times:
        gc.collect(1)  # not a full one
        gc.collect()
        gc.collect()
    gc.collect()  # no longer watched
    assert len(times.seconds) == 2 and all(0 <= s < 5 for s in times.seconds)


def test_the_objects_listed_include_the_frozen_ones(clean_heap):
    kept, _ = cycle()
    heap.settle()
    assert not any(o is kept for o in gc.get_objects())  # the permanent generation is left out there
    assert any(o is kept for o in heap.tracked_objects())
    assert gc.get_freeze_count() > 0 and gc.isenabled()  # and left frozen, the collector on


def test_collect_all_frees_a_frozen_cycle_that_a_plain_collection_keeps(clean_heap):
    freezer = heap.SurvivorFreezer(full_every_seconds=3600.0).install()
    try:
        node, alive = cycle()
        gc.collect()  # survives, frozen after
        del node
        gc.collect()
        assert alive() is not None  # frozen garbage: a plain full collection does not walk it
        heap.collect_all()
        assert alive() is None
        assert gc.get_freeze_count() > 0  # the freezer froze the survivors again
    finally:
        freezer.uninstall()
