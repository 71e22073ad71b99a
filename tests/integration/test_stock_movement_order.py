"""A WMS movement that would take on hand below zero (decision 260): movements travel on a standard
queue in any order, so a decrease that ran ahead of the receipt it takes from is retried and then
applied, not dropped; one that never fits is reported failed until its DLQ, never applied in part."""

from __future__ import annotations

from functions.stock_sync.handler import handler as stock_sync_handler
from shared.aws.stores import inventory_store
from shared.inventory import StockRecord
from tests.integration.conftest import context
from tests.integration.test_channel_stock_push import stock_event


def movement(delta_id: str, change: int, n: int) -> dict:
    return stock_event("StockMovement", {"delta_id": delta_id, "sku": "ORDER-1", "warehouse_id": "WH-SH", "change": change}, n)


def test_a_decrease_ahead_of_its_receipt_is_retried_and_then_applied(aws):
    inventory_store().put_stock(StockRecord(sku="ORDER-1", warehouse_id="WH-SH", on_hand=2))
    shipped = movement("OUT-7", -5, 1)
    assert stock_sync_handler({"Records": [shipped, movement("GRN-7", 10, 2)]}, context()) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert inventory_store().stock_record("ORDER-1", "WH-SH").on_hand == 12  # the receipt; the decrease waits
    assert stock_sync_handler({"Records": [shipped]}, context()) == {"batchItemFailures": []}  # SQS delivers it again
    assert inventory_store().stock_record("ORDER-1", "WH-SH").on_hand == 7  # before: dropped with a log line, 12 for ever


def test_a_decrease_that_never_fits_fails_each_delivery_and_changes_nothing(aws):
    inventory_store().put_stock(StockRecord(sku="ORDER-1", warehouse_id="WH-SH", on_hand=3))
    for attempt in range(3):
        assert stock_sync_handler({"Records": [movement("ADJ-8", -9, 10 + attempt), movement(f"GRN-8{attempt}", 1, 20 + attempt)]}, context()) == {
            "batchItemFailures": [{"itemIdentifier": f"m{10 + attempt}"}]
        }
    assert inventory_store().stock_record("ORDER-1", "WH-SH").on_hand == 6
