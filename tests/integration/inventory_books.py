"""Helpers the inventory tests share: routed orders, and the books every scenario must balance."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable

from shared.aws import dynamo, reservation_records
from shared.aws.stores import inventory_store, order_store
from shared.inventory import ReservationState
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry, transition_entry
from shared.orders import OrderIn
from shared.routing import PlannedLine, RoutingPlan, Shipment
from shared.usecases.sync_stock import apply_snapshot

_counter = iter(range(1, 1_000_000))


def routed_order(lines: list[tuple[str, str, int]]) -> str:
    """An order already ROUTED to the given (warehouse, sku, quantity) lines."""
    n = next(_counter)
    order = OrderIn.model_validate(
        {
            "channel": "own_shop",
            "external_id": f"INV-{n}-{random.random()}",
            "buyer": {"buyer_id": f"C-{n}"},
            "lines": [{"sku": sku, "quantity": q, "unit_price": "10.00"} for _, sku, q in lines],
            "placed_at": "2026-11-11T00:00:00+08:00",
        }
    )
    store = order_store()
    stored, _ = store.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="test", actor=Actor(kind=ActorKind.CHANNEL, name="test")))
    stored = store.transition(stored, OrderStatus.APPROVED, transition_entry(stored.status, OrderStatus.APPROVED, Actor.system("test")))
    by_warehouse: dict[str, list[PlannedLine]] = {}
    for warehouse, sku, q in lines:
        by_warehouse.setdefault(warehouse, []).append(PlannedLine(sku=sku, quantity=q))
    plan = RoutingPlan(strategy="test", shipments=[Shipment(warehouse_id=w, distance_km=1.0, lines=l) for w, l in by_warehouse.items()])
    store.transition(stored, OrderStatus.ROUTED, transition_entry(stored.status, OrderStatus.ROUTED, Actor.system("test")), set_fields={"plan": plan.model_dump(mode="json")})
    return stored.order_id


def race(order_ids: list[str], reserve_one: Callable[[str], None]) -> None:
    """Runs `reserve_one(order_id)` on a thread per order, all let go at the same moment."""
    barrier = threading.Barrier(len(order_ids))

    def client(order_id: str) -> None:
        barrier.wait()
        reserve_one(order_id)

    threads = [threading.Thread(target=client, args=(o,)) for o in order_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def units_won(won: Iterable[str], refused: Iterable[str]) -> Counter[tuple[str, str]]:
    """Checks every winner is RESERVED and every refused order still ROUTED and holding nothing;
    returns the units the winners' reservation lines hold per (sku, warehouse)."""
    store = inventory_store()
    demanded: Counter[tuple[str, str]] = Counter()
    for order_id in won:
        assert order_store().load(order_id).status == OrderStatus.RESERVED
        for line in store.reservations(order_id):
            demanded[(line.sku, line.warehouse_id)] += line.quantity
    for order_id in refused:
        assert order_store().load(order_id).status == OrderStatus.ROUTED
        assert store.reservations(order_id) == []  # a refused order holds nothing
    return demanded


def assert_books_balance(skus_and_warehouses: list[tuple[str, str]]) -> None:
    """For every stock item (a warehouse's single record, or each of its buckets): the stored
    `available` is on_hand − reserved − safety_stock, `reserved` is exactly the units the HELD
    reservation lines hold in that item, and nothing is oversold (available ≥ 0)."""
    held: Counter[tuple[str, str, int | None]] = Counter()
    for line in (line for item in query_partition_all_reservations() for line in reservation_records.lines_of(item)):
        if line.state == ReservationState.HELD:
            shares = [(a.bucket, a.quantity) for a in line.allocations] if line.allocations else [(None, line.quantity)]
            for bucket, quantity in shares:
                held[(line.sku, line.warehouse_id, bucket)] += quantity
    store = inventory_store()
    for sku, warehouse in skus_and_warehouses:
        stock = store.warehouse_stock(sku, warehouse)
        assert stock.exists, f"{sku}@{warehouse}: no stock"
        assert not (stock.bucketed and stock.record), f"{sku}@{warehouse}: a single item next to buckets"
        items = stock.buckets or [stock.record]
        for record in items:
            bucket = getattr(record, "bucket", None)
            where = f"{sku}@{warehouse}" + ("" if bucket is None else f"#b{bucket}")
            assert store.stored_available(sku, warehouse, bucket) == record.available, f"{where}: stored available drifted"
            assert record.on_hand == record.available + record.reserved + record.safety_stock
            assert record.reserved == held[(sku, warehouse, bucket)], f"{where}: reserved {record.reserved} ≠ held lines {held[(sku, warehouse, bucket)]}"
            assert record.available >= 0, f"{where} oversold by {-record.available}"
        present = {getattr(record, "bucket", None) for record in items}
        orphans = {bucket for (s, w, bucket), units in held.items() if (s, w) == (sku, warehouse) and units} - present
        assert not orphans, f"{sku}@{warehouse}: HELD lines hold units in stock items that do not exist: {orphans}"


def query_partition_all_reservations() -> list[dict]:
    store = inventory_store()
    items = store.db.scan(TableName=store.table)["Items"]
    return [dynamo.from_item(i) for i in items if i["pk"]["S"].startswith("RESERVATION#")]


def count_lands_after_the_read(monkeypatch, store, snapshot) -> None:
    """The race of a movement and a count: the store's next stock read returns the stock as it was
    before `snapshot` was applied (what a movement read just before the count landed); later reads
    are fresh."""
    stale = [store.warehouse_stock(snapshot.sku, snapshot.warehouse_id)]
    assert apply_snapshot(snapshot, store) == "applied"
    fresh = store.warehouse_stock
    monkeypatch.setattr(store, "warehouse_stock", lambda sku, warehouse_id, **kw: stale.pop() if stale else fresh(sku, warehouse_id, **kw))
