"""Workflow step: lock the stock of a ROUTED order's plan, in the same transaction that moves the
order to RESERVED. Either both happen or neither: no leaked reservation, no reserved order
without stock."""

from __future__ import annotations

import time

from shared.aws.dynamo import TransactionCancelled, transact_write
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder
from shared.errors import OrderMovedOn, StockShortage, VersionConflict
from shared.lifecycle import Actor, OrderStatus, TimelineEntry, transition_entry
from shared.usecases.retry import on_version_conflict

_ALREADY_RESERVED = (OrderStatus.RESERVED, OrderStatus.RELEASED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
# Transaction layout: [order update, timeline put, reservation record, stock line 1, line 2, ...]
_ORDER_ITEMS = 2
_FIRST_STOCK_ITEM = 3


def reservation_id_for(order_id: str) -> str:
    return f"RES-{order_id.removeprefix('OMS-')}"


def reserve_stock(order_id: str, orders: OrderStore, inventory: InventoryStore) -> str:
    return on_version_conflict(lambda: _reserve(orders.load(order_id), orders, inventory))


def _reserve(current: StoredOrder, orders: OrderStore, inventory: InventoryStore) -> str:
    if current.status in _ALREADY_RESERVED and current.reservation_id:
        return current.reservation_id  # a retried step: the stock is locked already
    if current.status != OrderStatus.ROUTED or current.plan is None:
        raise OrderMovedOn(current.order_id, current.status, "inventory lock")

    reservation_id = reservation_id_for(current.order_id)
    stock_items, lines = inventory.reservation_items(current.order_id, current.plan, int(time.time()))
    order_items = orders.transition_items(
        current,
        OrderStatus.RESERVED,
        transition_entry(
            current.status,
            OrderStatus.RESERVED,
            Actor.system("inventory-lock"),
            reservation_id=reservation_id,
            lines=[line.model_dump() for line in lines],
        ),
        set_fields={"reservation_id": reservation_id},
    )
    try:
        transact_write(orders.db, order_items + stock_items)
    except TransactionCancelled as cancelled:
        if any(cancelled.failed(i) for i in range(_ORDER_ITEMS)):
            raise VersionConflict(current.order_id, current.version) from cancelled
        short = [
            {"sku": line.sku, "warehouse_id": line.warehouse_id, "quantity": line.quantity}
            for index, line in enumerate(lines, start=_FIRST_STOCK_ITEM)
            if cancelled.failed(index)
        ]
        if not short:  # the reservation record exists while the order is not reserved: a defect
            raise RuntimeError(f"order {current.order_id}: reservation record exists but order is {current.status}") from cancelled
        for line in short:
            record = inventory.stock_record(line["sku"], line["warehouse_id"])
            line["available"] = record.available if record else 0
        orders.add_note(
            current,
            TimelineEntry(
                from_status=current.status,
                to_status=current.status,
                cause="stock ran short while reserving; routing again",
                actor=Actor.system("inventory-lock"),
                details={"short_lines": short},
            ),
        )
        raise StockShortage(current.order_id, short) from cancelled
    return reservation_id
