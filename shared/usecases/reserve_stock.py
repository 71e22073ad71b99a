"""Workflow step: lock the stock of a ROUTED order's plan.

An order that fits one transaction (up to 49 lines, less one per package) is reserved in the same transaction that moves it to RESERVED: both
happen or neither. A larger order is reserved in chunks of 50 lines, then moved to RESERVED; a
chunk that runs short gives the earlier chunks back (compensation), and a crash between chunks
leaves HELD lines whose hold expires, which the sweeper releases."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from shared.aws.dynamo import TransactionCancelled, transact_write
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder
from shared.clock import iso, utc_now
from shared.errors import OrderMovedOn, StockShortage, VersionConflict
from shared.inventory import HOLD_SECONDS, ITEMS_PER_LINE, LINES_PER_CHUNK, TRANSACTION_ITEMS, ReservationLine, chunks, reservation_lines
from shared.lifecycle import Actor, OrderStatus, note_entry, transition_entry
from shared.usecases.retry import on_version_conflict

_OWNING = (OrderStatus.RESERVED, OrderStatus.RELEASED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
_ACTOR = Actor.system("inventory-lock")


def reservation_id_for(order_id: str) -> str:
    return f"RES-{order_id.removeprefix('OMS-')}"


def reserve_stock(order_id: str, orders: OrderStore, inventory: InventoryStore) -> str:
    return on_version_conflict(lambda: _reserve(orders.load(order_id), orders, inventory))


def _reserve(current: StoredOrder, orders: OrderStore, inventory: InventoryStore) -> str:
    if current.status in _OWNING and current.reservation_id:
        return current.reservation_id  # a retried step: the stock is locked already
    if current.status != OrderStatus.ROUTED or current.plan is None:
        raise OrderMovedOn(current.order_id, current.status, "inventory lock")

    now = utc_now()
    lines = reservation_lines(current.order_id, current.plan, iso(now), iso(now + timedelta(seconds=HOLD_SECONDS)))
    reservation_id = reservation_id_for(current.order_id)
    order_items = orders.transition_items(
        current,
        OrderStatus.RESERVED,
        transition_entry(current.status, OrderStatus.RESERVED, _ACTOR, reservation_id=reservation_id, lines=[_summary(l) for l in lines]),
        set_fields={"reservation_id": reservation_id},
    )
    # The day's package counts (routing's capacity figures) go with the order's status change.
    order_items += inventory.package_count_items(current.plan, int(time.time()))
    if len(order_items) + ITEMS_PER_LINE * len(lines) <= TRANSACTION_ITEMS:
        # The order owns its lines from the same transaction on: nothing for the sweeper to watch.
        _reserve_chunk(current, orders, inventory, lines, order_items, expires=False)
        return reservation_id
    # Compensation gives back only the chunks this invocation wrote: chunks found HELD already
    # belong to an earlier attempt or a concurrent duplicate, and expire if nobody owns them.
    written: list[ReservationLine] = []
    for chunk in chunks(lines, LINES_PER_CHUNK):
        try:
            if _reserve_chunk(current, orders, inventory, chunk, [], expires=True):
                written.extend(chunk)
        except StockShortage:
            _give_back(inventory, written)
            raise
    try:
        transact_write(orders.db, order_items)
    except TransactionCancelled as cancelled:
        _give_back(inventory, written)
        raise VersionConflict(current.order_id, current.version) from cancelled
    for line in lines:  # the order owns them now: out of the sweeper's sight
        inventory.confirm_hold(line)
    return reservation_id


def _reserve_chunk(
    current: StoredOrder, orders: OrderStore, inventory: InventoryStore, lines: Sequence[ReservationLine], order_items: list[dict], *, expires: bool
) -> bool:
    """True when this call wrote the lines; False when an earlier attempt had (a repeated chunk)."""
    try:
        transact_write(orders.db, order_items + inventory.reserve_items(lines, expires=expires))
        return True
    except TransactionCancelled as cancelled:
        if any(cancelled.failed(i) for i in range(len(order_items))):
            raise VersionConflict(current.order_id, current.version) from cancelled
        first = len(order_items)
        short = [line for n, line in enumerate(lines) if cancelled.failed(first + ITEMS_PER_LINE * n + 1)]
        if not short:
            held = [line for n, line in enumerate(lines) if cancelled.failed(first + ITEMS_PER_LINE * n)]
            if order_items:  # a HELD line without an owning order: an earlier attempt crashed
                raise RuntimeError(f"order {current.order_id}: lines already held {[_summary(l) for l in held]}") from cancelled
            return False
        described = []
        for line in short:
            record = inventory.stock_record(line.sku, line.warehouse_id)
            described.append({**_summary(line), "available": record.available if record else 0})
        orders.add_note(
            current,
            note_entry(current.status, _ACTOR, "stock ran short while reserving; routing again", short_lines=described),
        )
        raise StockShortage(current.order_id, described) from cancelled


def _give_back(inventory: InventoryStore, lines: Sequence[ReservationLine]) -> None:
    for chunk in chunks(lines, LINES_PER_CHUNK):
        transact_write(inventory.db, inventory.release_items(chunk, "reservation of the order failed", int(time.time())))


def _summary(line: ReservationLine) -> dict:
    return {"sku": line.sku, "warehouse_id": line.warehouse_id, "quantity": line.quantity}
