"""Stock from the WMS/ERP: absolute counts and movements, applied without losing reservations."""

from __future__ import annotations

import time

from shared.aws.dynamo import TransactionCancelled, transact_write
from shared.aws.inventory_store import InventoryStore
from shared.inventory import StockDelta, StockSnapshot


def apply_snapshot(snapshot: StockSnapshot, inventory: InventoryStore) -> str:
    return inventory.apply_snapshot(snapshot)


def apply_delta(delta: StockDelta, inventory: InventoryStore) -> str:
    """'applied', 'duplicate' (this delta id was applied before) or 'refused' (on hand would go below 0)."""
    try:
        transact_write(inventory.db, inventory.delta_items(delta, int(time.time())))
    except TransactionCancelled as cancelled:
        return "duplicate" if cancelled.failed(0) else "refused"
    return "applied"
