"""Inventory reservation on moto: racing clients, crashes, release, commit and stock sync.

The invariant checked after every scenario (tests/integration/inventory_books.py): for each stock
record, on_hand = available + reserved + safety_stock, `reserved` equals the sum of the HELD
reservation lines, and no successful reservation is missing from it (oversell is exactly 0)."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest

from shared.aws import stock_counts
from shared.aws.stores import inventory_store, order_store
from shared.clock import iso, utc_now
from shared.errors import StockShortage, UnknownWarehouse
from shared.inventory import LINES_WITH_ORDER, ReservationState, StockDelta, StockRecord, StockSnapshot, warehouse_instant
from shared.lifecycle import OrderStatus
from shared.routing.model import Warehouse
from shared.usecases import reserve_stock as reserve_module
from shared.usecases.reserve_stock import reserve_stock
from shared.usecases.settle_reservations import commit_shipment, release_reservation
from shared.usecases.sweep_reservations import sweep_expired_reservations
from shared.usecases.sync_stock import apply_delta, apply_snapshot
from tests.integration.inventory_books import assert_books_balance, count_lands_after_the_read, race, routed_order, units_won


def test_forty_threads_racing_for_scarce_stock_never_oversell(aws):
    store = inventory_store()
    stock = {("HOT-1", "WH-A"): 25, ("HOT-1", "WH-B"): 10, ("HOT-2", "WH-A"): 15}
    for (sku, warehouse), on_hand in stock.items():
        store.put_stock(StockRecord(sku=sku, warehouse_id=warehouse, on_hand=on_hand + 2, safety_stock=2))
    rng = random.Random(7)
    requests = [
        [(rng.choice(["WH-A", "WH-B"]), "HOT-1", rng.randint(1, 3))] + ([("WH-A", "HOT-2", rng.randint(1, 2))] if rng.random() < 0.5 else [])
        for _ in range(40)
    ]
    order_ids = [routed_order(lines) for lines in requests]
    won, short = [], []

    def client(order_id: str) -> None:
        try:
            reserve_stock(order_id, order_store(), store)
            won.append(order_id)
        except StockShortage:
            short.append(order_id)

    race(order_ids, client)
    assert len(won) + len(short) == 40 and won and short  # scarce: some win, some are refused
    demanded = units_won(won, short)
    for key, initial in stock.items():
        assert demanded[key] <= initial  # oversell exactly 0
        assert store.stock_record(*key).reserved == demanded[key]  # every success accounted for
    assert_books_balance(list(stock))


def test_crash_between_reserving_and_recording_leaves_nothing_after_the_sweeper(aws, monkeypatch):
    store = inventory_store()
    skus = [f"BULK-{i:03d}" for i in range(LINES_WITH_ORDER + 11)]  # too many lines for one transaction
    for sku in skus:
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-A", on_hand=10))
    order_id = routed_order([("WH-A", sku, 1) for sku in skus])
    real_transact = reserve_module.transact_write

    def crash_on_recording(db, items):
        if all("RESERVATION#" not in str(item) for item in items):  # the order's own status change, after the stock chunks
            raise ConnectionError("function timed out")
        return real_transact(db, items)

    with monkeypatch.context() as patched, pytest.raises(ConnectionError):
        patched.setattr(reserve_module, "transact_write", crash_on_recording)
        reserve_stock(order_id, order_store(), store)
    assert store.stock_record(skus[0], "WH-A").reserved == 1  # the chunks are held ...
    assert order_store().load(order_id).status == OrderStatus.ROUTED  # ... by nobody

    assert sweep_expired_reservations(order_store(), store).released_lines == 0  # not expired yet
    later = iso(utc_now() + timedelta(minutes=16))
    report = sweep_expired_reservations(order_store(), store, now=later)
    assert report.released_lines == len(skus) and report.orders == [order_id]
    assert all(store.stock_record(sku, "WH-A").reserved == 0 for sku in skus)
    assert_books_balance([(sku, "WH-A") for sku in skus])
    from shared.writeback.aws.store import channel_sync_store  # the expired holds' stock reaches the channels (decision 125)

    assert set(skus) <= {item["sk"] for item in channel_sync_store().changed()}


def test_large_order_reserves_in_chunks_and_shortage_gives_earlier_chunks_back(aws):
    store = inventory_store()
    skus = [f"BIG-{i:03d}" for i in range(LINES_WITH_ORDER + 11)]  # too many lines for one transaction
    for sku in skus:
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-A", on_hand=5))
    store.put_stock(StockRecord(sku=skus[-1], warehouse_id="WH-A", on_hand=0))  # the last chunk runs short
    short_order = routed_order([("WH-A", sku, 2) for sku in skus])
    with pytest.raises(StockShortage) as shortage:
        reserve_stock(short_order, order_store(), store)
    assert [l["sku"] for l in shortage.value.short_lines] == [skus[-1]]
    assert all(store.stock_record(sku, "WH-A").reserved == 0 for sku in skus)

    store.put_stock(StockRecord(sku=skus[-1], warehouse_id="WH-A", on_hand=5))
    reserve_stock(short_order, order_store(), store)
    assert order_store().load(short_order).status == OrderStatus.RESERVED
    assert sweep_expired_reservations(order_store(), store, now=iso(utc_now() + timedelta(hours=1))).expired_lines == 0  # owned: not in the expiry index
    assert_books_balance([(sku, "WH-A") for sku in skus])


def test_release_is_idempotent_even_when_two_callers_race(aws):
    store = inventory_store()
    store.put_stock(StockRecord(sku="REL-1", warehouse_id="WH-A", on_hand=10))
    order_id = routed_order([("WH-A", "REL-1", 4)])
    reserve_stock(order_id, order_store(), store)
    results = []
    threads = [threading.Thread(target=lambda: results.append(release_reservation(order_id, "cancelled", store))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert release_reservation(order_id, "cancelled", store) == []
    record = store.stock_record("REL-1", "WH-A")
    assert (record.on_hand, record.reserved, record.available) == (10, 0, 10)
    [line] = store.reservations(order_id)
    assert (line.state, line.released_reason) == (ReservationState.RELEASED, "cancelled")
    assert_books_balance([("REL-1", "WH-A")])


def test_shipment_commits_on_hand_and_reserved_together_once(aws):
    store = inventory_store()
    store.put_stock(StockRecord(sku="SHIP-1", warehouse_id="WH-A", on_hand=10, safety_stock=1))
    store.put_stock(StockRecord(sku="SHIP-1", warehouse_id="WH-B", on_hand=10))
    order_id = routed_order([("WH-A", "SHIP-1", 3), ("WH-B", "SHIP-1", 2)])
    reserve_stock(order_id, order_store(), store)
    assert [l.quantity for l in commit_shipment(order_id, "WH-A", store)] == [3]
    assert commit_shipment(order_id, "WH-A", store) == []
    a, b = store.stock_record("SHIP-1", "WH-A"), store.stock_record("SHIP-1", "WH-B")
    assert (a.on_hand, a.reserved, a.available) == (7, 0, 6)
    assert (b.on_hand, b.reserved) == (10, 2)  # the other parcel has not left yet
    assert_books_balance([("SHIP-1", "WH-A"), ("SHIP-1", "WH-B")])


def set_up_warehouse(store, warehouse_id: str = "WH-A") -> None:
    store.put_warehouse(Warehouse(warehouse_id=warehouse_id, name="上海仓", province="上海", city="上海市", lat=31.23, lon=121.47))


def test_snapshot_keeps_reservations_made_in_between_and_ignores_older_counts(aws):
    store = inventory_store()
    set_up_warehouse(store)
    store.put_stock(StockRecord(sku="SYNC-1", warehouse_id="WH-A", on_hand=20, safety_stock=2))
    order_id = routed_order([("WH-A", "SYNC-1", 5)])
    reserve_stock(order_id, order_store(), store)  # reserved after the WMS counted, before we apply
    assert apply_snapshot(StockSnapshot(sku="SYNC-1", warehouse_id="WH-A", on_hand=30, as_of="2026-11-11T10:00:00Z"), store) == "applied"
    record = store.stock_record("SYNC-1", "WH-A")
    assert (record.on_hand, record.reserved, record.available) == (30, 5, 23)
    assert apply_snapshot(StockSnapshot(sku="SYNC-1", warehouse_id="WH-A", on_hand=1, as_of="2026-11-11T09:00:00Z"), store) == "stale"
    assert store.stock_record("SYNC-1", "WH-A").on_hand == 30
    assert apply_snapshot(StockSnapshot(sku="NEW-1", warehouse_id="WH-A", on_hand=7, as_of="2026-11-11T10:00:00Z"), store) == "created"
    assert_books_balance([("SYNC-1", "WH-A"), ("NEW-1", "WH-A")])


def test_movements_apply_once_and_never_below_zero(aws):
    store = inventory_store()
    set_up_warehouse(store)
    store.put_stock(StockRecord(sku="MOV-1", warehouse_id="WH-A", on_hand=5))
    receipt = StockDelta(delta_id="GRN-001", sku="MOV-1", warehouse_id="WH-A", change=12, reason="goods received")
    assert apply_delta(receipt, store) == "applied"
    assert apply_delta(receipt, store) == "duplicate"
    assert apply_delta(StockDelta(delta_id="ADJ-9", sku="MOV-1", warehouse_id="WH-A", change=-50), store) == "refused"
    assert apply_delta(StockDelta(delta_id="GRN-NEW", sku="MOV-2", warehouse_id="WH-A", change=3), store) == "applied"
    assert store.stock_record("MOV-1", "WH-A").on_hand == 17
    assert store.stock_record("MOV-2", "WH-A").available == 3
    assert_books_balance([("MOV-1", "WH-A"), ("MOV-2", "WH-A")])


def test_a_count_or_movement_for_a_warehouse_oms_does_not_have_is_not_applied(aws):
    """A WMS typo in a warehouse id would book stock where routing never looks: refused (the stock
    queue retries it, then its DLQ keeps it for a person), nothing written, not even the marker."""
    store = inventory_store()
    set_up_warehouse(store)
    with pytest.raises(UnknownWarehouse, match="'WH-NOWHERE' is not one of oms's warehouses"):
        apply_delta(StockDelta(delta_id="GRN-TYPO", sku="MOV-9", warehouse_id="WH-NOWHERE", change=7), store)
    with pytest.raises(UnknownWarehouse):
        apply_snapshot(StockSnapshot(sku="MOV-9", warehouse_id="WH-NOWHERE", on_hand=7, as_of="2026-11-11T10:00:00Z"), store)
    assert store.warehouse_stock("MOV-9", "WH-NOWHERE").exists is False
    assert store.item("STOCKDELTA#GRN-TYPO", "APPLIED") is None  # a redrive after the fix applies it
    assert apply_delta(StockDelta(delta_id="GRN-NEW-SKU", sku="MOV-9", warehouse_id="WH-A", change=7), store) == "applied"  # a new SKU in a known warehouse is received


def test_a_movement_the_applied_count_already_holds_is_recorded_not_applied_again(aws):
    """Counts and movements come on a standard queue, in any order: a receipt that reaches oms
    after the count that included it would otherwise add its units twice (sold twice)."""
    store = inventory_store()
    store.put_stock(StockRecord(sku="ORD-1", warehouse_id="WH-A", on_hand=5))
    assert apply_snapshot(StockSnapshot(sku="ORD-1", warehouse_id="WH-A", on_hand=17, as_of="2026-11-11T10:00:00Z"), store) == "applied"
    receipt = StockDelta(delta_id="GRN-7", sku="ORD-1", warehouse_id="WH-A", change=12, occurred_at="2026-11-11T17:58:00+08:00")
    assert apply_delta(receipt, store) == "counted"  # 09:58 UTC: the 10:00 count holds its 12 units
    assert apply_delta(receipt, store) == "counted"
    assert store.stock_record("ORD-1", "WH-A").on_hand == 17
    assert stock_counts.movement_applied(store, "GRN-7")
    later = StockDelta(delta_id="ADJ-8", sku="ORD-1", warehouse_id="WH-A", change=-2, occurred_at="2026-11-11T10:00:00.5Z")
    assert apply_delta(later, store) == "applied"  # half a second after the count: not in it
    assert apply_delta(StockDelta(delta_id="GRN-9", sku="ORD-1", warehouse_id="WH-A", change=4), store) == "applied"  # no time: applied
    assert store.stock_record("ORD-1", "WH-A").on_hand == 19
    assert_books_balance([("ORD-1", "WH-A")])


def test_a_movement_read_before_a_count_that_holds_it_is_not_applied_on_top(aws, monkeypatch):
    """The race: the movement reads the stock (no count yet), the count is applied, then the
    movement writes. Its write is conditioned on the count being older, so it looks again."""
    store = inventory_store()
    store.put_stock(StockRecord(sku="ORD-2", warehouse_id="WH-A", on_hand=5, safety_stock=1))
    count_lands_after_the_read(monkeypatch, store, StockSnapshot(sku="ORD-2", warehouse_id="WH-A", on_hand=20, as_of="2026-11-11T10:00:00Z"))
    receipt = StockDelta(delta_id="GRN-10", sku="ORD-2", warehouse_id="WH-A", change=15, occurred_at="2026-11-11T09:30:00Z")
    assert apply_delta(receipt, store) == "counted"
    record = store.stock_record("ORD-2", "WH-A")
    assert (record.on_hand, record.available) == (20, 19)
    assert_books_balance([("ORD-2", "WH-A")])


def test_count_times_compare_as_instants_whatever_their_offset_or_precision(aws):
    store = inventory_store()
    store.put_stock(StockRecord(sku="ORD-3", warehouse_id="WH-A", on_hand=5))
    assert apply_snapshot(StockSnapshot(sku="ORD-3", warehouse_id="WH-A", on_hand=10, as_of="2026-11-11T10:00:00.5Z"), store) == "applied"
    # As text both sort after "…10:00:00.5Z"; as instants neither is newer.
    assert apply_snapshot(StockSnapshot(sku="ORD-3", warehouse_id="WH-A", on_hand=1, as_of="2026-11-11T10:00:00Z"), store) == "stale"
    assert apply_snapshot(StockSnapshot(sku="ORD-3", warehouse_id="WH-A", on_hand=2, as_of="2026-11-11T18:00:00+08:00"), store) == "stale"
    assert apply_snapshot(StockSnapshot(sku="ORD-3", warehouse_id="WH-A", on_hand=12, as_of="2026-11-11T18:00:01+08:00"), store) == "applied"
    assert store.stock_record("ORD-3", "WH-A").on_hand == 12
    with pytest.raises(ValueError, match="not an ISO-8601 time"):
        StockSnapshot(sku="ORD-3", warehouse_id="WH-A", on_hand=1, as_of="yesterday")


def test_a_warehouse_time_without_an_offset_is_china_time(aws):
    """Chinese WMSs and ERPs write local Beijing time without an offset. Read as UTC, a receipt
    the 18:00 count holds ("17:58") would look 8 hours after a count sent with its offset and be
    added on top of it (units sold twice), and a damage after a count sent without an offset
    would be recorded as counted (units that are gone stay on sale)."""
    assert warehouse_instant("2026-11-11 18:00:00") == "2026-11-11T10:00:00.000000Z"
    assert warehouse_instant("2026-11-11T18:00:00.25") == warehouse_instant("2026-11-11T10:00:00.25Z")
    store = inventory_store()
    store.put_stock(StockRecord(sku="CST-1", warehouse_id="WH-A", on_hand=5))
    assert apply_snapshot(StockSnapshot(sku="CST-1", warehouse_id="WH-A", on_hand=17, as_of="2026-11-11T10:00:00Z"), store) == "applied"
    receipt = StockDelta(delta_id="GRN-CST", sku="CST-1", warehouse_id="WH-A", change=12, occurred_at="2026-11-11 17:58:00")
    assert apply_delta(receipt, store) == "counted"  # 09:58 UTC: the count holds its 12 units
    assert store.stock_record("CST-1", "WH-A").on_hand == 17
    store.put_stock(StockRecord(sku="CST-2", warehouse_id="WH-A", on_hand=5))
    assert apply_snapshot(StockSnapshot(sku="CST-2", warehouse_id="WH-A", on_hand=10, as_of="2026-11-11 18:00:00"), store) == "applied"
    damage = StockDelta(delta_id="DMG-CST", sku="CST-2", warehouse_id="WH-A", change=-3, occurred_at="2026-11-11T12:00:00Z")
    assert apply_delta(damage, store) == "applied"  # 20:00 China time: after the 18:00 count
    assert store.stock_record("CST-2", "WH-A").on_hand == 7
    assert apply_snapshot(StockSnapshot(sku="CST-2", warehouse_id="WH-A", on_hand=9, as_of="2026-11-11 17:59:59"), store) == "stale"
    # An ERP's empty date (.NET's DateTime.MinValue) is before year 1 in UTC: refused as bad input.
    with pytest.raises(ValueError, match="not a time in range"):
        StockDelta(delta_id="DMG-MIN", sku="CST-2", warehouse_id="WH-A", change=-1, occurred_at="0001-01-01 00:00:00")
    assert_books_balance([("CST-1", "WH-A"), ("CST-2", "WH-A")])


def test_a_count_time_stored_as_sent_before_is_compared_as_an_instant(aws):
    """Before decision 251 `as_of` was stored as sent: "18:00+08:00" (10:00 UTC) sorts after any
    fixed-width UTC text of that day. It is rewritten to that form before it is compared."""
    store = inventory_store()
    store.put_stock(StockRecord(sku="ORD-4", warehouse_id="WH-A", on_hand=20))
    store.db.update_item(
        TableName=store.table, Key={"pk": {"S": "STOCK#ORD-4"}, "sk": {"S": "WH-A"}},
        UpdateExpression="SET as_of = :t", ExpressionAttributeValues={":t": {"S": "2026-11-11T18:00:00+08:00"}},
    )  # fmt: skip
    damage = StockDelta(delta_id="DMG-4", sku="ORD-4", warehouse_id="WH-A", change=-5, occurred_at="2026-11-11T18:30:00+08:00")
    assert apply_delta(damage, store) == "applied"  # 10:30 UTC: after the 10:00 count
    assert store.warehouse_stock("ORD-4", "WH-A").as_of == "2026-11-11T10:00:00.000000Z"
    assert apply_snapshot(StockSnapshot(sku="ORD-4", warehouse_id="WH-A", on_hand=14, as_of="2026-11-11T11:00:00Z"), store) == "applied"
    assert store.stock_record("ORD-4", "WH-A").on_hand == 14
    assert apply_delta(damage, store) == "duplicate"


def test_a_repeat_of_a_counted_movement_is_counted_again(aws):
    store = inventory_store()
    store.put_stock(StockRecord(sku="ORD-5", warehouse_id="WH-A", on_hand=5))
    assert apply_snapshot(StockSnapshot(sku="ORD-5", warehouse_id="WH-A", on_hand=9, as_of="2026-11-11T10:00:00Z"), store) == "applied"
    receipt = StockDelta(delta_id="GRN-5", sku="ORD-5", warehouse_id="WH-A", change=4, occurred_at="2026-11-11T09:00:00Z")
    assert [apply_delta(receipt, store), apply_delta(receipt, store)] == ["counted", "counted"]  # no restock signal for either
    assert store.stock_record("ORD-5", "WH-A").on_hand == 9
