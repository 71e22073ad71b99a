"""A hot SKU's stock split into buckets, on moto: racing clients, the layout change and its
refusals, release/commit, the sweeper, counts, movements and routing on bucketed stock.

Every scenario ends with the books balanced per bucket (tests/integration/inventory_books.py)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest

from shared.aws.inventory_store import InventoryStore
from shared.aws.stores import inventory_store, order_store
from shared.clock import iso, utc_now
from shared.errors import StockLayoutRefused, StockShortage, StoreUnavailable
from shared.inventory import LINES_WITH_ORDER, ReservationLine, StockDelta, StockRecord, StockSnapshot
from shared.lifecycle import OrderStatus
from shared.usecases import stock_allocation
from shared.stock_buckets import merge_buckets, split_into_buckets
from shared.usecases.bucket_stock import merge_stock_buckets, split_into_stock_buckets
from shared.usecases.reserve_stock import reserve_stock
from shared.usecases.settle_reservations import commit_shipment, release_reservation
from shared.usecases.stock_allocation import reserve_lines
from shared.usecases.sweep_reservations import sweep_expired_reservations
from shared.usecases.sync_stock import apply_delta, apply_snapshot
from tests.integration.inventory_books import assert_books_balance, count_lands_after_the_read, race, routed_order, units_won



def bucketed(sku: str, on_hand: int, buckets: int, safety_stock: int = 0, warehouse: str = "WH-A") -> InventoryStore:
    store = inventory_store()
    store.put_stock(StockRecord(sku=sku, warehouse_id=warehouse, on_hand=on_hand, safety_stock=safety_stock))
    assert split_into_stock_buckets(sku, warehouse, buckets, store).changed
    return store


def bucket_figures(sku: str, warehouse: str = "WH-A") -> list[tuple[int, int, int]]:
    """(on_hand, reserved, available) per bucket."""
    return [(b.on_hand, b.reserved, b.available) for b in inventory_store().warehouse_stock(sku, warehouse).buckets]


def test_forty_threads_racing_for_a_bucketed_hot_sku_never_oversell_nor_refuse_while_stock_covers(aws, monkeypatch):
    store = bucketed("HOT-B", on_hand=42, safety_stock=2, buckets=4)  # 40 available, 10 per bucket
    store.put_stock(StockRecord(sku="COLD-1", warehouse_id="WH-A", on_hand=8))  # unbucketed, in some orders
    rng = random.Random(11)
    requests = [[("WH-A", "HOT-B", rng.randint(1, 3))] + ([("WH-A", "COLD-1", 1)] if rng.random() < 0.3 else []) for _ in range(40)]
    order_ids = [routed_order(lines) for lines in requests]
    attempts, first_wave = Counter(), threading.Barrier(len(order_ids))
    real_reserve_items = InventoryStore.reserve_items

    def stale_then_counted(self, lines, *, expires, group=None):
        attempts[lines[0].order_id] += 1
        if attempts[lines[0].order_id] == 1:
            # Every client reads the buckets before any writes: on moto the lock makes stale
            # figures rare; on DynamoDB, with eventually consistent reads, they are the rule.
            first_wave.wait(timeout=60)
        return real_reserve_items(self, lines, expires=expires, group=group)

    monkeypatch.setattr(InventoryStore, "reserve_items", stale_then_counted)
    spread_start = stock_allocation.start_bucket  # the first wave all goes for bucket 0: the worst spread
    monkeypatch.setattr(stock_allocation, "start_bucket", lambda order_id, sku, attempt, n: spread_start(order_id, sku, attempt, n) if attempt else 0)
    won, refused = [], {}

    def client(order_id: str) -> None:
        for _ in range(3):  # the workflow retries StoreUnavailable the same way
            try:
                reserve_stock(order_id, order_store(), store)
                won.append(order_id)
                return
            except StockShortage as shortage:
                refused[order_id] = shortage.short_lines
                return
            except StoreUnavailable:
                continue

    race(order_ids, client)
    assert len(won) + len(refused) == 40 and won and refused  # scarce: some win, some are refused
    demanded = units_won(won, refused)
    assert all(sum(a.quantity for a in line.allocations) == line.quantity for o in won for line in store.reservations(o) if line.sku == "HOT-B")
    hot, cold = store.stock_record("HOT-B", "WH-A"), store.stock_record("COLD-1", "WH-A")
    assert demanded[("HOT-B", "WH-A")] <= 40 and demanded[("COLD-1", "WH-A")] <= 8  # oversell exactly 0
    assert (hot.reserved, cold.reserved) == (demanded[("HOT-B", "WH-A")], demanded[("COLD-1", "WH-A")])  # every success accounted for
    # No false shortage. Stock only falls during the race, so a refusal is genuine when the total
    # available of each line it names, read at the refusal, is below the line's quantity; and
    # the total left at the end, never more than at the refusal, must be below it too.
    left = {"HOT-B": hot.available, "COLD-1": cold.available}
    for order_id, short_lines in refused.items():
        assert short_lines, f"{order_id} refused without naming a line"
        for short in short_lines:
            assert short["available"] < short["quantity"], f"{order_id} refused while {short}"
            assert left[short["sku"]] <= short["available"]  # a figure really read during the race
    assert max(attempts.values()) > 1  # bucket 0 ran dry under most of the wave: they read again and retried
    assert_books_balance([("HOT-B", "WH-A"), ("COLD-1", "WH-A")])


def test_split_and_merge_are_refused_while_reservations_are_held_and_are_idempotent(aws):
    store = inventory_store()
    store.put_stock(StockRecord(sku="HOT-S", warehouse_id="WH-A", on_hand=20))
    early = routed_order([("WH-A", "HOT-S", 3)])
    reserve_stock(early, order_store(), store)
    with pytest.raises(StockLayoutRefused, match="3 units are held by reservations; split once they are released or shipped"):
        split_into_stock_buckets("HOT-S", "WH-A", 4, store)
    with pytest.raises(StockLayoutRefused, match="no stock is recorded"):
        split_into_stock_buckets("NOTHING", "WH-A", 4, store)
    with pytest.raises(StockLayoutRefused, match="no stock is recorded"):  # a merge of a typo no longer answers "unchanged"
        merge_stock_buckets("NOTHING", "WH-A", store)
    with pytest.raises(StockLayoutRefused, match="no stock is recorded"):
        merge_stock_buckets("HOT-S", "WH-TYPO", store)
    with pytest.raises(StockLayoutRefused, match="2 to 32 buckets"):
        split_into_stock_buckets("HOT-S", "WH-A", 1, store)
    release_reservation(early, "cancelled", store)

    assert split_into_stock_buckets("HOT-S", "WH-A", 4, store).changed
    assert not split_into_stock_buckets("HOT-S", "WH-A", 4, store).changed  # a repeated command
    with pytest.raises(StockLayoutRefused, match="already split into 4 buckets"):
        split_into_stock_buckets("HOT-S", "WH-A", 8, store)
    during = routed_order([("WH-A", "HOT-S", 2)])
    reserve_stock(during, order_store(), store)
    with pytest.raises(StockLayoutRefused, match="2 units are held by reservations; merge"):
        merge_stock_buckets("HOT-S", "WH-A", store)
    assert_books_balance([("HOT-S", "WH-A")])
    release_reservation(during, "cancelled", store)
    assert merge_stock_buckets("HOT-S", "WH-A", store).changed
    assert not merge_stock_buckets("HOT-S", "WH-A", store).changed
    assert store.stock_record("HOT-S", "WH-A") == StockRecord(sku="HOT-S", warehouse_id="WH-A", on_hand=20)
    assert_books_balance([("HOT-S", "WH-A")])


def test_split_reserve_commit_release_merge_round_trip(aws):
    store = bucketed("TRIP-1", on_hand=22, safety_stock=2, buckets=4)
    assert bucket_figures("TRIP-1") == [(7, 0, 5), (5, 0, 5), (5, 0, 5), (5, 0, 5)]  # safety stays on bucket 0
    big = routed_order([("WH-A", "TRIP-1", 12)])  # no bucket holds 12: the line spans three
    small = routed_order([("WH-A", "TRIP-1", 3)])
    reserve_stock(big, order_store(), store)
    reserve_stock(small, order_store(), store)
    [big_line] = store.reservations(big)
    [small_line] = store.reservations(small)
    assert sorted(a.quantity for a in big_line.allocations) == [2, 5, 5] and len(small_line.allocations) == 1
    assert_books_balance([("TRIP-1", "WH-A")])

    assert [line.quantity for line in commit_shipment(big, "WH-A", store)] == [12]
    assert commit_shipment(big, "WH-A", store) == []
    assert release_reservation(small, "cancelled", store) and release_reservation(small, "cancelled", store) == []
    total = store.stock_record("TRIP-1", "WH-A")
    assert (total.on_hand, total.reserved, total.available) == (10, 0, 8)
    assert_books_balance([("TRIP-1", "WH-A")])

    ops = InventoryStore()  # another container: this one still thinks the stock bucketed
    assert merge_stock_buckets("TRIP-1", "WH-A", ops).changed
    assert ops.warehouse_stock("TRIP-1", "WH-A").record == StockRecord(sku="TRIP-1", warehouse_id="WH-A", on_hand=10, safety_stock=2)
    again = routed_order([("WH-A", "TRIP-1", 8)])
    reserve_stock(again, order_store(), store)
    assert store.reservations(again)[0].allocations is None
    assert_books_balance([("TRIP-1", "WH-A")])


def test_a_layout_changed_by_another_container_costs_a_retry_never_a_shortage(aws):
    store = inventory_store()
    store.put_stock(StockRecord(sku="STALE-1", warehouse_id="WH-A", on_hand=10))
    assert [level.available for level in store.stock_levels(["STALE-1"])] == [10]  # seen unbucketed
    split_into_stock_buckets("STALE-1", "WH-A", 2, InventoryStore())  # ops, elsewhere
    order_id = routed_order([("WH-A", "STALE-1", 4)])
    reserve_stock(order_id, order_store(), store)
    assert len(store.reservations(order_id)[0].allocations) == 1
    assert_books_balance([("STALE-1", "WH-A")])


def test_a_transaction_conflict_on_a_bucket_is_retried_in_place_but_not_on_unbucketed_stock(aws, monkeypatch):
    store = bucketed("CONFLICT-1", on_hand=10, buckets=2)
    store.put_stock(StockRecord(sku="PLAIN-1", warehouse_id="WH-A", on_hand=10))
    real_transact = stock_allocation.transact_write
    conflicts = iter([True, False, True])

    def conflicting_once(db, items):
        if next(conflicts, False):  # DynamoDB: another transaction touched the item meanwhile
            raise StoreUnavailable("transaction conflicted or throttled: ['TransactionConflict']")
        return real_transact(db, items)

    monkeypatch.setattr(stock_allocation, "transact_write", conflicting_once)
    hot = routed_order([("WH-A", "CONFLICT-1", 1)])
    reserve_stock(hot, order_store(), store)
    assert order_store().load(hot).status == OrderStatus.RESERVED
    with pytest.raises(StoreUnavailable):  # unbucketed: the workflow's retry decides, as before
        reserve_stock(routed_order([("WH-A", "PLAIN-1", 1)]), order_store(), store)
    assert_books_balance([("CONFLICT-1", "WH-A"), ("PLAIN-1", "WH-A")])


def test_an_order_whose_bucket_lines_overflow_one_transaction_is_chunked_and_swept_per_bucket(aws):
    store = bucketed("WIDE-1", on_hand=8, buckets=4)  # 2 per bucket: a line of 7 spans all four
    skus = [f"NARROW-{i:03d}" for i in range(LINES_WITH_ORDER - 1)]
    for sku in skus:
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-A", on_hand=3))
    order_id = routed_order([("WH-A", "WIDE-1", 7)] + [("WH-A", sku, 1) for sku in skus])  # 97 lines: the record, 96 + 4 stock items and the order's own
    reserve_stock(order_id, order_store(), store)
    assert order_store().load(order_id).status == OrderStatus.RESERVED
    wide = next(line for line in store.reservations(order_id) if line.sku == "WIDE-1")
    assert len(wide.allocations) == 4
    assert_books_balance([("WIDE-1", "WH-A")] + [(sku, "WH-A") for sku in skus])

    orphan = ReservationLine(order_id="OMS-CRASHED", warehouse_id="WH-A", sku="WIDE-1", quantity=1, created_at=iso(utc_now()), hold_expires_at=iso(utc_now()))
    assert reserve_lines(store, [orphan], expires=True)  # a crash before the order owned it
    later = iso(utc_now() + timedelta(minutes=1))
    assert sweep_expired_reservations(order_store(), store, now=later).released_lines == 1
    assert store.stock_record("WIDE-1", "WH-A").reserved == 7
    assert_books_balance([("WIDE-1", "WH-A")])


def test_a_count_on_bucketed_stock_keeps_every_reservation_even_one_racing_it(aws):
    store = bucketed("COUNT-1", on_hand=41, safety_stock=1, buckets=4)
    reserve_stock(routed_order([("WH-A", "COUNT-1", 9)]), order_store(), store)  # 10 available per bucket
    orders = [routed_order([("WH-A", "COUNT-1", 1)]) for _ in range(16)]
    barrier = threading.Barrier(len(orders) + 1)
    outcomes = []

    def reserve(order_id: str) -> None:
        barrier.wait()
        reserve_stock(order_id, order_store(), store)

    def count() -> None:
        barrier.wait()
        outcomes.append(apply_snapshot(StockSnapshot(sku="COUNT-1", warehouse_id="WH-A", on_hand=60, safety_stock=3, as_of="2026-11-11T10:00:00Z"), store))

    threads = [threading.Thread(target=reserve, args=(o,)) for o in orders] + [threading.Thread(target=count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["applied"]
    stock = store.warehouse_stock("COUNT-1", "WH-A")
    total = stock.total()
    assert (total.on_hand, total.reserved, total.safety_stock) == (60, 9 + 16, 3)
    assert [b.safety_stock for b in stock.buckets] == [3, 0, 0, 0] and stock.as_of == "2026-11-11T10:00:00.000000Z"
    assert_books_balance([("COUNT-1", "WH-A")])

    older = StockSnapshot(sku="COUNT-1", warehouse_id="WH-A", on_hand=1, as_of="2026-11-11T09:00:00Z")
    assert apply_snapshot(older, store) == "stale"
    assert store.stock_record("COUNT-1", "WH-A").on_hand == 60


def test_movements_on_bucketed_stock_refill_the_emptiest_bucket_and_take_from_those_that_hold_it(aws):
    store = bucketed("MOVE-B", on_hand=12, buckets=3)  # 4 per bucket
    reserve_stock(routed_order([("WH-A", "MOVE-B", 4)]), order_store(), store)  # empties one bucket
    emptied = next(k for k, (_, _, available) in enumerate(bucket_figures("MOVE-B")) if available == 0)
    assert apply_delta(StockDelta(delta_id="GRN-B1", sku="MOVE-B", warehouse_id="WH-A", change=5), store) == "applied"
    assert bucket_figures("MOVE-B")[emptied] == (9, 4, 5)
    assert apply_delta(StockDelta(delta_id="GRN-B1", sku="MOVE-B", warehouse_id="WH-A", change=5), store) == "duplicate"

    assert apply_delta(StockDelta(delta_id="DMG-B1", sku="MOVE-B", warehouse_id="WH-A", change=-10), store) == "applied"
    total = store.stock_record("MOVE-B", "WH-A")
    assert (total.on_hand, total.reserved, total.available) == (7, 4, 3)  # units nobody held went first
    assert_books_balance([("MOVE-B", "WH-A")])
    assert apply_delta(StockDelta(delta_id="DMG-B2", sku="MOVE-B", warehouse_id="WH-A", change=-8), store) == "refused"
    assert apply_delta(StockDelta(delta_id="DMG-B1", sku="MOVE-B", warehouse_id="WH-A", change=-10), store) == "duplicate"
    assert store.stock_record("MOVE-B", "WH-A").on_hand == 7
    assert store.warehouse_stock("MOVE-B", "WH-A").record is None  # no single item appeared next to the buckets


def test_a_movement_a_count_holds_already_is_not_applied_again_on_bucketed_stock(aws, monkeypatch):
    store = bucketed("MOVE-C", on_hand=12, buckets=3)
    count_lands_after_the_read(monkeypatch, store, StockSnapshot(sku="MOVE-C", warehouse_id="WH-A", on_hand=30, as_of="2026-11-11T10:00:00Z"))
    held = StockDelta(delta_id="GRN-C1", sku="MOVE-C", warehouse_id="WH-A", change=18, occurred_at="2026-11-11T09:59:00Z")
    assert apply_delta(held, store) == "counted"
    assert store.stock_record("MOVE-C", "WH-A").on_hand == 30
    after = StockDelta(delta_id="DMG-C1", sku="MOVE-C", warehouse_id="WH-A", change=-3, occurred_at="2026-11-11T10:01:00Z")
    assert apply_delta(after, store) == "applied"
    assert store.stock_record("MOVE-C", "WH-A").on_hand == 27
    assert_books_balance([("MOVE-C", "WH-A")])


def test_routing_sees_one_summed_level_per_bucketed_warehouse(aws):
    store = bucketed("ROUTE-B", on_hand=9, buckets=3, warehouse="WH-SH")
    store.put_stock(StockRecord(sku="ROUTE-B", warehouse_id="WH-SHX", on_hand=100))  # a lookalike id, not a bucket
    reserve_stock(routed_order([("WH-SH", "ROUTE-B", 2)]), order_store(), store)
    levels = {(level.warehouse_id, level.available) for level in store.stock_levels(["ROUTE-B"])}
    assert levels == {("WH-SH", 7), ("WH-SHX", 100)}
    assert store.warehouse_stock("ROUTE-B", "WH-SH").available == 7 and len(store.warehouse_stock("ROUTE-B", "WH-SH").buckets) == 3
    # Routing plans on these levels: 7 units at WH-SH exist only as the sum of its 3 buckets.



def test_a_split_or_merge_that_a_count_overtook_writes_nothing(aws):
    """A count that lands between the layout's read and its write, with on hand unchanged, must not
    be set back: the new items copy the time they read (decision 251)."""
    store = inventory_store()
    store.put_stock(StockRecord(sku="LAYOUT-C", warehouse_id="WH-A", on_hand=12))
    assert apply_snapshot(StockSnapshot(sku="LAYOUT-C", warehouse_id="WH-A", on_hand=12, as_of="2026-11-11T09:00:00Z"), store) == "applied"
    read = store.warehouse_stock("LAYOUT-C", "WH-A")
    assert apply_snapshot(StockSnapshot(sku="LAYOUT-C", warehouse_id="WH-A", on_hand=12, as_of="2026-11-11T10:00:00Z"), store) == "applied"
    assert not store.split_stock(read, split_into_buckets(read.record, 3))
    assert split_into_stock_buckets("LAYOUT-C", "WH-A", 3, store).changed  # read again: the 10:00 count kept
    assert store.warehouse_stock("LAYOUT-C", "WH-A").as_of == "2026-11-11T10:00:00.000000Z"
    read = store.warehouse_stock("LAYOUT-C", "WH-A")
    assert apply_snapshot(StockSnapshot(sku="LAYOUT-C", warehouse_id="WH-A", on_hand=12, as_of="2026-11-11T11:00:00Z"), store) == "applied"
    assert not store.merge_stock(read, merge_buckets(read.buckets))
    assert store.warehouse_stock("LAYOUT-C", "WH-A").as_of == "2026-11-11T11:00:00.000000Z"
