"""Workflow step: lock the stock of a ROUTED order's plan.

An order whose lines fit in one transaction with its status change (49 lines on unbucketed stock;
fewer when lines on a hot SKU's buckets span several of them) is reserved in that transaction:
both happen or neither. A larger order is reserved in chunks of up to 50 lines, then moved to
RESERVED; a chunk that runs short gives the earlier chunks back (compensation), and a crash
between chunks leaves HELD lines whose hold expires, which the sweeper releases."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from shared.aws.dynamo import TransactionCancelled, transact_write
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder, log_order_event
from shared.clock import iso, utc_now
from shared.errors import OrderMovedOn, StockShortage, VersionConflict
from shared.inventory import HOLD_SECONDS, LINES_PER_CHUNK, ReservationLine, reservation_lines, transaction_batches
from shared.lifecycle import Actor, OrderStatus, note_entry, transition_entry
from shared.usecases.retry import on_version_conflict
from shared.usecases.stock_allocation import reserve_lines

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
    entry = transition_entry(current.status, OrderStatus.RESERVED, _ACTOR, reservation_id=reservation_id, lines=[line.summary() for line in lines])
    order_items = orders.transition_items(current, OrderStatus.RESERVED, entry, set_fields={"reservation_id": reservation_id})
    # The day's package counts (routing's capacity figures) go with the order's status change.
    order_items += inventory.package_count_items(current.plan, int(time.time()))
    try:
        if _reserve_with_order(current, inventory, lines, order_items) is None:
            _reserve_in_chunks(current, orders, inventory, lines, order_items)
    except StockShortage as shortage:
        orders.add_note(current, note_entry(current.status, _ACTOR, "stock ran short while reserving; routing again", short_lines=shortage.short_lines))
        raise
    log_order_event(current.order_id, current.status, OrderStatus.RESERVED, entry.cause)
    return reservation_id


def _reserve_with_order(
    current: StoredOrder, inventory: InventoryStore, lines: Sequence[ReservationLine], order_items: list[dict]
) -> list[ReservationLine] | None:
    """The order owns its lines from the same transaction on: nothing for the sweeper to watch.
    None when the lines do not fit in that transaction."""
    try:
        return reserve_lines(inventory, lines, expires=False, lead_items=order_items)
    except TransactionCancelled as cancelled:  # the order's own condition: it changed meanwhile
        raise VersionConflict(current.order_id, current.version) from cancelled


def _reserve_in_chunks(
    current: StoredOrder, orders: OrderStore, inventory: InventoryStore, lines: Sequence[ReservationLine], order_items: list[dict]
) -> None:
    """Chunks of up to 50 lines, each in its own transaction, then the order's status change.
    Compensation gives back only the lines this invocation wrote: lines found HELD already
    belong to an earlier attempt or a concurrent duplicate, and expire if nobody owns them."""
    written: list[ReservationLine] = []
    pending = list(lines)
    size = LINES_PER_CHUNK
    try:
        while pending:
            chunk = pending[:size]
            reserved = reserve_lines(inventory, chunk, expires=True)
            if reserved is None:  # its lines span so many buckets that they need more items
                size = len(chunk) // 2
                if not size:
                    raise RuntimeError(f"order {current.order_id}: line {chunk[0].summary()} spans more stock items than a transaction holds")
                continue
            written.extend(reserved)
            pending = pending[len(chunk) :]
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


def _give_back(inventory: InventoryStore, lines: Sequence[ReservationLine]) -> None:
    for batch in transaction_batches(lines):
        transact_write(inventory.db, inventory.release_items(batch, "reservation of the order failed", int(time.time())))
