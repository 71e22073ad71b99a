"""Two deliveries of the inventory-lock step for the same large order at once (SQS and Express
workflows both allow it): every order ends RESERVED with each line held exactly once."""

from __future__ import annotations

import random
import threading
import time

from shared.aws.stores import inventory_store, order_store
from shared.errors import OrderMovedOn, ReservationInProgress, VersionConflict
from shared.inventory import ReservationState, StockRecord
from shared.lifecycle import OrderStatus
from shared.usecases.reserve_stock import reserve_stock
from tests.integration.inventory_books import assert_books_balance, routed_order

LINES = 120  # over two chunks: the claim, adoption and fencing all matter
ORDERS = 16


def deliver(order_id: str, outcomes: list[str]) -> None:
    """One delivery as the workflow runs it: ReservationInProgress and VersionConflict are retried
    with backoff and jitter, then the run ends quietly; OrderMovedOn ends it quietly at once."""
    for attempt in range(12):
        try:
            reserve_stock(order_id, order_store(), inventory_store())
            outcomes.append("reserved")
            return
        except (ReservationInProgress, VersionConflict):
            time.sleep(random.uniform(0, min(0.4, 0.02 * 2**attempt)))
        except OrderMovedOn:
            outcomes.append("moved on")
            return
    outcomes.append("gave up")


def test_two_concurrent_deliveries_of_large_orders_hold_every_line_exactly_once(aws):
    store = inventory_store()
    skus = [f"DUP-{i:03d}" for i in range(LINES)]
    for sku in skus:
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-A", on_hand=ORDERS * 3 + 5))
    rng = random.Random(11)
    orders = {routed_order([("WH-A", sku, rng.randint(1, 3)) for sku in skus]): None for _ in range(ORDERS)}
    outcomes: list[str] = []
    barrier = threading.Barrier(ORDERS * 2)

    def delivery(order_id: str) -> None:
        barrier.wait()
        deliver(order_id, outcomes)

    threads = [threading.Thread(target=delivery, args=(o,)) for o in orders for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert "gave up" not in outcomes
    for order_id in orders:
        stored = order_store().load(order_id)
        assert stored.status == OrderStatus.RESERVED
        wanted = {(line.sku, line.quantity) for shipment in stored.plan.shipments for line in shipment.lines}
        held = [line for line in store.reservations(order_id) if line.state == ReservationState.HELD]
        assert len(held) == LINES and {(line.sku, line.quantity) for line in held} == wanted
    assert_books_balance([(sku, "WH-A") for sku in skus])


def test_a_delivery_takes_over_a_lapsed_claim_and_adopts_the_lines_already_held(aws, monkeypatch):
    from shared.usecases import reserve_stock as reserve_module

    store = inventory_store()
    skus = [f"ADOPT-{i:03d}" for i in range(LINES)]
    for sku in skus:
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-A", on_hand=10))
    order_id = routed_order([("WH-A", sku, 2) for sku in skus])
    real_transact = reserve_module.transact_write

    def crash_on_recording(db, items):
        if all("RESERVATION#" not in str(item) for item in items):
            raise ConnectionError("function timed out")
        return real_transact(db, items)

    with monkeypatch.context() as patched:
        patched.setattr(reserve_module, "transact_write", crash_on_recording)
        try:
            reserve_stock(order_id, order_store(), store)
        except ConnectionError:
            pass
    try:  # the crashed delivery's claim is live: a second delivery waits
        reserve_stock(order_id, order_store(), store)
        raise AssertionError("a live claim must keep a second delivery out")
    except ReservationInProgress:
        pass
    monkeypatch.setattr(reserve_module, "CLAIM_SECONDS", -1)  # as if its claim had lapsed
    order_store().db.update_item(
        TableName=order_store().table,
        Key={"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": "META"}},
        UpdateExpression="SET reserving_until = :past",
        ExpressionAttributeValues={":past": {"S": "2000-01-01T00:00:00.000Z"}},
    )
    reserve_stock(order_id, order_store(), store)
    assert order_store().load(order_id).status == OrderStatus.RESERVED
    assert all(store.stock_record(sku, "WH-A").reserved == 2 for sku in skus)  # adopted, not doubled
    assert_books_balance([(sku, "WH-A") for sku in skus])
