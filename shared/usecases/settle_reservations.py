"""Giving reserved stock back (release) or letting it leave with the parcel (commit).

Both are idempotent: only HELD lines change, so a repeated call, or a call racing another,
settles each line exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from shared.aws import reservation_records
from shared.aws.dynamo import TransactionCancelled, transact_write
from shared.aws.inventory_store import InventoryStore
from shared.inventory import TRANSACTION_ITEMS, ReservationLine, ReservationState, transaction_batches

Settle = Callable[[Sequence[ReservationLine], int], list[dict[str, Any]]]


def release_reservation(
    order_id: str, reason: str, inventory: InventoryStore, warehouse_id: str | None = None, while_order: dict[str, Any] | None = None
) -> list[ReservationLine]:
    """Gives back every HELD line of the order (of one warehouse, if given); returns what it released.
    Its SKUs are marked for the channel stock push first (decision 125): a crash after the mark
    pushes an unchanged quantity; a mark after the release could be lost with the retry.
    `while_order`: a ConditionCheck on the order (its version and status as the caller read them)
    in every give-back transaction: when the order moved on meanwhile (a new run may have adopted
    the lines), nothing more is given back and OrderChangedWhileSettling says so (decision 235)."""
    return _settle(order_id, inventory, warehouse_id, lambda lines, now: inventory.release_items(lines, reason, now), before=_mark_for_channels, guard=while_order)


class OrderChangedWhileSettling(Exception):
    """The order's guard failed: it is no longer as the caller read it; `settled` went back before."""

    def __init__(self, order_id: str, settled: list[ReservationLine]):
        super().__init__(f"order {order_id} changed while its reservation was being given back")
        self.settled = settled


def _mark_for_channels(lines: Sequence[ReservationLine]) -> None:
    from shared.writeback.aws.store import channel_sync_store
    from shared.writeback.stock_marks import mark_stock_changed

    mark_stock_changed((line.sku for line in lines), channel_sync_store())


def commit_shipment(order_id: str, warehouse_id: str, inventory: InventoryStore) -> list[ReservationLine]:
    """The warehouse shipped: its HELD lines leave on_hand and reserved together."""
    return _settle(order_id, inventory, warehouse_id, inventory.commit_items)


def _settle(
    order_id: str,
    inventory: InventoryStore,
    warehouse_id: str | None,
    settle: Settle,
    before: Callable[[Sequence[ReservationLine]], None] | None = None,
    guard: dict[str, Any] | None = None,
) -> list[ReservationLine]:
    settled: list[ReservationLine] = []
    room = TRANSACTION_ITEMS - (1 if guard else 0)
    unexpired = False  # a shared record settled by none of our transactions whole (decision 183)
    for _ in range(3):  # a line settled concurrently cancels our transaction: re-read and go on
        held = [
            line
            for line in inventory.reservations(order_id)
            if line.state == ReservationState.HELD and warehouse_id in (None, line.warehouse_id)
        ]
        if not held:
            if unexpired:  # read once more: no line HELD left, it may expire
                inventory.expire_settled_records(order_id, int(time.time()))
            return settled
        if before is not None:
            before(held)
        try:
            for batch in transaction_batches(held, room):  # a line on buckets takes an item per bucket
                items = settle(batch, int(time.time()))
                transact_write(inventory.db, [guard, *items] if guard else items)
                settled.extend(batch)
                unexpired |= reservation_records.leaves_expiry_to_a_read(batch)
        except TransactionCancelled as cancelled:
            if guard and cancelled.failed(0):
                raise OrderChangedWhileSettling(order_id, settled) from cancelled
            continue
    raise RuntimeError(f"order {order_id}: reservation lines kept changing while settling them")
