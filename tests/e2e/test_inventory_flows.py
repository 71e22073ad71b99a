import json
import time

from shared.aws.dynamo import transact_write
from shared.aws import stock_counts
from shared.aws.stores import inventory_store
from shared.inventory import ReservationLine, StockRecord


def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := check()):
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def publish(runtime, source: str, detail_type: str, detail: dict) -> None:
    answer = runtime.client("events").put_events(
        Entries=[{"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": runtime.resources.env["EVENT_BUS_NAME"]}]
    )
    assert answer["FailedEntryCount"] == 0


def test_wms_stock_events_reach_the_inventory_through_the_bus(runtime):
    store = inventory_store()
    store.put_stock(StockRecord(sku="E2E-SYNC", warehouse_id="WH-SH", on_hand=4))
    publish(runtime, "wms.jiading", "StockMovement", {"delta_id": "GRN-E2E-1", "sku": "E2E-SYNC", "warehouse_id": "WH-SH", "change": 6, "reason": "goods received"})
    eventually(lambda: store.stock_record("E2E-SYNC", "WH-SH").on_hand == 10)
    publish(runtime, "erp.sap", "StockSnapshot", {"sku": "E2E-SYNC", "warehouse_id": "WH-SH", "on_hand": 42, "as_of": "2026-11-25T08:00:00Z"})
    record = eventually(lambda: (r := store.stock_record("E2E-SYNC", "WH-SH")).on_hand == 42 and r)
    assert record.available == 42
    publish(runtime, "crm.other", "StockSnapshot", {"sku": "E2E-SYNC", "warehouse_id": "WH-SH", "on_hand": 0, "as_of": "2026-11-25T09:00:00Z"})
    time.sleep(1.5)  # a source the rule does not match is not applied
    assert store.stock_record("E2E-SYNC", "WH-SH").on_hand == 42


def test_the_scheduled_sweeper_gives_back_an_expired_hold(runtime):
    store = inventory_store()
    store.put_stock(StockRecord(sku="E2E-SWEEP", warehouse_id="WH-BJ", on_hand=10))
    orphan = ReservationLine(order_id="OMS-CRASHED-BEFORE-RECORDING", warehouse_id="WH-BJ", sku="E2E-SWEEP", quantity=3, created_at="2026-11-25T00:00:00.000Z", hold_expires_at="2026-11-25T00:15:00.000Z")
    transact_write(store.db, store.reserve_items([orphan], expires=True))
    assert store.stock_record("E2E-SWEEP", "WH-BJ").available == 7
    eventually(lambda: store.stock_record("E2E-SWEEP", "WH-BJ").available == 10)
    [line] = store.reservations(orphan.order_id)
    assert line.state == "RELEASED"


def test_a_receipt_that_arrives_after_the_count_holding_it_is_recorded_not_added(runtime):
    store = inventory_store()
    store.put_stock(StockRecord(sku="E2E-ORDER", warehouse_id="WH-SH", on_hand=4))
    publish(runtime, "wms.jiading", "StockSnapshot", {"sku": "E2E-ORDER", "warehouse_id": "WH-SH", "on_hand": 10, "as_of": "2026-11-25T16:00:00+08:00"})
    eventually(lambda: store.stock_record("E2E-ORDER", "WH-SH").on_hand == 10)
    # The 6 units were received at 07:55 UTC, so the 08:00 UTC count holds them; the event came late.
    publish(runtime, "wms.jiading", "StockMovement", {"delta_id": "GRN-E2E-LATE", "sku": "E2E-ORDER", "warehouse_id": "WH-SH", "change": 6, "occurred_at": "2026-11-25T07:55:00Z"})
    eventually(lambda: stock_counts.movement_applied(store, "GRN-E2E-LATE"))
    assert store.stock_record("E2E-ORDER", "WH-SH").on_hand == 10
    publish(runtime, "wms.jiading", "StockMovement", {"delta_id": "GRN-E2E-NEXT", "sku": "E2E-ORDER", "warehouse_id": "WH-SH", "change": 3, "occurred_at": "2026-11-25T08:05:00Z"})
    eventually(lambda: store.stock_record("E2E-ORDER", "WH-SH").on_hand == 13)
