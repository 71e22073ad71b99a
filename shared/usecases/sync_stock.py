"""Stock from the WMS/ERP: absolute counts and movements, applied without losing reservations."""

from __future__ import annotations

import time

from shared.aws import stock_counts
from shared.aws.dynamo import TransactionCancelled, transact_write
from shared.aws.inventory_store import InventoryStore
from shared.errors import StoreUnavailable
from shared.inventory import StockDelta, StockSnapshot
from shared.stock_buckets import take_from_buckets

DELTA_ATTEMPTS = 5


def apply_snapshot(snapshot: StockSnapshot, inventory: InventoryStore) -> str:
    return stock_counts.apply_snapshot(inventory, snapshot)


def apply_delta(delta: StockDelta, inventory: InventoryStore) -> str:
    """'applied', 'duplicate' (this delta id was applied before), 'counted' (it happened at or
    before the count last applied, which holds it already: recorded, not applied; a repeat of it
    is 'counted' again) or 'refused' (on hand would go below 0).

    Movements and counts travel on a standard queue, in any order: a receipt applied after the
    count that already held it would count its units twice, and the units could be sold twice.
    A movement with `occurred_at` is applied only while the stock's count is older (the write is
    conditioned on it, so a count applied since the read makes the movement look again).

    Bucketed stock is read first to choose its buckets; when a bucket changed before the write
    (a reservation took the units a decrease planned on) or the layout changed (a split or a
    merge), the movement is planned again on fresh figures."""
    for _ in range(DELTA_ATTEMPTS):
        stock = inventory.warehouse_stock(delta.sku, delta.warehouse_id)
        if stock_counts.canonical_count_time(inventory, stock):
            continue  # a count stored before decision 251, its time now rewritten: read again
        if delta.occurred_at is not None and stock.as_of is not None and delta.occurred_at <= stock.as_of:
            if stock_counts.record_counted(inventory, delta, int(time.time()), stock.as_of):
                return "counted"
            return stock_counts.repeat_outcome(inventory, delta.delta_id) or "duplicate"  # its marker was there
        if not stock.exists and not stock.bucketed:
            stock_counts.known_warehouse(inventory, delta.warehouse_id, f"movement {delta.delta_id} of {delta.sku}")
        if stock.bucketed and delta.change < 0 and take_from_buckets(-delta.change, stock.buckets) is None:
            return stock_counts.repeat_outcome(inventory, delta.delta_id) or "refused"
        try:
            transact_write(inventory.db, stock_counts.delta_items(inventory, delta, int(time.time()), stock))
            return "applied"
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                return stock_counts.repeat_outcome(inventory, delta.delta_id) or "duplicate"
        now = inventory.warehouse_stock(delta.sku, delta.warehouse_id)
        if delta.occurred_at is not None and now.as_of != stock.as_of:
            continue  # a count was applied meanwhile: it may hold this movement
        if not stock.bucketed and not now.bucketed and stock.exists == now.exists:
            return "refused"  # the single item as read refused it: on hand would go below 0
    raise StoreUnavailable(f"stock {delta.sku}@{delta.warehouse_id} kept changing while applying movement {delta.delta_id}")
