"""The inventory store's per-container caches (warehouses for a minute, the day's package counts
for a few seconds) are read once by calls that find them stale together: threads sharing the
store (the local runtime's concurrent invocations) wait for one read and take it (decision 244)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.aws import inventory_store
from shared.aws.inventory_store import PACKAGE_SHARDS, InventoryStore

CALLERS = 8


class SlowTable:
    """Answers each Query after a pause (the window in which other callers find the cache stale),
    counting the partitions read."""

    def __init__(self) -> None:
        self.reads: list[str] = []
        self._lock = threading.Lock()

    def query(self, **kwargs):
        pk = kwargs["ExpressionAttributeValues"][":pk"]["S"]
        with self._lock:
            self.reads.append(pk)
        time.sleep(0.002)
        if pk.startswith("PACKAGES#"):
            return {"Items": [{"pk": {"S": pk}, "sk": {"S": "WH-SH"}, "packages": {"N": "2"}}]}
        return {"Items": [{"pk": {"S": "WAREHOUSE"}, "sk": {"S": "WH-SH"}, "warehouse_id": {"S": "WH-SH"}, "province": {"S": "上海"}}]}


def _together(call):
    """`call` from CALLERS threads released at the same moment; their answers."""
    start = threading.Barrier(CALLERS)

    def one(_):
        start.wait()
        return call()

    with ThreadPoolExecutor(CALLERS) as pool:
        return list(pool.map(one, range(CALLERS)))


def test_callers_that_find_the_package_counts_stale_together_share_one_read():
    table = SlowTable()
    store = InventoryStore("inventory", table)
    answers = _together(lambda: store.packages_on("2026-11-11"))
    assert len(table.reads) == PACKAGE_SHARDS  # one read of the day's shards, not one per caller
    assert all(answer == {"WH-SH": 2 * PACKAGE_SHARDS} for answer in answers)


def test_a_stale_count_is_read_again_and_another_day_is_not_taken_for_it(monkeypatch):
    table = SlowTable()
    store = InventoryStore("inventory", table)
    store.packages_on("2026-11-11")
    store.packages_on("2026-11-11")
    assert len(table.reads) == PACKAGE_SHARDS  # cached
    store.packages_on("2026-11-12")
    assert len(table.reads) == 2 * PACKAGE_SHARDS  # another day: its own read
    monkeypatch.setattr(inventory_store, "PACKAGE_CACHE_SECONDS", 0.0)
    store.packages_on("2026-11-12")
    assert len(table.reads) == 3 * PACKAGE_SHARDS  # stale: read again


def test_callers_that_find_the_warehouses_stale_together_share_one_read(monkeypatch):
    parsed = []
    monkeypatch.setattr("shared.routing.config.parse_warehouse", lambda item: parsed.append(item) or item["warehouse_id"])
    table = SlowTable()
    store = InventoryStore("inventory", table)
    answers = _together(store.warehouses)
    assert table.reads == ["WAREHOUSE"] and len(parsed) == 1
    assert answers == [["WH-SH"]] * CALLERS


def test_a_failed_read_leaves_the_next_caller_to_read():
    table = SlowTable()
    real_query = table.query

    def failing(**kwargs):
        if not table.reads:
            table.reads.append("failed")
            raise RuntimeError("throttled")
        return real_query(**kwargs)

    table.query = failing
    store = InventoryStore("inventory", table)
    with pytest.raises(RuntimeError):
        store.packages_on("2026-11-11")
    assert store.packages_on("2026-11-11") == {"WH-SH": 2 * PACKAGE_SHARDS}
