"""After-sales stock movements on the inventory table (AWS adapter):

- units of a reservation line given back when the warehouse took refunded units out of a parcel
  (a line wholly refunded is released whole, by shared/usecases/settle_reservations.py);
- a return receipt: sellable units back on hand and available (a stock movement applied once,
  shared/usecases/sync_stock.py), unsellable ones counted in the warehouse's damaged bucket

  pk = DAMAGED#<sku>  sk = <warehouse_id>    units returned unsellable (not available to sell)
  pk = RETURNRECEIPT#<receipt_id>#<sku>  sk = DAMAGED   marks a receipt's damaged units counted once
"""

from __future__ import annotations

import time
from typing import Any

from shared.aws import reservation_records
from shared.aws.dynamo import TransactionCancelled, transact_write, to_item, to_value
from shared.aws.inventory_store import InventoryStore, stock_key
from shared.inventory import AUDIT_RETENTION_SECONDS, ReservationLine, ReservationState, StockDelta, warehouse_instant
from shared.usecases.sync_stock import apply_delta


def give_back_units(inventory: InventoryStore, line: ReservationLine, units: int) -> bool:
    """Takes `units` (fewer than the line holds) out of a HELD reservation line and makes them
    available again, in one transaction conditioned on the line as read. False: it changed."""
    shares = [(a.bucket, a.quantity) for a in line.allocations] if line.allocations else [(None, line.quantity)]
    left, taken = units, []
    for bucket, held in shares:
        if left == 0:
            break
        take = min(held, left)
        taken.append((bucket, take))
        left -= take
    allocations = None
    if line.allocations:
        took = dict(taken)
        allocations = [{"bucket": a.bucket, "quantity": a.quantity - took.get(a.bucket, 0)} for a in line.allocations if a.quantity > took.get(a.bucket, 0)]
    at, names = reservation_records.line_paths(line)  # its own record, or its place in the order's (decision 183)
    record = {
        "Update": {
            "TableName": inventory.table,
            "Key": to_item(reservation_records.record_key(line)),
            "UpdateExpression": f"SET {at}quantity = :q" + (f", {at}allocations = :a" if allocations is not None else ""),
            "ConditionExpression": f"{at}#state = :held AND {at}quantity = :seen",
            "ExpressionAttributeNames": {"#state": "state", **names},
            "ExpressionAttributeValues": {
                ":q": to_value(line.quantity - units),
                ":held": to_value(ReservationState.HELD.value),
                ":seen": to_value(line.quantity),
                **({":a": to_value(allocations)} if allocations is not None else {}),
            },
        }
    }
    stock = [
        {
            "Update": {
                "TableName": inventory.table,
                "Key": to_item(stock_key(line.sku, line.warehouse_id, bucket)),
                "UpdateExpression": "SET reserved = reserved - :q, available = available + :q",
                "ConditionExpression": "attribute_exists(pk) AND reserved >= :q",
                "ExpressionAttributeValues": {":q": to_value(q)},
            }
        }
        for bucket, q in taken
    ]
    try:
        transact_write(inventory.db, [record, *stock])
    except TransactionCancelled:
        return False
    return True


def restock(inventory: InventoryStore, receipt_id: str, warehouse_id: str, sku: str, sellable: int, unsellable: int, received_at: str | None = None) -> dict[str, str]:
    """Applies one SKU of a return receipt, each part once however often the receipt arrives. The
    sellable units are a movement at the receipt's time: a count taken after it holds them
    already (decision 251). A receipt time that is not an ISO-8601 time is not used (the units are
    added when the receipt arrives, as without one)."""
    outcome: dict[str, str] = {}
    if sellable:
        delta = StockDelta(delta_id=f"return:{receipt_id}:{sku}", sku=sku, warehouse_id=warehouse_id, change=sellable, reason="return received, sellable", occurred_at=_iso_or_none(received_at))
        outcome["sellable"] = apply_delta(delta, inventory)
    if unsellable:
        outcome["unsellable"] = _count_damaged(inventory, receipt_id, warehouse_id, sku, unsellable)
    return outcome


def _iso_or_none(value: str | None) -> str | None:
    try:
        return None if value is None else warehouse_instant(value)
    except ValueError:
        return None


def damaged(inventory: InventoryStore, sku: str, warehouse_id: str) -> int:
    response = inventory.db.get_item(TableName=inventory.table, Key=to_item({"pk": f"DAMAGED#{sku}", "sk": warehouse_id}), ConsistentRead=True)
    return int(response.get("Item", {}).get("quantity", {}).get("N", 0))


def _count_damaged(inventory: InventoryStore, receipt_id: str, warehouse_id: str, sku: str, units: int) -> str:
    marker: dict[str, Any] = {"pk": f"RETURNRECEIPT#{receipt_id}#{sku}", "sk": "DAMAGED", "units": units, "expires_at_epoch": int(time.time()) + AUDIT_RETENTION_SECONDS}
    try:
        transact_write(
            inventory.db,
            [
                {"Put": {"TableName": inventory.table, "Item": to_item(marker), "ConditionExpression": "attribute_not_exists(pk)"}},
                {
                    "Update": {
                        "TableName": inventory.table,
                        "Key": to_item({"pk": f"DAMAGED#{sku}", "sk": warehouse_id}),
                        "UpdateExpression": "ADD quantity :q SET sku = :sku, warehouse_id = :wh",
                        "ExpressionAttributeValues": {":q": to_value(units), ":sku": to_value(sku), ":wh": to_value(warehouse_id)},
                    }
                },
            ],
        )
    except TransactionCancelled:
        return "duplicate"
    return "applied"
